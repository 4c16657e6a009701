#include "connectors/dlms/profile_cursor_store.hpp"

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "gateway/atomic_file.hpp"
#include "gateway/component_logger.hpp"

namespace dlmsgw::connectors::dlms {
namespace {

std::string profile_key(const ObisCode& profile) {
  return profile.to_string();
}

Error io_failure(const std::filesystem::path& file, const std::string& what) {
  return make_error(ErrorCode::io_error,
                    "profile cursors " + file.string() + ": " + what + ": " + std::strerror(errno));
}

std::string render_cursors(const std::map<std::string, std::map<std::string, std::int64_t>>& all) {
  nlohmann::json json = nlohmann::json::object();
  for (const auto& [device, profiles] : all) {
    for (const auto& [profile, newest] : profiles) json[device][profile] = newest;
  }
  return json.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
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

// Writes the cursors as they are when it wakes, on its own thread, at most once per interval
// unless a flush or the end hurries it.
class FileProfileCursorStore::Writer {
 public:
  Writer(std::filesystem::path file, std::shared_ptr<State> state,
         std::chrono::milliseconds min_interval)
      : file_(std::move(file)),
        state_(std::move(state)),
        min_interval_(min_interval),
        thread_([this] { run(); }) {}

  ~Writer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();  // run() writes what is still waiting first
  }

  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void changed() {
    {
      std::lock_guard lock(mutex_);
      ++submitted_;
    }
    wake_.notify_all();
  }

  Expected<void> flush() {
    std::unique_lock lock(mutex_);
    const std::uint64_t target = submitted_;
    hurry_until_ = std::max(hurry_until_, target);
    wake_.notify_all();
    idle_.wait(lock, [&] { return written_ >= target; });
    if (last_error_) return *last_error_;
    return {};
  }

  std::uint64_t writes() const {
    std::lock_guard lock(mutex_);
    return writes_;
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stopping_ || written_ < submitted_; });
      if (written_ == submitted_) return;  // stopping, nothing left
      if (last_write_) {
        // Coalescing: the saves of the interval go into one file.
        wake_.wait_until(lock, *last_write_ + min_interval_,
                         [&] { return stopping_ || hurry_until_ > written_; });
      }
      const std::uint64_t covers = submitted_;
      lock.unlock();
      Cursors copy;
      {
        std::lock_guard state_lock(state_->mutex);
        copy = state_->cursors;
      }
      auto written = gateway::write_file_atomically(file_, render_cursors(copy), "profile cursors");
      report(written);
      lock.lock();
      if (written) {
        last_error_.reset();
      } else {
        last_error_ = written.error();
      }
      last_write_ = std::chrono::steady_clock::now();
      ++writes_;
      written_ = covers;
      idle_.notify_all();
    }
  }

  // Once per kind of failure, and once when writing works again (run() calls it unlocked).
  void report(const Expected<void>& written) {
    const auto logger = gateway::component_logger("connector");
    if (!written) {
      if (written.error().message != logged_error_) {
        logged_error_ = written.error().message;
        logger->error("{} (the cursors are kept in memory and written again with the next entries)",
                      logged_error_);
      }
    } else if (!logged_error_.empty()) {
      logged_error_.clear();
      logger->info("profile cursors {}: written again", file_.string());
    }
  }

  std::filesystem::path file_;
  std::shared_ptr<State> state_;
  std::chrono::milliseconds min_interval_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::uint64_t submitted_ = 0;    // saves announced
  std::uint64_t written_ = 0;      // saves covered by the last finished write
  std::uint64_t hurry_until_ = 0;  // saves a flush waits for: written without the interval
  std::uint64_t writes_ = 0;
  std::optional<std::chrono::steady_clock::time_point> last_write_;
  std::optional<Error> last_error_;
  std::string logged_error_;  // the writer thread's own
  bool stopping_ = false;
  std::thread thread_;  // last: starts after everything it uses
};

Expected<std::shared_ptr<FileProfileCursorStore>> FileProfileCursorStore::open(
    std::filesystem::path file, std::chrono::milliseconds min_interval) {
  std::shared_ptr<FileProfileCursorStore> store(new FileProfileCursorStore());
  std::error_code error;
  if (std::filesystem::exists(file, error)) {
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
        store->state_->cursors[device][profile] = newest.get<std::int64_t>();
      }
    }
  }
  store->writer_ = std::make_unique<Writer>(std::move(file), store->state_, min_interval);
  return store;
}

FileProfileCursorStore::FileProfileCursorStore() = default;
FileProfileCursorStore::~FileProfileCursorStore() = default;

std::optional<std::int64_t> FileProfileCursorStore::load(const std::string& device,
                                                         const ObisCode& profile) const {
  std::lock_guard lock(state_->mutex);
  const auto found = state_->cursors.find(device);
  if (found == state_->cursors.end()) return std::nullopt;
  const auto cursor = found->second.find(profile_key(profile));
  if (cursor == found->second.end()) return std::nullopt;
  return cursor->second;
}

Expected<void> FileProfileCursorStore::save(const std::string& device, const ObisCode& profile,
                                            std::int64_t newest_unix_ms) {
  {
    std::lock_guard lock(state_->mutex);
    state_->cursors[device][profile_key(profile)] = newest_unix_ms;
  }
  writer_->changed();
  return {};
}

Expected<void> FileProfileCursorStore::flush() {
  return writer_->flush();
}

std::uint64_t FileProfileCursorStore::writes() const {
  return writer_->writes();
}

}  // namespace dlmsgw::connectors::dlms
