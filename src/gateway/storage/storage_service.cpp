#include "gateway/storage/storage_service.hpp"

#include <cstdint>
#include <string>

#include "gateway/component_logger.hpp"

namespace dlmsgw::gateway {

namespace {

std::size_t count_records(const std::deque<std::vector<Record>>& appends) {
  std::size_t count = 0;
  for (const auto& records : appends) count += records.size();
  return count;
}

// At debug level of the storage component, one line per record once its transaction committed:
// what bench/soak counts as "stored" (a reading lost to a kill -9 before its commit never was).
void log_committed(const std::vector<Record>& records) {
  const auto logger = component_logger("storage");
  if (!logger->should_log(spdlog::level::debug)) return;
  for (const Record& record : records) {
    logger->debug("committed {} '{}' ts {} {}", to_string(record.kind), record.device,
                  record.ts.time_since_epoch().count(), record.payload);
  }
}

}  // namespace

StorageService::StorageService(std::unique_ptr<RecordQueue> queue, asio::any_io_executor executor,
                               StorageServiceOptions options)
    : queue_(std::move(queue)), executor_(std::move(executor)), options_(std::move(options)) {
  stats_ = queue_->stats();
  reported_dropped_ = stats_.dropped_records;
  thread_ = std::thread([this] { run(); });
}

StorageService::~StorageService() {
  stop();
}

Error StorageService::stopped_error() {
  return make_error(ErrorCode::rejected, "storage is stopped (dlmsgw is shutting down)");
}

Expected<void> StorageService::room_locked(std::size_t count) const {
  if (stopping_) return stopped_error();
  if (pending_records_ + count > options_.max_pending_records) {
    return make_error(ErrorCode::rejected,
                      "storage hand-off is full (" + std::to_string(pending_records_) +
                          " records wait for the storage thread, max_pending_records=" +
                          std::to_string(options_.max_pending_records) +
                          "): the disk is slower than the meters or failing");
  }
  return {};
}

Expected<void> StorageService::room_for(std::size_t count) const {
  std::lock_guard lock(mutex_);
  return room_locked(count);
}

Expected<void> StorageService::append(std::vector<Record> records) {
  if (records.empty()) return {};
  const std::size_t count = records.size();
  {
    std::lock_guard lock(mutex_);
    if (auto room = room_locked(count); !room) {
      return make_error(room.error().code, room.error().message + "; " + std::to_string(count) +
                                               " records not stored");
    }
    pending_records_ += count;
    pending_.push_back(std::move(records));
    ++appended_;
  }
  wake_.notify_one();
  return {};
}

Expected<std::uint64_t> StorageService::move_device(RecordQueue& queue, const std::string& from,
                                                    const std::string& to) {
  if (from == to) return 0;
  DLMSGW_TRY_ASSIGN(auto chunk, queue.peek_device_after(from, RecordId{}, kMoveChunk, UINT64_MAX));
  std::vector<Record> records;
  std::vector<RecordId> ids;
  records.reserve(chunk.size());
  ids.reserve(chunk.size());
  for (auto& stored : chunk) {
    ids.push_back(stored.id);
    records.push_back(std::move(stored.record));
    records.back().device = to;
  }
  DLMSGW_TRY(queue.append(std::move(records)));
  DLMSGW_TRY(queue.remove(ids));
  return ids.size();
}

QueueStats StorageService::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::size_t StorageService::pending_records() const {
  std::lock_guard lock(mutex_);
  return pending_records_;
}

void StorageService::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void StorageService::QueuedJob::operator()(RecordQueue* queue) const {
  if (!group) {
    job(queue);
    return;
  }
  const Expected<void> removed =
      queue != nullptr ? queue->remove(group->ids) : Expected<void>(stopped_error());
  for (const Flush& done : group->done) done(removed);
}

void StorageService::submit(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      jobs_.push_back({std::move(job), nullptr});
      wake_.notify_one();
      return;
    }
  }
  job(nullptr);  // completes (on the executor) with stopped_error()
}

void StorageService::submit_remove(std::vector<RecordId> ids, Flush done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      // The storage thread takes jobs_ whole under the lock: a group still in it has not run.
      if (!jobs_.empty() && jobs_.back().group) {
        RemoveGroup& group = *jobs_.back().group;
        group.ids.insert(group.ids.end(), ids.begin(), ids.end());
        group.done.push_back(std::move(done));
        return;
      }
      auto group = std::make_shared<RemoveGroup>();
      group->ids = std::move(ids);
      group->done.push_back(std::move(done));
      jobs_.push_back({nullptr, std::move(group)});
      wake_.notify_one();
      return;
    }
  }
  done(stopped_error());
}

