#pragma once
// ProfileCursorStore: per meter and profile, the capture time (UTC, Unix ms) of the newest entry
// committed to the gateway's storage. The next read starts just after it, so a restart or a kill -9
// never skips an entry, and reads again only what was committed since the cursor was last written.
// Beside it, what a meter clock set back needs across a restart: the meter's clock offset last
// seen (a set back while the gateway was away shows as a drop) and a set back in progress.
//
// FileProfileCursorStore keeps every cursor in one JSON file in the gateway's data directory,
// {"device": {"1-0:99.1.0": 1795525200000}} (the format every dlmsgw reads: a rollback starts), and
// the clock and set-back state in a sibling file (clock_state_file: profile-cursors-clock.json),
// {"device": {"1-0:99.1.0": {"clockOffsetMs": -40, "clockOffsetAt": 1795525260000,
//                            "clockRoundTripMs": 30, "setBackUntil": 1795525200000,
//                            "setBackDelivered": 1795521600000, "setBackFloor": 1795524540000}}}.
// A cursor file in the object form one release wrote ({"newest": ms, ...state}) is read too.
// Each is replaced atomically (write, fsync, rename, fsync of
// the directory): a crash leaves the old or the new file, never a torn one. The file is written by
// a thread of its own, never on the event loop: save() changes the cursor in memory and wakes the
// writer, which renders every cursor as it is when it wakes. Saves made while it writes, or within
// `min_interval` of its last write, are written together (1,000 meters saving every chunk cost a
// few writes a second, not 2,000 fsyncs). The file therefore lags the memory by at most one
// interval and one write: after a kill -9 the entries stored in that time are read and delivered
// again; the file is never ahead of storage, because save() is only called after storage
// committed.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "core/expected.hpp"
#include "dlms/obis/obis_code.hpp"

namespace dlmsgw::connectors::dlms {

// One profile's delivery state. Implicit from the newest entry's time: most saves are only that.
struct ProfileCursor {
  ProfileCursor() = default;
  ProfileCursor(std::int64_t newest) : newest_ms(newest) {}  // NOLINT(google-explicit-constructor)

  std::int64_t newest_ms = 0;  // the newest entry committed to storage
  // The meter's clock minus ours when last read (ms): a drop between two associations is a set
  // back while the gateway was away.
  std::optional<std::int64_t> clock_offset_ms;
  // When that offset was read (our clock, Unix ms) and that read's round trip (ms): the meter's
  // drift since and the read's uncertainty are not a set back.
  std::optional<std::int64_t> clock_offset_at_ms;
  std::optional<std::int64_t> clock_round_trip_ms;
  // A set back in progress: the entries recorded since it, stamped at or before `until`, are
  // delivered by entry up to `delivered` (the newest of them committed).
  std::optional<std::int64_t> set_back_until_ms;
  std::optional<std::int64_t> set_back_delivered_ms;
  // Of a set back seen as an offset drop: no entry older than this was recorded after it, so the
  // search for where the clock went back stops there (a false one, our own clock stepped, ends
  // there instead of taking the whole buffer as recorded since).
  std::optional<std::int64_t> set_back_floor_ms;

  friend bool operator==(const ProfileCursor&, const ProfileCursor&) = default;
};

class ProfileCursorStore {
 public:
  virtual ~ProfileCursorStore() = default;
  [[nodiscard]] virtual std::optional<ProfileCursor> load(const std::string& device,
                                                          const ObisCode& profile) const = 0;
  // Records the cursor; durable soon after (flush() waits for it). Call it only once storage
  // committed the entries up to `cursor.newest_ms`. The file store never fails here: a failed
  // write is logged by its writer, reported by flush(), and repeated with the next save.
  virtual Expected<void> save(const std::string& device, const ObisCode& profile,
                              const ProfileCursor& cursor) = 0;
  // Waits until every save so far is durable; the last write's error if it failed.
  virtual Expected<void> flush() { return {}; }
};

// Where the clock and set-back state of `cursor_file` is kept.
std::filesystem::path clock_state_file(const std::filesystem::path& cursor_file);

// For tests and `dlmsgw` runs without a data directory: forgotten at exit.
class MemoryProfileCursorStore final : public ProfileCursorStore {
 public:
  [[nodiscard]] std::optional<ProfileCursor> load(const std::string& device,
                                                  const ObisCode& profile) const override;
  Expected<void> save(const std::string& device, const ObisCode& profile,
                      const ProfileCursor& cursor) override;

 private:
  std::map<std::pair<std::string, std::string>, ProfileCursor> cursors_;
};

// Between two writes of the cursor file. 0: each write starts as soon as storage confirmed and
// the previous write ended (saves arriving during a write go into the next one), so that after a
// kill -9 the file lags storage by one write at most and re-reads next to nothing (issue 16: no
// entry twice beyond the batch in flight). The thread keeps the fsyncs off the event loop.
inline constexpr std::chrono::milliseconds kProfileCursorWriteInterval{0};

class FileProfileCursorStore final : public ProfileCursorStore {
 public:
  // Reads `file` when it exists; fails naming the file when it cannot be read or is not the
  // format above (move it aside: the meters are then read again from maxBackfillHours).
  static Expected<std::shared_ptr<FileProfileCursorStore>> open(
      std::filesystem::path file,
      std::chrono::milliseconds min_interval = kProfileCursorWriteInterval);
  // Writes what is still waiting (without waiting for the interval) before it returns.
  ~FileProfileCursorStore() override;
  FileProfileCursorStore(const FileProfileCursorStore&) = delete;
  FileProfileCursorStore& operator=(const FileProfileCursorStore&) = delete;

  [[nodiscard]] std::optional<ProfileCursor> load(const std::string& device,
                                                  const ObisCode& profile) const override;
  Expected<void> save(const std::string& device, const ObisCode& profile,
                      const ProfileCursor& cursor) override;
  // Writes what is waiting now, without waiting for the interval. With a gate it waits for the
  // gate's answer: call it once storage has stopped (the gate then answers at once).
  Expected<void> flush() override;
  // With storage in memory a stop loses the entries still waiting for the broker, so a cursor on
  // disk may only cover entries that have left storage: `gate` is asked before each write and
  // calls its argument with true once every record stored before it has left storage (with false
  // when storage stopped first: that write is then left out). Call before the first save.
  using DurableGate = std::function<void(std::function<void(bool)>)>;
  void set_gate(DurableGate gate);
  // Files written since open (each one every cursor at that moment).
  [[nodiscard]] std::uint64_t writes() const;

 private:
  class Writer;
  using Cursors = std::map<std::string, std::map<std::string, ProfileCursor>>;
  // The cursors, shared with the writer thread, which only copies them, under the mutex.
  struct State {
    mutable std::mutex mutex;
    Cursors cursors;
  };
  FileProfileCursorStore();

  std::shared_ptr<State> state_ = std::make_shared<State>();
  std::unique_ptr<Writer> writer_;
};

}  // namespace dlmsgw::connectors::dlms
