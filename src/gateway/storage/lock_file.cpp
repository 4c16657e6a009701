#include "gateway/storage/lock_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace dlmsgw::gateway {

namespace {

std::string read_holder_pid(int fd) {
  char buffer[32] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  std::string pid = n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.empty() ? "unknown" : pid;
}

}  // namespace

Expected<LockFile> LockFile::acquire(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    return make_error(ErrorCode::rejected, "cannot create lock file '" + path.string() +
                                               "': " + std::strerror(err) +
                                               "; the service user must be able to write to '" +
                                               path.parent_path().string() + "'");
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::string message;
    if (err == EWOULDBLOCK) {
      message = "'" + path.string() + "' is held by another dlmsgw (pid " + read_holder_pid(fd) +
                ") using the same storage; stop it, or give this instance its own storage file";
    } else {
      message = "cannot lock '" + path.string() + "': " + std::strerror(err);
    }
    ::close(fd);
    return make_error(ErrorCode::rejected, std::move(message));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  // Best effort: the pid only improves the message a refused second instance prints.
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(fd, pid.data(), pid.size(), 0);
  }
  return LockFile(fd);
}

LockFile::LockFile(LockFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

LockFile& LockFile::operator=(LockFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

LockFile::~LockFile() {
  // Closing releases the flock; the file stays so that a concurrent opener never locks an unlinked
  // inode while a third process creates a fresh one.
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace dlmsgw::gateway
