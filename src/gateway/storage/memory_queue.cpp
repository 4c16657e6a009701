#include "gateway/storage/memory_queue.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>
#include <utility>

#include "gateway/component_logger.hpp"

namespace dlmsgw::gateway {
namespace {

// This file's log lines belong to the "storage" component (tb_gateway.yaml logging.levels).
std::shared_ptr<spdlog::logger> memory_queue_log() {
  return component_logger("storage");
}

}  // namespace

MemoryQueue::MemoryQueue(QueueLimits limits, QueueClock clock, SteadyClock steady)
    : limits_(limits), clock_(std::move(clock)), steps_(std::move(steady)) {}

Timestamp MemoryQueue::now() {
  const Timestamp wall = clock_();
  const auto step = steps_.observe(wall);
  if (step.count() != 0) {
    memory_queue_log()->warn(
        "storage: the system clock stepped by {} s; record ages keep counting from "
        "before the step, so no record expires because of it",
        step.count() / 1000);
    for (Entry& entry : entries_) entry.stored_at += step;
  }
  return wall;
}

Expected<void> MemoryQueue::append(std::vector<Record> records) {
  for (const Record& record : records) {
    if (limits_.max_bytes != 0 && record_bytes(record) > limits_.max_bytes) {
      return make_error(
          ErrorCode::invalid_argument,
          "record of device '" + record.device + "' has " + std::to_string(record_bytes(record)) +
              " bytes, more than the storage limit max_bytes=" + std::to_string(limits_.max_bytes));
    }
  }
  const Timestamp now = this->now();
  for (Record& record : records) {
    bytes_ += record_bytes(record);
    entries_.push_back(Entry{StoredRecord{RecordId{next_id_++}, std::move(record)}, now});
  }
  drop_expired(now);
  enforce_size_limits();
  return {};
}

Expected<std::vector<StoredRecord>> MemoryQueue::peek_after(RecordId after, std::size_t max_records,
                                                            std::uint64_t max_bytes) {
  return peek(after, max_records, max_bytes, nullptr);
}

Expected<std::vector<StoredRecord>> MemoryQueue::peek_device_after(const std::string& device,
                                                                   RecordId after,
                                                                   std::size_t max_records,
                                                                   std::uint64_t max_bytes) {
  return peek(after, max_records, max_bytes, &device);
}

std::vector<StoredRecord> MemoryQueue::peek(RecordId after, std::size_t max_records,
                                            std::uint64_t max_bytes,
                                            const std::string* only_device) {
  drop_expired(now());
  std::vector<StoredRecord> batch;
  std::uint64_t batch_bytes = 0;
  auto it = std::upper_bound(entries_.begin(), entries_.end(), after,
                             [](RecordId wanted, const Entry& e) { return wanted < e.stored.id; });
  for (; it != entries_.end() && batch.size() < max_records; ++it) {
    if (only_device != nullptr && it->stored.record.device != *only_device) continue;
    const std::uint64_t size = record_bytes(it->stored.record);
    if (!batch.empty() && batch_bytes + size > max_bytes) break;
    batch_bytes += size;
    batch.push_back(it->stored);
  }
  return batch;
}

Expected<std::map<std::string, std::uint64_t>> MemoryQueue::device_counts() {
  drop_expired(now());
  std::map<std::string, std::uint64_t> counts;
  for (const auto& entry : entries_) ++counts[entry.stored.record.device];
  return counts;
}

Expected<void> MemoryQueue::remove(std::span<const RecordId> ids) {
  for (const RecordId id : ids) {
    auto it =
        std::lower_bound(entries_.begin(), entries_.end(), id,
                         [](const Entry& e, RecordId wanted) { return e.stored.id < wanted; });
    if (it == entries_.end() || it->stored.id != id) continue;
    bytes_ -= record_bytes(it->stored.record);
    entries_.erase(it);
  }
  return {};
}

QueueStats MemoryQueue::stats() const {
  QueueStats stats;
  stats.records = entries_.size();
  stats.bytes = bytes_;
  stats.dropped_records = dropped_;
  if (!entries_.empty()) stats.oldest_stored_at = entries_.front().stored_at;
  stats.dead_letter_records = dead_letters_.size();
  return stats;
}

Expected<std::uint64_t> MemoryQueue::set_aside(std::span<const RecordId> ids,
                                               const std::string& reason) {
  const Timestamp now = this->now();
  std::uint64_t moved = 0;
  for (const RecordId id : ids) {
    auto it =
        std::lower_bound(entries_.begin(), entries_.end(), id,
                         [](const Entry& e, RecordId wanted) { return e.stored.id < wanted; });
    if (it == entries_.end() || it->stored.id != id) continue;
    bytes_ -= record_bytes(it->stored.record);
    dead_letters_.push_back(DeadLetter{std::move(it->stored), now, reason});
    entries_.erase(it);
    ++moved;
  }
  while (dead_letters_.size() > kMaxMemoryDeadLetters) {
    memory_queue_log()->warn(
        "storage: more than {} dead letters in memory: the oldest, record {} of device "
        "'{}', is dropped",
        kMaxMemoryDeadLetters, dead_letters_.front().stored.id.value,
        dead_letters_.front().stored.record.device);
    dead_letters_.pop_front();
    ++dropped_;
  }
  return moved;
}

Expected<std::vector<DeadLetter>> MemoryQueue::dead_letters(std::size_t max_records) {
  std::vector<DeadLetter> letters(dead_letters_.begin(), dead_letters_.end());
  std::sort(letters.begin(), letters.end(),
            [](const DeadLetter& a, const DeadLetter& b) { return a.stored.id < b.stored.id; });
  if (letters.size() > max_records) letters.resize(max_records);
  return letters;
}

Expected<std::uint64_t> MemoryQueue::requeue(std::span<const RecordId> ids) {
  const Timestamp now = this->now();
  std::uint64_t moved = 0;
  for (auto letter = dead_letters_.begin(); letter != dead_letters_.end();) {
    if (!ids.empty() && std::find(ids.begin(), ids.end(), letter->stored.id) == ids.end()) {
      ++letter;
      continue;
    }
    const auto at =
        std::lower_bound(entries_.begin(), entries_.end(), letter->stored.id,
                         [](const Entry& e, RecordId wanted) { return e.stored.id < wanted; });
    bytes_ += record_bytes(letter->stored.record);
    entries_.insert(at, Entry{std::move(letter->stored), now});
    letter = dead_letters_.erase(letter);
    ++moved;
  }
  enforce_size_limits();
  return moved;
}

void MemoryQueue::drop_front() {
  bytes_ -= record_bytes(entries_.front().stored.record);
  entries_.pop_front();
  ++dropped_;
}

void MemoryQueue::drop_expired(Timestamp now) {
  if (limits_.max_age.count() <= 0) return;
  const Timestamp cutoff = now - limits_.max_age;
  while (!entries_.empty() && entries_.front().stored_at < cutoff) drop_front();
}

void MemoryQueue::enforce_size_limits() {
  while (!entries_.empty() &&
         ((limits_.max_records != 0 && entries_.size() > limits_.max_records) ||
          (limits_.max_bytes != 0 && bytes_ > limits_.max_bytes))) {
    drop_front();
  }
}

Expected<std::optional<RecordId>> MemoryQueue::newest_id() {
  if (entries_.empty()) return std::optional<RecordId>{};
  return std::optional<RecordId>{entries_.back().stored.id};
}

}  // namespace dlmsgw::gateway
