#include "connectors/dlms/profile_cursor_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace dlmsgw::connectors::dlms {
namespace {

std::string profile_key(const ObisCode& profile) {
  return profile.to_string();
}

Error io_failure(const std::filesystem::path& file, const std::string& what) {
  return make_error(ErrorCode::io_error,
                    "profile cursors " + file.string() + ": " + what + ": " + std::strerror(errno));
}

}  // namespace

std::optional<std::int64_t> MemoryProfileCursorStore::load(const std::string& device,
                                                           const ObisCode& profile) const {
  const auto found = cursors_.find({device, profile_key(profile)});
  if (found == cursors_.end()) return std::nullopt;
  return found->second;
}

Expected<void> MemoryProfileCursorStore::save(const std::string& device, const ObisCode& profile,
                                              std::int64_t newest_unix_ms) {
  cursors_[{device, profile_key(profile)}] = newest_unix_ms;
  return {};
}

Expected<std::shared_ptr<FileProfileCursorStore>> FileProfileCursorStore::open(
    std::filesystem::path file) {
  std::shared_ptr<FileProfileCursorStore> store(new FileProfileCursorStore(file));
  std::error_code error;
  if (!std::filesystem::exists(file, error)) return store;
  std::ifstream in(file);
  if (!in) return io_failure(file, "cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  const auto fix = " (move the file aside: profiles are then read again from maxBackfillHours)";
  auto json = nlohmann::json::parse(text.str(), nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return make_error(ErrorCode::malformed,
                      "profile cursors " + file.string() + ": not a JSON object" + fix);
  }
  for (const auto& [device, profiles] : json.items()) {
    if (!profiles.is_object()) {
      return make_error(ErrorCode::malformed, "profile cursors " + file.string() + ": device '" +
                                                  device + "' is not an object" + fix);
    }
    for (const auto& [profile, newest] : profiles.items()) {
      if (!newest.is_number_integer()) {
        return make_error(ErrorCode::malformed, "profile cursors " + file.string() + ": '" +
                                                    device + "' " + profile +
                                                    " is not a Unix time in ms" + fix);
      }
      store->cursors_[device][profile] = newest.get<std::int64_t>();
    }
  }
  return store;
}

std::optional<std::int64_t> FileProfileCursorStore::load(const std::string& device,
                                                         const ObisCode& profile) const {
  const auto found = cursors_.find(device);
  if (found == cursors_.end()) return std::nullopt;
  const auto cursor = found->second.find(profile_key(profile));
  if (cursor == found->second.end()) return std::nullopt;
  return cursor->second;
}

Expected<void> FileProfileCursorStore::save(const std::string& device, const ObisCode& profile,
                                            std::int64_t newest_unix_ms) {
  auto& slot = cursors_[device][profile_key(profile)];
  const auto previous = slot;
  slot = newest_unix_ms;
  auto written = write();
  if (!written) slot = previous;
  return written;
}

Expected<void> FileProfileCursorStore::write() const {
  nlohmann::json json = nlohmann::json::object();
  for (const auto& [device, profiles] : cursors_) {
    for (const auto& [profile, newest] : profiles) json[device][profile] = newest;
  }
  const std::string text = json.dump(1) + "\n";
  const std::filesystem::path temporary = file_.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return io_failure(temporary, "cannot be created");
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto failure = io_failure(temporary, "write failed");
      ::close(fd);
      return failure;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto failure = io_failure(temporary, "fsync failed");
    ::close(fd);
    return failure;
  }
  ::close(fd);
  if (::rename(temporary.c_str(), file_.c_str()) != 0) return io_failure(file_, "rename failed");
  const auto directory = file_.has_parent_path() ? file_.parent_path() : ".";
  const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {};
}

}  // namespace dlmsgw::connectors::dlms
