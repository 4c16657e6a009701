#pragma once
// TempDirectory: a fresh directory under the system temp dir, removed with everything in it when
// the test ends. Storage tests use real files.

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace dlmsgw::gateway::testing {

class TempDirectory {
 public:
  TempDirectory() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "dlmsgw-storage-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;
  ~TempDirectory() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace dlmsgw::gateway::testing
