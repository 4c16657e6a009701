#pragma once
// The dlmsgw executable under test (tests/CMakeLists.txt passes its path as DLMSGW_BINARY), and
// write_file for the configuration files the integration tests give it.

#include <filesystem>
#include <fstream>
#include <string>

namespace dlmsgw::test {

inline const std::string kBinary = DLMSGW_BINARY;

inline void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

}  // namespace dlmsgw::test
