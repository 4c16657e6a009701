#include "client/file_invocation_counter_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>

namespace dlmsgw::client {
namespace {

constexpr std::uint64_t kCounterLimit = std::uint64_t{1} << 32;  // a counter is 32 bits
constexpr std::string_view kTxSuffix = ":tx";

std::string system_reason() {
  return std::strerror(errno);
}

Error io_failure(const std::filesystem::path& path, std::string_view what) {
  return make_error(ErrorCode::io_error, "invocation counter file " + path.string() + ": " +
                                             std::string(what) + ": " + system_reason());
}

bool is_ours(const std::string& key) {
  return key.size() > kTxSuffix.size() && key.ends_with(kTxSuffix);
}

// An fd closed on scope exit.
struct FileDescriptor {
  int fd = -1;
  explicit FileDescriptor(int value) : fd(value) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

std::string fix_hint(const std::filesystem::path& path) {
  return "the counter cannot be trusted; write a line 'next N' into " + path.string() +
         " with N above the last counter the meter accepted (at least the last value logged), or "
         "delete it only if the meter's key was changed (see docs/dlms-connector.md, invocation "
         "counters)";
}

// Nothing when the file does not exist (a fresh key).
Expected<std::optional<std::uint64_t>> read_ceiling(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return std::optional<std::uint64_t>{};
    return io_failure(path, "cannot read it");
  }
  std::optional<std::uint64_t> found;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line.front() == '#') continue;
    const auto where = path.string() + ":" + std::to_string(number) + ": ";
    std::uint64_t value = 0;
    const auto* first = line.data() + 5;
    const auto* last = line.data() + line.size();
    const auto parsed = line.starts_with("next ")
                            ? std::from_chars(first, last, value)
                            : std::from_chars_result{first, std::errc::invalid_argument};
    if (found || parsed.ec != std::errc{} || parsed.ptr != last || value > kCounterLimit) {
      return make_error(ErrorCode::malformed, where + "expected one line 'next <0.." +
                                                  std::to_string(kCounterLimit) + ">', found '" +
                                                  line + "': " + fix_hint(path));
    }
    found = value;
  }
  if (!found) {
    return make_error(
        ErrorCode::malformed,
        path.string() + ": no 'next <number>' line (empty or cut short): " + fix_hint(path));
  }
  return found;
}

