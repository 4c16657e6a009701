#include "app/config_watch.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace dlmsgw::app {
namespace {

// Written in place (closed after writing), renamed onto the name (editors, atomic writers),
// removed or renamed away.
constexpr std::uint32_t kWatchedEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM;

std::filesystem::path watched_path(const std::filesystem::path& file) {
  std::error_code ec;
  auto absolute = std::filesystem::absolute(file, ec);
  return (ec ? file : absolute).lexically_normal();
}

}  // namespace

Expected<std::unique_ptr<ConfigWatch>> ConfigWatch::start(asio::io_context& io,
                                                          std::chrono::milliseconds debounce,
                                                          std::function<void()> on_change) {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    return make_error(ErrorCode::io_error, std::string("inotify_init1: ") + std::strerror(errno) +
                                               " (raise fs.inotify.max_user_instances)");
  }
  return std::unique_ptr<ConfigWatch>(new ConfigWatch(io, fd, debounce, std::move(on_change)));
}

ConfigWatch::ConfigWatch(asio::io_context& io, int fd, std::chrono::milliseconds debounce,
                         std::function<void()> on_change)
    : descriptor_(io, fd), timer_(io), debounce_(debounce), on_change_(std::move(on_change)) {
  read();
}

ConfigWatch::~ConfigWatch() {
  stop();
}

Expected<void> ConfigWatch::watch(const std::vector<std::filesystem::path>& files) {
  if (stopped_) return {};
  std::set<std::filesystem::path> wanted;
  std::set<std::filesystem::path> next_files;
  for (const auto& file : files) {
    const auto path = watched_path(file);
    next_files.insert(path);
    wanted.insert(path.parent_path());
  }
  files_ = std::move(next_files);
  for (auto it = directories_.begin(); it != directories_.end();) {
    if (wanted.erase(it->second) != 0) {
      ++it;
      continue;
    }
    (void)::inotify_rm_watch(descriptor_.native_handle(), it->first);
    it = directories_.erase(it);
  }
  for (const auto& directory : wanted) {
    const int wd =
        ::inotify_add_watch(descriptor_.native_handle(), directory.c_str(), kWatchedEvents);
    if (wd < 0) {
      return make_error(ErrorCode::io_error, directory.string() +
                                                 ": cannot be watched: " + std::strerror(errno) +
                                                 " (local edits need SIGHUP there)");
    }
    directories_[wd] = directory;
  }
  return {};
}

void ConfigWatch::poke() {
  if (stopped_) return;
  timer_.expires_after(debounce_);
  timer_.async_wait([this](std::error_code ec) {
    if (!ec && !stopped_) on_change_();
  });
}

void ConfigWatch::stop() {
  if (stopped_) return;
  stopped_ = true;
  std::error_code ignored;
  timer_.cancel();
  descriptor_.close(ignored);
}

void ConfigWatch::read() {
  descriptor_.async_read_some(asio::buffer(buffer_), [this](std::error_code ec, std::size_t n) {
    if (ec == asio::error::operation_aborted || stopped_) return;
    if (!ec) handle(buffer_.data(), n);
    read();
  });
}

void ConfigWatch::handle(const char* data, std::size_t size) {
  bool relevant = false;
  std::size_t at = 0;
  while (at + sizeof(inotify_event) <= size) {
    inotify_event event{};
    std::memcpy(&event, data + at, sizeof event);
    const char* name = data + at + sizeof(inotify_event);
    at += sizeof(inotify_event) + event.len;
    if ((event.mask & IN_Q_OVERFLOW) != 0) {
      relevant = true;  // events were lost: look at everything
      continue;
    }
    const auto directory = directories_.find(event.wd);
    if (directory == directories_.end() || event.len == 0) continue;
    const auto file = directory->second / std::string(name, ::strnlen(name, event.len));
    if (files_.count(file) != 0) relevant = true;
  }
  if (relevant) poke();
}

}  // namespace dlmsgw::app
