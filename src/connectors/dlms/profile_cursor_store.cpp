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

}  // namespace

std::filesystem::path clock_state_file(const std::filesystem::path& cursor_file) {
  return cursor_file.parent_path() / (cursor_file.stem().string() + "-clock.json");
}

namespace {

Error io_failure(const std::filesystem::path& file, const std::string& what) {
  return make_error(ErrorCode::io_error,
                    "profile cursors " + file.string() + ": " + what + ": " + std::strerror(errno));
}

// The clock and set-back state of one cursor, without "newest" (which is in the cursor file); an
// empty object when there is none.
nlohmann::json render_clock_state(const ProfileCursor& cursor) {
  nlohmann::json json = nlohmann::json::object();
  if (cursor.clock_offset_ms) json["clockOffsetMs"] = *cursor.clock_offset_ms;
  if (cursor.clock_offset_at_ms) json["clockOffsetAt"] = *cursor.clock_offset_at_ms;
  if (cursor.clock_round_trip_ms) json["clockRoundTripMs"] = *cursor.clock_round_trip_ms;
  if (cursor.set_back_until_ms) json["setBackUntil"] = *cursor.set_back_until_ms;
  if (cursor.set_back_delivered_ms) json["setBackDelivered"] = *cursor.set_back_delivered_ms;
  if (cursor.set_back_floor_ms) json["setBackFloor"] = *cursor.set_back_floor_ms;
  return json;
}

// The clock and set-back state into `cursor` (an object, with "newest" or without); false when a
// field is not an integer.
bool parse_clock_state(const nlohmann::json& json, ProfileCursor& cursor) {
  const auto optional_ms = [&](const char* key, std::optional<std::int64_t>& into) {
    const auto found = json.find(key);
    if (found == json.end()) return true;
    if (!found->is_number_integer()) return false;
    into = found->get<std::int64_t>();
    return true;
  };
  if (!optional_ms("clockOffsetMs", cursor.clock_offset_ms) ||
      !optional_ms("clockOffsetAt", cursor.clock_offset_at_ms) ||
      !optional_ms("clockRoundTripMs", cursor.clock_round_trip_ms) ||
      !optional_ms("setBackUntil", cursor.set_back_until_ms) ||
      !optional_ms("setBackDelivered", cursor.set_back_delivered_ms) ||
      !optional_ms("setBackFloor", cursor.set_back_floor_ms)) {
    return false;
  }
  return true;
}

// A bare number (what every dlmsgw writes), or an object with "newest" and the clock state (what
// one release wrote before the state moved to the sibling file).
std::optional<ProfileCursor> parse_cursor(const nlohmann::json& json) {
  if (json.is_number_integer()) return ProfileCursor{json.get<std::int64_t>()};
  if (!json.is_object()) return std::nullopt;
  const auto newest = json.find("newest");
  if (newest == json.end() || !newest->is_number_integer()) return std::nullopt;
  ProfileCursor cursor{newest->get<std::int64_t>()};
  if (!parse_clock_state(json, cursor)) return std::nullopt;
  return cursor;
}

using CursorMap = std::map<std::string, std::map<std::string, ProfileCursor>>;

std::string render_json(const nlohmann::json& json) {
  return json.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// The cursor file: bare numbers only, the format every dlmsgw reads (a rollback keeps starting).
std::string render_cursors(const CursorMap& all) {
  nlohmann::json json = nlohmann::json::object();
  for (const auto& [device, profiles] : all) {
    for (const auto& [profile, cursor] : profiles) json[device][profile] = cursor.newest_ms;
  }
  return render_json(json);
}

// The sibling file: the clock and set-back state of the cursors that have some.
std::string render_clock_states(const CursorMap& all) {
  nlohmann::json json = nlohmann::json::object();
  for (const auto& [device, profiles] : all) {
    for (const auto& [profile, cursor] : profiles) {
      auto state = render_clock_state(cursor);
      if (!state.empty()) json[device][profile] = std::move(state);
    }
  }
  return render_json(json);
}

}  // namespace

std::optional<ProfileCursor> MemoryProfileCursorStore::load(const std::string& device,
                                                            const ObisCode& profile) const {
  const auto found = cursors_.find({device, profile_key(profile)});
  if (found == cursors_.end()) return std::nullopt;
  return found->second;
}

Expected<void> MemoryProfileCursorStore::save(const std::string& device, const ObisCode& profile,
                                              const ProfileCursor& cursor) {
  cursors_[{device, profile_key(profile)}] = cursor;
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
    thread_.join();  // run() writes what is still waiting first (unless its gate says no)
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

  void set_gate(DurableGate gate) {
    std::lock_guard lock(mutex_);
    gate_ = std::move(gate);
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
      const DurableGate gate = gate_;
      lock.unlock();
      Cursors copy;
      {
        std::lock_guard state_lock(state_->mutex);
        copy = state_->cursors;
      }
      if (gate && !gate_opens(gate)) {
        // Storage stopped with entries of these cursors still in it: in memory they are gone, and
        // the meter is asked for them again from the cursors last written.
        lock.lock();
        written_ = covers;
        idle_.notify_all();
        continue;
      }
      // The data directory exists with SQLite storage; with storage in memory nothing else may
      // have made it (the cursors were never written then, and every start backfilled).
      std::error_code no_directory;
      std::filesystem::create_directories(file_.parent_path(), no_directory);
      // The state first: a crash between the two leaves a cursor older than its state, which a
      // restart reads again from (never a set back forgotten for a cursor past it).
      auto written = gateway::write_file_atomically(
          clock_state_file(file_), render_clock_states(copy), "profile clock state");
      if (written) {
        written = gateway::write_file_atomically(file_, render_cursors(copy), "profile cursors");
      }
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

  // Asks the gate and waits for its answer (run() calls it unlocked); false when it says storage
  // stopped first, or when this store is being destroyed.
  bool gate_opens(const DurableGate& gate) {
    struct Signal {
      std::mutex mutex;
      std::condition_variable opened;
      std::optional<bool> answer;
    };
    auto signal = std::make_shared<Signal>();
    gate([signal](bool open) {
      {
        std::lock_guard lock(signal->mutex);
        signal->answer = open;
      }
      signal->opened.notify_all();
    });
    std::unique_lock lock(signal->mutex);
    while (!signal->answer) {
      signal->opened.wait_for(lock, std::chrono::milliseconds(100));
      std::lock_guard own(mutex_);
      if (stopping_ && !signal->answer) return false;
    }
    return *signal->answer;
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
  DurableGate gate_;
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
      for (const auto& [profile, value] : profiles.items()) {
        auto cursor = parse_cursor(value);
        if (!cursor) {
          return make_error(ErrorCode::malformed,
                            "profile cursors " + file.string() + ": '" + device + "' " + profile +
                                " is neither a Unix time in ms nor an object with \"newest\" "
                                "and optional \"clockOffsetMs\", \"clockOffsetAt\", "
                                "\"clockRoundTripMs\", \"setBackUntil\", "
                                "\"setBackDelivered\", \"setBackFloor\" in ms" +
                                fix);
        }
        store->state_->cursors[device][profile] = *cursor;
      }
    }
  }
  const auto state_file = clock_state_file(file);
  if (std::filesystem::exists(state_file, error)) {
    std::ifstream in(state_file);
    if (!in) return io_failure(state_file, "cannot be read");
    std::stringstream text;
    text << in.rdbuf();
    const auto fix =
        " (move the file aside: set-back detection then starts afresh from the next reading)";
    auto json = nlohmann::json::parse(text.str(), nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
      return make_error(ErrorCode::malformed,
                        "profile clock state " + state_file.string() + ": not a JSON object" + fix);
    }
    for (const auto& [device, profiles] : json.items()) {
      if (!profiles.is_object()) continue;
      const auto cursors = store->state_->cursors.find(device);
      if (cursors == store->state_->cursors.end()) continue;  // no cursor: nothing to go with
      for (const auto& [profile, value] : profiles.items()) {
        const auto cursor = cursors->second.find(profile);
        if (cursor == cursors->second.end()) continue;
        ProfileCursor merged{cursor->second.newest_ms};
        if (!value.is_object() || !parse_clock_state(value, merged)) {
          return make_error(ErrorCode::malformed, "profile clock state " + state_file.string() +
                                                      ": '" + device + "' " + profile +
                                                      " is not an object of integers in ms" + fix);
        }
        cursor->second = merged;
      }
    }
  }
  store->writer_ = std::make_unique<Writer>(std::move(file), store->state_, min_interval);
  return store;
}

FileProfileCursorStore::FileProfileCursorStore() = default;
FileProfileCursorStore::~FileProfileCursorStore() = default;

std::optional<ProfileCursor> FileProfileCursorStore::load(const std::string& device,
                                                          const ObisCode& profile) const {
  std::lock_guard lock(state_->mutex);
  const auto found = state_->cursors.find(device);
  if (found == state_->cursors.end()) return std::nullopt;
  const auto cursor = found->second.find(profile_key(profile));
  if (cursor == found->second.end()) return std::nullopt;
  return cursor->second;
}

Expected<void> FileProfileCursorStore::save(const std::string& device, const ObisCode& profile,
                                            const ProfileCursor& cursor) {
  {
    std::lock_guard lock(state_->mutex);
    state_->cursors[device][profile_key(profile)] = cursor;
  }
  writer_->changed();
  return {};
}

Expected<void> FileProfileCursorStore::flush() {
  return writer_->flush();
}

void FileProfileCursorStore::set_gate(DurableGate gate) {
  writer_->set_gate(std::move(gate));
}

std::uint64_t FileProfileCursorStore::writes() const {
  return writer_->writes();
}

}  // namespace dlmsgw::connectors::dlms