// temp + fsync + rename + fsync(folder): the file holds either the old or the new ceiling.
Expected<void> write_ceiling(const std::filesystem::path& path, const std::string& key,
                             std::uint64_t ceiling) {
  const auto temporary = path.string() + ".tmp." + std::to_string(::getpid());
  const std::string text = "# dlmsgw invocation counter " + key +
                           ": no value at or above 'next' was ever used. Raise it to skip "
                           "ahead; never lower it.\nnext " +
                           std::to_string(ceiling) + "\n";
  {
    FileDescriptor file(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (file.fd < 0) return io_failure(temporary, "cannot create it");
    std::size_t written = 0;
    while (written < text.size()) {
      const auto n = ::write(file.fd, text.data() + written, text.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return io_failure(temporary, "cannot write it");
      written += static_cast<std::size_t>(n);
    }
    if (::fsync(file.fd) != 0) return io_failure(temporary, "cannot fsync it");
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    return io_failure(path, "cannot rename " + temporary + " over it");
  }
  FileDescriptor folder(::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (folder.fd < 0 || ::fsync(folder.fd) != 0) {
    return io_failure(path, "cannot fsync its folder");
  }
  return {};
}

}  // namespace

FileInvocationCounterStore::FileInvocationCounterStore(std::filesystem::path folder,
                                                       std::uint32_t block,
                                                       std::chrono::milliseconds lock_wait)
    : folder_(std::move(folder)), block_(block == 0 ? 1 : block), lock_wait_(lock_wait) {}

FileInvocationCounterStore::~FileInvocationCounterStore() {
  for (const int lock : locks_) ::close(lock);
}

Expected<std::shared_ptr<FileInvocationCounterStore>> FileInvocationCounterStore::open(
    std::filesystem::path folder, std::uint32_t block, std::chrono::milliseconds lock_wait) {
  std::error_code failed;
  if (std::filesystem::exists(folder, failed) && !std::filesystem::is_directory(folder, failed)) {
    return make_error(ErrorCode::invalid_argument,
                      "invocation counter folder " + folder.string() +
                          ": exists and is not a folder (choose another one)");
  }
  return std::shared_ptr<FileInvocationCounterStore>(
      new FileInvocationCounterStore(std::move(folder), block, lock_wait));
}

std::filesystem::path FileInvocationCounterStore::file_for(const std::string& key) const {
  std::string name = is_ours(key) ? key.substr(0, key.size() - kTxSuffix.size()) : key;
  // Keys are hex and '-'; anything else would not be a file name of ours.
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '_';
  }
  return folder_ / (name + ".counter");
}

std::string FileInvocationCounterStore::where(const std::string& key) const {
  return file_for(key).string();
}

Expected<void> FileInvocationCounterStore::reserve_from(const std::string& key, Reserved& counter,
                                                        std::uint64_t from) {
  const auto ceiling = std::min(from + block_, kCounterLimit);
  DLMSGW_TRY(write_ceiling(file_for(key), key, ceiling));
  counter.ceiling = ceiling;
  return {};
}

Expected<FileInvocationCounterStore::Reserved*> FileInvocationCounterStore::reserved(
    const std::string& key) {
  if (auto found = ours_.find(key); found != ours_.end()) return &found->second;
  std::error_code failed;
  std::filesystem::create_directories(folder_, failed);
  if (failed) {
    return make_error(ErrorCode::io_error,
                      "invocation counter folder " + folder_.string() +
                          ": cannot create it: " + failed.message() +
                          " (give it to the user dlmsgw runs as, or choose another folder)");
  }
  const auto path = file_for(key);
  // Held while this store lives: two processes reserving under one key would hand out the same
  // values, so the second one is refused (the lock goes with the process, kill -9 included).
  const auto lock_path = path.string() + ".lock";
  const int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0) return io_failure(lock_path, "cannot open the lock");
  const auto give_up = std::chrono::steady_clock::now() + lock_wait_;
  int locked = -1;
  while ((locked = ::flock(lock, LOCK_EX | LOCK_NB)) != 0 &&
         (errno == EINTR || (errno == EWOULDBLOCK && std::chrono::steady_clock::now() < give_up))) {
    if (errno == EWOULDBLOCK) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (locked != 0) {
    const bool busy = errno == EWOULDBLOCK;
    auto error = busy ? make_error(ErrorCode::io_error,
                                   "invocation counter file " + path.string() +
                                       ": in use by another dlmsgw process (two processes must "
                                       "not cipher under one key at once: stop the other one, or "
                                       "use another system title)")
                      : io_failure(lock_path, "cannot lock it");
    ::close(lock);
    return error;
  }
  // The lock is kept only with a reservation: held after a failure (a full disk for a moment), it
  // would refuse every later attempt of this very process as "in use by another process".
  auto ceiling = read_ceiling(path);
  if (!ceiling) {
    ::close(lock);
    return ceiling.error();
  }
  Reserved counter;
  counter.next = ceiling->value_or(0);
  if (auto made = reserve_from(key, counter, counter.next); !made) {
    ::close(lock);
    return made.error();
  }
  locks_.push_back(lock);
  return &(ours_[key] = counter);
}

Expected<std::optional<std::uint32_t>> FileInvocationCounterStore::load(const std::string& key) {
  std::lock_guard guard(mutex_);
  if (!is_ours(key)) {
    const auto found = theirs_.find(key);
    if (found == theirs_.end()) return std::optional<std::uint32_t>{};
    return std::optional<std::uint32_t>{found->second};
  }
  DLMSGW_TRY_ASSIGN(auto* counter, reserved(key));
  if (counter->next >= kCounterLimit) {
    return make_error(ErrorCode::out_of_range,
                      "invocation counter " + file_for(key).string() +
                          ": every value under this key was used: the meter's keys must be "
                          "changed (then delete the file)");
  }
  return std::optional<std::uint32_t>{static_cast<std::uint32_t>(counter->next)};
}

Expected<void> FileInvocationCounterStore::save(const std::string& key, std::uint32_t value) {
  std::lock_guard guard(mutex_);
  if (!is_ours(key)) {
    theirs_[key] = value;
    return {};
  }
  DLMSGW_TRY_ASSIGN(auto* counter, reserved(key));
  if (value < counter->next) return {};  // never backwards
  counter->next = value;
  // `value` is the next one to be used: the file must already be above it.
  if (counter->next >= counter->ceiling) DLMSGW_TRY(reserve_from(key, *counter, counter->next));
  return {};
}

std::filesystem::path default_cli_counter_folder() {
  if (const char* state = std::getenv("XDG_STATE_HOME"); state != nullptr && *state == '/') {
    return std::filesystem::path(state) / "dlmsgw" / "invocation-counters";
  }
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home != nullptr && *home != '\0' ? home : ".") / ".local" / "state" /
         "dlmsgw" / "invocation-counters";
}

}  // namespace dlmsgw::client
