#pragma once
// MemoryQueue: RecordQueue in process memory (storage.type: memory, and tests). Same semantics as
// SqliteQueue except durability: everything is lost when the process ends, dead letters included
// (a list of at most kMaxMemoryDeadLetters).

#include <deque>

#include "gateway/storage/clock_step.hpp"
#include "gateway/storage/record_queue.hpp"

namespace dlmsgw::gateway {

class MemoryQueue final : public RecordQueue {
 public:
  explicit MemoryQueue(QueueLimits limits = {}, QueueClock clock = system_clock_now,
                       SteadyClock steady = steady_clock_now);

  Expected<void> append(std::vector<Record> records) override;
  Expected<std::vector<StoredRecord>> peek_after(RecordId after, std::size_t max_records,
                                                 std::uint64_t max_bytes) override;
  Expected<std::vector<StoredRecord>> peek_device_after(const std::string& device, RecordId after,
                                                        std::size_t max_records,
                                                        std::uint64_t max_bytes) override;
  Expected<std::map<std::string, std::uint64_t>> device_counts() override;
  Expected<std::optional<RecordId>> newest_id() override;
  Expected<void> remove(std::span<const RecordId> ids) override;
  [[nodiscard]] QueueStats stats() const override;
  Expected<std::uint64_t> set_aside(std::span<const RecordId> ids,
                                    const std::string& reason) override;
  Expected<std::vector<DeadLetter>> dead_letters(std::size_t max_records) override;
  Expected<std::uint64_t> requeue(std::span<const RecordId> ids) override;

 private:
  struct Entry {
    StoredRecord stored;
    Timestamp stored_at;
  };

  // peek_after, or peek_device_after when only_device is set (the other devices' records skipped).
  std::vector<StoredRecord> peek(RecordId after, std::size_t max_records, std::uint64_t max_bytes,
                                 const std::string* only_device);

  // The wall clock now, after shifting the records' append times by any step it made.
  Timestamp now();
  void drop_front();
  void drop_expired(Timestamp now);
  void enforce_size_limits();

  QueueLimits limits_;
  QueueClock clock_;
  ClockStepDetector steps_;
  std::deque<Entry> entries_;            // ascending ids
  std::deque<DeadLetter> dead_letters_;  // in the order they were set aside
  std::uint64_t next_id_ = 1;
  std::uint64_t bytes_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace dlmsgw::gateway
