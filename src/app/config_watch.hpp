#pragma once
// ConfigWatch: tells the loop when files of the configuration change on disk (an operator's edit,
// an editor that writes a new file and renames it over the old one, a copy), so that `dlmsgw run`
// takes a local edit without SIGHUP. inotify on the directories that hold the files, read through
// an asio stream_descriptor on the loop (no thread); the events of the named files are debounced
// (one save is several events) into one call of on_change. What changed is the caller's to find
// out by comparing contents, so that a write the gateway made itself changes nothing.

#include <array>
#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "core/expected.hpp"

namespace dlmsgw::app {

class ConfigWatch {
 public:
  // Nothing is watched until watch().
  static Expected<std::unique_ptr<ConfigWatch>> start(asio::io_context& io,
                                                      std::chrono::milliseconds debounce,
                                                      std::function<void()> on_change);
  ~ConfigWatch();
  ConfigWatch(const ConfigWatch&) = delete;
  ConfigWatch& operator=(const ConfigWatch&) = delete;

  // The files to watch from now on (their directories are watched; other names are ignored).
  Expected<void> watch(const std::vector<std::filesystem::path>& files);
  // on_change again after the debounce, as if a file had changed (a check that had to wait).
  void poke();
  // No more calls of on_change.
  void stop();

 private:
  ConfigWatch(asio::io_context& io, int fd, std::chrono::milliseconds debounce,
              std::function<void()> on_change);
  void read();
  void handle(const char* data, std::size_t size);

  asio::posix::stream_descriptor descriptor_;
  asio::steady_timer timer_;
  std::chrono::milliseconds debounce_;
  std::function<void()> on_change_;
  std::map<int, std::filesystem::path> directories_;  // watch descriptor -> directory
  std::set<std::filesystem::path> files_;
  std::array<char, 8192> buffer_{};
  bool stopped_ = false;
};

}  // namespace dlmsgw::app
