#pragma once
// SqliteQueue: RecordQueue in one SQLite file (storage.type: sqlite). Survives crashes, kill -9
// and, with SyncPolicy::full, power cuts. Not thread-safe: StorageService owns it on its storage
// thread.
//
// File layout: <path> (the database, WAL mode), <path>-wal and <path>-shm (SQLite's), and
// <path>.lock (an exclusive flock held while open: a second dlmsgw on the same file is refused at
// once; see lock_file.hpp). A table `dead_letters` holds records set aside (dead_letter.hpp). One
// table `records` (id INTEGER PRIMARY KEY AUTOINCREMENT, so ids are
// never reused even after the newest rows are removed; kind, device, ts, stored_at, payload).
// PRAGMA application_id marks the file as ours; a database of another application is never touched.
//
// open() failures never lose stored data:
//  - directory missing: created; not creatable or not writable: error naming the path and the fix.
//  - file not a database, or failing PRAGMA quick_check: moved aside (with its -wal) as
//    <path>.corrupt-<UTC time> for forensics, a fresh queue is started, and moved_aside() says
//    where.
// Corruption found later, by any statement (SQLITE_CORRUPT/NOTADB): the same, while running: the
// file is moved aside, one error is logged saying where, a fresh queue continues the record ids
// (so ids the uplink holds never name a new record), and the operation is retried there, so the
// records being appended are not lost. Records of the damaged file count as dropped.
//  - held by another dlmsgw: refused (ErrorCode::rejected) naming the holder's pid.
//  - database of another application or of a newer schema: refused, left untouched.
// Appends failing for a full disk (SQLITE_FULL) return ErrorCode::out_of_range and change nothing;
// earlier records stay, and appends work again once space returns.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>

#include "gateway/storage/clock_step.hpp"
#include "gateway/storage/record_queue.hpp"

namespace dlmsgw::gateway {

enum class SyncPolicy {
  // synchronous=FULL: the WAL is fsynced at every commit. When append() returns, the records
  // survive a power cut. Costs one fsync per batch (StorageService batches appends).
  full,
  // synchronous=NORMAL plus a checkpoint every checkpoint_interval: a commit reaches the OS, not
  // the disk. Survives a crash or kill -9 of dlmsgw, but a power cut (or kernel panic) can lose the
  // batches committed since the last checkpoint (which fsyncs WAL and database). The database is
  // consistent either way: it rolls back to an earlier commit, never to a torn state. For SD cards
  // where an fsync per batch wears the card or is too slow.
  normal,
};

struct SqliteQueueOptions {
  QueueLimits limits;
  SyncPolicy sync = SyncPolicy::full;
  std::chrono::milliseconds checkpoint_interval{std::chrono::seconds(10)};  // SyncPolicy::normal
  // How long a statement waits for a lock held by another connection (an operator's sqlite3 shell
  // reading the file) before failing with "busy".
  std::chrono::milliseconds busy_timeout{std::chrono::seconds(5)};
  // Caps the database at this many pages (0: no cap). A hard size bound independent of the
  // logical max_bytes, and how tests provoke a real SQLITE_FULL.
  std::uint64_t max_page_count = 0;
  // At most this many dead letters are kept: setting one more aside drops the oldest (counted in
  // stats().dropped_records like any storage limit). Not configurable; tests lower it.
  std::uint64_t max_dead_letters = 10'000;
  QueueClock clock = system_clock_now;
  // With `clock`, tells steps of the wall clock from time passing (see clock_step.hpp): record
  // ages are shifted by a step rather than expiring (or rejuvenating) at once.
  SteadyClock steady_clock = steady_clock_now;
};

class SqliteQueue final : public RecordQueue {
 public:
  static Expected<std::unique_ptr<SqliteQueue>> open(const std::filesystem::path& path,
                                                     SqliteQueueOptions options = {});
  // What open() checks about `path` before touching anything, without creating or changing
  // anything (`dlmsgw validate` runs it): it names a file, not a directory; its directory exists
  // or can be created, and is writable; an existing file is a regular file we may write.
  static Expected<void> check_location(const std::filesystem::path& path);
  ~SqliteQueue() override;
  SqliteQueue(const SqliteQueue&) = delete;
  SqliteQueue& operator=(const SqliteQueue&) = delete;

  Expected<void> append(std::vector<Record> records) override;
  Expected<std::vector<StoredRecord>> peek_after(RecordId after, std::size_t max_records,
                                                 std::uint64_t max_bytes) override;
  // Reads through an index on (device, id), created on the first call (only a queue shared by
  // devices has it).
  Expected<std::vector<StoredRecord>> peek_device_after(const std::string& device, RecordId after,
                                                        std::size_t max_records,
                                                        std::uint64_t max_bytes) override;
  Expected<std::map<std::string, std::uint64_t>> device_counts() override;
  Expected<void> remove(std::span<const RecordId> ids) override;
  [[nodiscard]] QueueStats stats() const override;
  Expected<std::uint64_t> set_aside(std::span<const RecordId> ids,
                                    const std::string& reason) override;
  Expected<std::vector<DeadLetter>> dead_letters(std::size_t max_records) override;
  Expected<std::uint64_t> requeue(std::span<const RecordId> ids) override;

  // Copies the WAL into the database and fsyncs both (PRAGMA wal_checkpoint(PASSIVE)).
  Expected<void> checkpoint();

  // Where open() moved a damaged file, for the caller to log; empty when it did not.
  [[nodiscard]] const std::optional<std::filesystem::path>& moved_aside() const;
  [[nodiscard]] const std::filesystem::path& path() const;

 private:
  struct Impl;
  explicit SqliteQueue(std::unique_ptr<Impl> impl);
  template <class Operation>
  auto with_recovery(std::string_view action, Operation operation) -> decltype(operation());
  Expected<void> append_once(const std::vector<Record>& records);
  Expected<void> insert_once(const std::vector<Record>& records, Timestamp now);
  Expected<std::vector<StoredRecord>> peek_once(RecordId after, std::size_t max_records,
                                                std::uint64_t max_bytes,
                                                const std::string* only_device = nullptr);
  Expected<void> remove_once(std::span<const RecordId> ids);
  Expected<std::uint64_t> set_aside_once(std::span<const RecordId> ids, const std::string& reason);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dlmsgw::gateway
