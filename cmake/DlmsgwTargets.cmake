# Targets whose sources are globbed from one folder, so that each module's folder is self-contained and
# adding a file needs no CMake edit. A folder with no .cpp yet gives an INTERFACE library (headers only)
# or no test executable, so the tree builds at every step.

# dlmsgw_library(<name> <folder> [EXCLUDE <regex>] [PUBLIC deps...] [PRIVATE deps...])
function(dlmsgw_library name folder)
  cmake_parse_arguments(ARG "" "EXCLUDE" "PUBLIC;PRIVATE" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${folder}/*.cpp)
  if(ARG_EXCLUDE)
    list(FILTER sources EXCLUDE REGEX "${ARG_EXCLUDE}")
  endif()
  if(sources)
    add_library(${name} STATIC ${sources})
    # Unity batches, as for the test executables: most library files parse asio, nlohmann-json or
    # spdlog before their own lines. A file whose anonymous-namespace helper has the name of another
    # file's is left out with SKIP_UNITY_BUILD_INCLUSION in its folder's CMakeLists.txt.
    set_target_properties(${name} PROPERTIES UNITY_BUILD ${DLMSGW_UNITY_BUILD}
      UNITY_BUILD_BATCH_SIZE ${DLMSGW_UNITY_BATCH_SIZE})
    if(DLMSGW_UNITY_BUILD AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      # GCC spares the main file from -Wsubobject-linkage (a coroutine frame holding a file-local
      # type), and in a unity batch no source file is the main file.
      target_compile_options(${name} PRIVATE -Wno-subobject-linkage)
    endif()
    target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${name} PUBLIC ${ARG_PUBLIC} PRIVATE ${ARG_PRIVATE})
  else()
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${name} INTERFACE ${ARG_PUBLIC} ${ARG_PRIVATE})
  endif()
endfunction()

# dlmsgw_test(<name> <folder> [EXCLUDE <regex>] [LABELS labels...] DEPS deps...): one GoogleTest
# executable from <folder>/**/*_test.cpp, each test registered with CTest.
function(dlmsgw_test name folder)
  cmake_parse_arguments(ARG "" "EXCLUDE" "DEPS;LABELS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${folder}/*_test.cpp)
  if(ARG_EXCLUDE)
    list(FILTER sources EXCLUDE REGEX "${ARG_EXCLUDE}")
  endif()
  if(NOT sources)
    return()
  endif()
  add_executable(${name} ${sources})
  # Unity batches: a test file costs ~6 s of parsing GoogleTest, asio and nlohmann-json before its
  # own lines, and more generating code for the same template instances; one compiler run per batch
  # does both once. (Helpers in a test file's anonymous namespace must therefore have names of their
  # own within the executable, or come from a shared header.)
  set_target_properties(${name} PROPERTIES UNITY_BUILD ${DLMSGW_UNITY_BUILD}
    UNITY_BUILD_BATCH_SIZE ${DLMSGW_UNITY_BATCH_SIZE})
  # The test files themselves unoptimised in every preset: -O2 on GoogleTest's macros doubles their
  # compile time and speeds up nothing that matters. The code under test (the libraries, dlmsgw and
  # the simulator, run as processes) keeps the preset's optimisation.
  target_compile_options(${name} PRIVATE -O0)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  # No COST property: ctest starts the longest tests first by the times it measured in the last run
  # (Testing/Temporary/CTestCostData.txt), and it reads those only for tests without a COST (a COST
  # of 10 for the integration tests kept them in listing order: the 50 s ProfileGapFree test
  # started mid-run). scripts/test gives the asan tree the release run's times.
  # PRE_TEST: the tests are listed when ctest starts, not inside a build that scripts/test runs at
  # nice 19 beside other tests, where listing could exceed the discovery timeout.
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${ARG_LABELS}")
endfunction()

# dlmsgw_forbid_links(<target> <forbidden>...): fail the configure step when <target> links any of
# <forbidden>, directly or through the libraries it links (the link half of cmake/CheckLayers.cmake).
function(dlmsgw_forbid_links target)
  set(pending ${target})
  set(seen "")
  while(pending)
    list(POP_FRONT pending current)
    if(NOT TARGET ${current} OR current IN_LIST seen)
      continue()
    endif()
    list(APPEND seen ${current})
    get_target_property(type ${current} TYPE)
    set(links "")
    if(NOT type STREQUAL "INTERFACE_LIBRARY")
      get_target_property(links ${current} LINK_LIBRARIES)
    endif()
    get_target_property(interface_links ${current} INTERFACE_LINK_LIBRARIES)
    foreach(link IN LISTS links interface_links)
      if(link IN_LIST ARGN)
        message(FATAL_ERROR "${target} links ${link} (through ${current}): see cmake/CheckLayers.cmake")
      endif()
      list(APPEND pending ${link})
    endforeach()
  endwhile()
endfunction()
