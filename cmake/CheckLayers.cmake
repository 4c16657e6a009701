# The layer rules of the source tree: a folder says what its files may do. Checked twice: at configure
# time (include()d by the top-level CMakeLists.txt, so a broken rule stops the build before anything
# compiles) and as the CTest test `source_layers` (cmake -DSOURCE_DIR=<root> -P this file), so the
# test command names the offending file.
#
#   src/core  value types only: no I/O, no DLMS, no ThingsBoard
#   src/dlms  the sans-I/O protocol library: no asio (not even in a comment: the folder is grepped),
#             no sockets or threads, nothing from the layers above it
#   src/net   transports: nothing from DLMS or ThingsBoard
#   src/gateway  the gateway core: ThingsBoard and storage, nothing from DLMS

if(NOT DEFINED SOURCE_DIR)
  set(SOURCE_DIR ${PROJECT_SOURCE_DIR})
endif()

set(_layers_above "client|net|gateway|connectors|simulator|observability|app")
set(_dlmsgw_layer_rules
  "src/core" "#include *[<\"](asio|mosquitto|sqlite3|nlohmann|spdlog|sys/socket|thread>|dlms/|${_layers_above}/)"
  "src/dlms" "asio|#include *<(sys/socket\\.h|thread|mosquitto\\.h|sqlite3\\.h|spdlog)|#include *\"(${_layers_above})/"
  "src/net" "#include *\"(dlms|client|gateway|connectors|simulator)/"
  "src/gateway" "#include *\"(dlms|client|connectors|simulator)/")

set(_violations "")
list(LENGTH _dlmsgw_layer_rules _count)
math(EXPR _last "${_count} - 1")
foreach(_index RANGE 0 ${_last} 2)
  math(EXPR _pattern_index "${_index} + 1")
  list(GET _dlmsgw_layer_rules ${_index} _folder)
  list(GET _dlmsgw_layer_rules ${_pattern_index} _pattern)
  file(GLOB_RECURSE _files ${SOURCE_DIR}/${_folder}/*.hpp ${SOURCE_DIR}/${_folder}/*.cpp
       ${SOURCE_DIR}/${_folder}/CMakeLists.txt)
  foreach(_file ${_files})
    file(STRINGS ${_file} _hits REGEX "${_pattern}")
    if(_hits)
      file(RELATIVE_PATH _relative ${SOURCE_DIR} ${_file})
      list(GET _hits 0 _first)
      string(APPEND _violations "\n  ${_relative}: `${_first}` breaks the rule of ${_folder}/")
    endif()
  endforeach()
endforeach()

if(_violations)
  message(FATAL_ERROR "layer rules broken (see cmake/CheckLayers.cmake for what each folder may do):"
                      "${_violations}")
endif()
