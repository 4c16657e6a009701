#pragma once
// DeadLetter: a record taken out of the queue because the platform kept refusing it (it was the
// oldest message in flight at UplinkOptions::dead_letter_after consecutive session losses or PUBACK
// timeouts), so that the records behind it flow. It keeps the record's id, so that re-queuing it
// (`dlmsgw dead-letter requeue`) puts it back at its place in the queue. Moving either way is one
// transaction: a record is always in exactly one of the two places.
//
// SqliteQueue keeps dead letters in a table of its own in the same database (kept across
// restarts, until re-queued); MemoryQueue in a list bounded by kMaxMemoryDeadLetters (the oldest
// dead letter beyond it is dropped and counted in QueueStats::dropped_records).

#include <cstddef>
#include <string>

#include "gateway/storage/record.hpp"

namespace dlmsgw::gateway {

struct DeadLetter {
  StoredRecord stored;       // the record and its id in the queue
  Timestamp set_aside_at{};  // when it was taken out
  std::string reason;        // why, in words (the uplink's log line says the same)
  bool operator==(const DeadLetter&) const = default;
};

inline constexpr std::size_t kMaxMemoryDeadLetters = 1000;

}  // namespace dlmsgw::gateway
