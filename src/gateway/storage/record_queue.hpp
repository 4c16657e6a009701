#pragma once
// RecordQueue: the store-and-forward queue between connectors and the uplink. A global FIFO, so the
// order of each device's records is kept. Used from one thread only (StorageService's storage
// thread, or a test); implementations are not thread-safe.
//
// Life of a record: append() (durable when it returns, per the implementation's sync policy) ->
// peek() by the uplink -> PUBLISH QoS 1 -> every PUBACK back -> remove(). A record peeked but not
// removed is peeked again (at-least-once delivery: what was in flight when a connection dropped
// or a PUBACK never came is sent again).
//
// Bounds: when a limit is exceeded the OLDEST records are dropped (a stale reading is worth less
// than a fresh one), and counted in QueueStats::dropped_records so the caller can log the drop and
// publish it in the gateway statistics.
//
// Error codes used by implementations (ErrorCode has no storage-specific values):
//   invalid_argument  unusable input or configuration (a record larger than max_bytes, a bad path)
//   out_of_range      no space left (disk full); the append changed nothing and may be retried
//   rejected          the environment refused (database held by another process, I/O error)
//   malformed         the stored data could not be read back

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/expected.hpp"
#include "gateway/storage/dead_letter.hpp"
#include "gateway/storage/record.hpp"

namespace dlmsgw::gateway {

// Zero means "no limit" for each field.
struct QueueLimits {
  std::uint64_t max_records = 0;
  std::uint64_t max_bytes = 0;           // counted with record_bytes(), not the file size
  std::chrono::milliseconds max_age{0};  // measured from when the record was appended
};

struct QueueStats {
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
  std::uint64_t dropped_records = 0;  // total dropped for limits since the queue was opened
  // When the oldest waiting record was appended (its ts may be a meter's clock, or absent for
  // attributes, so the backlog's age is measured with the storage's own clock).
  std::optional<Timestamp> oldest_stored_at;
  std::uint64_t dead_letter_records = 0;  // set aside (dead_letter.hpp), not counted in `records`
  bool operator==(const QueueStats&) const = default;
};

// The storage's clock for age limits; injectable so tests need not sleep.
using QueueClock = std::function<Timestamp()>;
Timestamp system_clock_now();

// The size a record counts for in byte limits and batch sizes: what the uplink will send.
inline std::uint64_t record_bytes(const Record& record) {
  return record.device.size() + record.payload.size();
}

class RecordQueue {
 public:
  virtual ~RecordQueue() = default;

  // Appends all records atomically (all or none), then enforces the limits. An empty batch is a
  // no-op. A single record larger than max_bytes is refused (invalid_argument) rather than emptying
  // the queue to make room for it.
  virtual Expected<void> append(std::vector<Record> records) = 0;

  // Up to max_records oldest records with an id above `after`, without removing them, stopping
  // before max_bytes would be exceeded; the first record is returned even when it alone exceeds
  // max_bytes so that the queue can never get stuck. Drops expired records first. Zero max_records
  // gives an empty batch. `after` lets the uplink read the next batch while earlier ones are still
  // in flight (RecordId{} reads from the oldest).
  virtual Expected<std::vector<StoredRecord>> peek_after(RecordId after, std::size_t max_records,
                                                         std::uint64_t max_bytes) = 0;
  // The oldest records: peek_after(RecordId{}, ...).
  Expected<std::vector<StoredRecord>> peek(std::size_t max_records, std::uint64_t max_bytes) {
    return peek_after(RecordId{}, max_records, max_bytes);
  }

  // peek_after limited to the records of one device (Record::device): one queue shared by several
  // readers, one per device (the devices publishing with their own token, GatewayService).
  virtual Expected<std::vector<StoredRecord>> peek_device_after(const std::string& device,
                                                                RecordId after,
                                                                std::size_t max_records,
                                                                std::uint64_t max_bytes) = 0;
  // How many records each device (Record::device) has waiting: a queue shared by devices (the
  // start-up sweep of GatewayService). Dead letters are not counted.
  virtual Expected<std::map<std::string, std::uint64_t>> device_counts() {
    return make_error(ErrorCode::unsupported, "this queue does not count records per device");
  }

  // Removes these records (after their PUBACK). Unknown ids (already removed, or dropped for limits
  // while in flight) are ignored.
  virtual Expected<void> remove(std::span<const RecordId> ids) = 0;

  [[nodiscard]] virtual QueueStats stats() const = 0;

  // The id of the newest record waiting (none when the queue is empty): every record appended so
  // far has left the queue once its oldest record is newer than this (StorageService::
  // async_when_left). Pages through peek_after unless the queue knows it at once.
  virtual Expected<std::optional<RecordId>> newest_id();

  // Takes these records out of the queue into the dead letters (dead_letter.hpp), all in one
  // transaction, with `reason`. Returns how many moved (unknown ids are ignored).
  virtual Expected<std::uint64_t> set_aside(std::span<const RecordId> ids,
                                            const std::string& reason) = 0;
  // Up to max_records dead letters, oldest record first.
  virtual Expected<std::vector<DeadLetter>> dead_letters(std::size_t max_records) = 0;
  // Puts these dead letters (all of them when `ids` is empty) back into the queue at their place
  // (their ids), in one transaction; they count as stored now for the age limit. Returns how
  // many moved (unknown ids are ignored).
  virtual Expected<std::uint64_t> requeue(std::span<const RecordId> ids) = 0;
};

}  // namespace dlmsgw::gateway