void StorageService::add_flush(Flush flush) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      flushes_.push_back({appended_, std::move(flush)});
      wake_.notify_one();
      return;
    }
  }
  flush(stopped_error());
}

void StorageService::when_left(std::function<void(Expected<void>)> done) {
  bool drained = false;
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      leaves_.push_back({appended_, std::nullopt, false, std::move(done)});
      wake_.notify_one();
      return;
    }
    drained = finished_ && drained_;
  }
  // Stopped: every record has left when the queue was empty at the end (a clean stop with
  // everything delivered), else some are still in it.
  if (drained) {
    done({});
  } else {
    done(stopped_error());
  }
}

void StorageService::check_left(std::deque<PendingLeave>& leaving) {
  if (leaving.empty()) return;
  for (auto& leave : leaving) {
    if (leave.committed || leave.after > committed_) continue;
    auto newest = queue_->newest_id();
    if (!newest) return;  // asked again after the next round
    leave.newest = *newest;
    leave.committed = true;
  }
  std::optional<RecordId> oldest;
  bool known = false;
  std::erase_if(leaving, [&](PendingLeave& leave) {
    if (!leave.committed) return false;
    if (leave.newest && !known) {
      auto first = queue_->peek(1, UINT64_MAX);
      if (!first) return false;
      if (!first->empty()) oldest = first->front().id;
      known = true;
    }
    if (leave.newest && oldest && oldest->value <= leave.newest->value) return false;
    leave.done({});
    return true;
  });
}

void StorageService::run() {
  using Clock = std::chrono::steady_clock;
  // Appends taken from pending_ and not committed yet (still counted in pending_records_).
  std::deque<std::vector<Record>> held;
  // After a failed commit, held appends wait until retry_at (retrying is set).
  bool retrying = false;
  Clock::time_point retry_at{};
  // Flushes whose appends are not all committed yet, in the order they came (and so of `after`).
  std::deque<PendingFlush> waiting;
  // when_left's waiters, in the order they came.
  std::deque<PendingLeave> leaving;
  for (;;) {
    std::deque<QueuedJob> jobs;
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      const auto ready = [&] {
        return stopping_ || !jobs_.empty() || !flushes_.empty() || !leaves_.empty() ||
               (!retrying && (!pending_.empty() || !held.empty()));
      };
      if (retrying) {
        wake_.wait_until(lock, retry_at, ready);
        if (Clock::now() >= retry_at) retrying = false;
      } else {
        wake_.wait(lock, ready);
      }
      stopping = stopping_;
      jobs.swap(jobs_);
      for (auto& flush : flushes_) waiting.push_back(std::move(flush));
      flushes_.clear();
      for (auto& leave : leaves_) leaving.push_back(std::move(leave));
      leaves_.clear();
    }

    // One transaction of appends (up to max_batch_records), then the operations taken: under a
    // flood of appends the uplink's peek or remove waits for one commit, not for everything
    // appended before it (10 transactions of a full hand-off, 10 fsyncs with synchronous=FULL),
    // so that the uplink keeps its pace. A peek may thus miss appends made just before it; they
    // are committed in the next rounds, and the uplink reads them with a later peek. When
    // stopping, everything is committed.
    bool failed = false;
    while (!retrying || stopping) {
      {
        std::lock_guard lock(mutex_);
        std::size_t held_records = count_records(held);
        while (!pending_.empty() && (held.empty() || held_records + pending_.front().size() <=
                                                         options_.max_batch_records)) {
          held_records += pending_.front().size();
          held.push_back(std::move(pending_.front()));
          pending_.pop_front();
        }
      }
      if (held.empty()) break;
      if (!commit_held(held)) {
        failed = true;
        retrying = true;
        retry_at = Clock::now() + options_.retry_delay;
        break;
      }
      if (!stopping) break;
    }
    for (const QueuedJob& job : jobs) job(queue_.get());
    publish_stats();
    // After the statistics, so that a flush's completion sees the records it waited for counted.
    while (!waiting.empty() && waiting.front().after <= committed_) {
      waiting.front().done({});
      waiting.pop_front();
    }
    check_left(leaving);

    if (stopping) {
      if (failed) {
        std::size_t lost = 0;
        {
          std::lock_guard lock(mutex_);
          lost = pending_records_;
          pending_records_ = 0;
          pending_.clear();
        }
        held.clear();
        report_error(make_error(ErrorCode::rejected,
                                "storage stopped with " + std::to_string(lost) +
                                    " records that could not be committed (see the error before)"));
        std::deque<QueuedJob> late;
        {
          std::lock_guard lock(mutex_);
          late.swap(jobs_);
        }
        for (const QueuedJob& job : late) job(queue_.get());
        for (PendingFlush& flush : waiting) flush.done(stopped_error());
        for (PendingLeave& leave : leaving) leave.done(stopped_error());
        {
          std::lock_guard lock(mutex_);
          for (PendingFlush& flush : flushes_) flush.done(stopped_error());
          flushes_.clear();
          leaving.swap(leaves_);
          finished_ = true;
        }
        for (PendingLeave& leave : leaving) leave.done(stopped_error());
        publish_stats();
        return;
      }
      std::unique_lock lock(mutex_);
      if (pending_.empty() && jobs_.empty() && flushes_.empty() && held.empty()) {
        for (PendingFlush& flush : waiting) flush.done(stopped_error());  // none: all committed
        for (PendingLeave& leave : leaves_) leaving.push_back(std::move(leave));
        leaves_.clear();
        // The last round's check answered those whose records left; the others' records are
        // still in the queue when storage stops (in memory: lost). Once the thread is done,
        // when_left answers from the queue itself (a clean stop with nothing waiting: yes).
        auto newest = queue_->newest_id();
        drained_ = newest && !newest->has_value();
        finished_ = true;
        lock.unlock();
        check_left(leaving);
        for (PendingLeave& leave : leaving) leave.done(stopped_error());
        return;
      }
    }
  }
}

