#pragma once
// The dlmsgw executable under test (tests/CMakeLists.txt passes its path as DLMSGW_BINARY), and
// write_file for the configuration files the integration tests give it.

#include <filesystem>
#include <fstream>
#include <string>

namespace dlmsgw::test {

inline const std::string kBinary = DLMSGW_BINARY;

// For a shell command line after `dlmsgw validate`: run as root, validate checks the files as the
// service user dlmsgw when that user exists (the package test creates it while other tests may
// run), and dlmsgw cannot read the tests' private temporary directories. Tests check as themselves.
inline const std::string kValidateAsMe = " --as-user \"$(id -un)\"";

inline void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

}  // namespace dlmsgw::test
