#pragma once
// LockFile: an exclusive flock(2) on "<database>.lock" held for as long as the queue is open, so
// that a second dlmsgw (or a second queue in the same process) on the same database is refused at
// once with a clear message instead of waiting on SQLite's busy timeout or interleaving writes. The
// kernel drops the lock when the holder dies (kill -9 included), so a crash never leaves a stale
// lock. The holder's pid is written into the file only to name it in the refusal.

#include <filesystem>

#include "core/expected.hpp"

namespace dlmsgw::gateway {

class LockFile {
 public:
  // Creates the file if needed; refuses (ErrorCode::rejected) when another holder has it.
  static Expected<LockFile> acquire(const std::filesystem::path& path);

  LockFile(LockFile&& other) noexcept;
  LockFile& operator=(LockFile&& other) noexcept;
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;
  ~LockFile();

 private:
  explicit LockFile(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace dlmsgw::gateway