// Commits all held appends in one transaction. Returns false when they must be retried later.
bool StorageService::commit_held(std::deque<std::vector<Record>>& held) {
  std::vector<Record> batch;
  batch.reserve(count_records(held));
  for (const auto& records : held) batch.insert(batch.end(), records.begin(), records.end());
  auto committed = queue_->append(std::move(batch));
  if (committed) {
    for (const auto& records : held) log_committed(records);
    std::lock_guard lock(mutex_);
    pending_records_ -= count_records(held);
    committed_ += held.size();
    held.clear();
    return true;
  }
  if (committed.error().code != ErrorCode::invalid_argument) {
    report_error(committed.error());
    return false;
  }
  // Some record is one the queue refuses: commit appends one by one, and inside a refused append
  // record by record, so that only the refused record is discarded.
  while (!held.empty()) {
    auto whole = queue_->append(held.front());
    if (whole) {
      log_committed(held.front());
      discard_held_front(held);
      continue;
    }
    if (whole.error().code != ErrorCode::invalid_argument) {
      report_error(whole.error());
      return false;
    }
    std::vector<Record>& records = held.front();
    while (!records.empty()) {
      auto single = queue_->append(std::vector<Record>{records.front()});
      if (!single && single.error().code != ErrorCode::invalid_argument) {
        report_error(single.error());  // the records not committed yet stay held and are retried
        return false;
      }
      if (single) log_committed({records.front()});
      if (!single) {
        report_error(single.error().with_context("storage discarded a record of device '" +
                                                 records.front().device + "'"));
      }
      records.erase(records.begin());
      std::lock_guard lock(mutex_);
      --pending_records_;
    }
    held.pop_front();
    ++committed_;
  }
  return true;
}

void StorageService::discard_held_front(std::deque<std::vector<Record>>& held) {
  std::lock_guard lock(mutex_);
  pending_records_ -= held.front().size();
  held.pop_front();
  ++committed_;
}

void StorageService::report_error(Error error) {
  if (!options_.on_error) return;
  asio::post(executor_,
             [callback = options_.on_error, error = std::move(error)] { callback(error); });
}

void StorageService::publish_stats() {
  const QueueStats stats = queue_->stats();
  {
    std::lock_guard lock(mutex_);
    stats_ = stats;
  }
  if (stats.dropped_records > reported_dropped_) {
    const std::uint64_t now = stats.dropped_records - reported_dropped_;
    reported_dropped_ = stats.dropped_records;
    if (options_.on_dropped) {
      asio::post(executor_, [callback = options_.on_dropped, now, total = stats.dropped_records] {
        callback(now, total);
      });
    }
  }
}

}  // namespace dlmsgw::gateway
