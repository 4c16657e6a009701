#include "gateway/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dlmsgw::gateway {

Expected<void> write_file_atomically(const std::filesystem::path& path, const std::string& text,
                                     std::string_view owner) {
  const auto failure = [&](const std::filesystem::path& file, std::string_view step) {
    return make_error(ErrorCode::io_error, std::string(owner) + " " + file.string() + ": " +
                                               std::string(step) + ": " + std::strerror(errno));
  };
  const std::filesystem::path temporary = path.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return failure(temporary, "cannot be created");
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto error = failure(temporary, "write failed");
      ::close(fd);
      return error;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto error = failure(temporary, "fsync failed");
    ::close(fd);
    return error;
  }
  if (::close(fd) != 0) return failure(temporary, "close failed");
  if (::rename(temporary.c_str(), path.c_str()) != 0) return failure(path, "rename failed");
  // The rename itself is durable only once the directory is.
  const auto directory = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    (void)::fsync(dir);
    ::close(dir);
  }
  return {};
}

}  // namespace dlmsgw::gateway
