#pragma once
// StorageService: runs a RecordQueue on its own thread, so that SQLite commits (fsync) never block
// the asio event loop.
//
//  - Connectors call append(): it only moves the records into a bounded in-memory hand-off and
//    returns. The storage thread commits what is waiting in transactions of up to
//    max_batch_records (one fsync for many appends), and runs the uplink's operations between two
//    transactions, so that a flood of appends cannot starve them. Records count as stored once
//    committed; until then a crash loses them, which is why the uplink only ever sees committed
//    records. When the hand-off holds max_pending_records, append() refuses (backpressure: the disk
//    is slower than the meters).
//  - A failed commit (disk full, I/O error) keeps the records in the hand-off and retries after
//    retry_delay; a record the queue refuses as invalid (larger than max_bytes) is discarded and
//    reported. Both go to on_error.
//  - The uplink calls async_peek()/async_remove(); the queue work runs on the storage thread and
//  the
//    completion is posted to the handler's associated executor (by default the one given here), so
//    callbacks and coroutines (`co_await service.async_peek(n, b, asio::use_awaitable)`) both work.
//    Pending operations keep the executor's context busy (outstanding work) until they complete.
//  - Drops for limits are reported to on_dropped with the number just dropped and the total.
//  - stop() (and the destructor) commits what is still in the hand-off, completes queued operations
//    and joins the thread. Operations started after stop() complete with an error.

#include <asio.hpp>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "gateway/storage/record_queue.hpp"

namespace dlmsgw::gateway {

struct StorageServiceOptions {
  std::size_t max_pending_records = 10'000;  // hand-off bound for backpressure
  std::size_t max_batch_records = 1'000;     // records per transaction (at least one append)
  std::chrono::milliseconds retry_delay{std::chrono::seconds(1)};  // after a failed commit
  // Both run on the executor. on_error: an append that failed (it is retried, unless the error says
  // it was discarded). on_dropped: records dropped for limits by the last commit, and the total.
  std::function<void(const Error&)> on_error;
  std::function<void(std::uint64_t dropped_now, std::uint64_t dropped_total)> on_dropped;
};

class StorageService {
 public:
  using PeekSignature = void(Expected<std::vector<StoredRecord>>);
  using RemoveSignature = void(Expected<void>);

  StorageService(std::unique_ptr<RecordQueue> queue, asio::any_io_executor executor,
                 StorageServiceOptions options = {});
  ~StorageService();
  StorageService(const StorageService&) = delete;
  StorageService& operator=(const StorageService&) = delete;

  // Thread-safe, never waits for the disk. Fails (ErrorCode::rejected) when the hand-off is full or
  // the service is stopped; the records are then not stored.
  Expected<void> append(std::vector<Record> records);
  // What append() of `count` records would answer now, without storing anything: a connector asks
  // before encoding a reading, so that under a flood a refused reading costs next to nothing. Room
  // answered may be gone by the append (which then refuses); thread-safe.
  [[nodiscard]] Expected<void> room_for(std::size_t count) const;

  // RecordQueue::peek on the storage thread. Completion signature PeekSignature.
  template <class Token>
  auto async_peek(std::size_t max_records, std::uint64_t max_bytes, Token&& token) {
    return async_peek_after(RecordId{}, max_records, max_bytes, std::forward<Token>(token));
  }

  // RecordQueue::peek_after on the storage thread. Operations run in the order they were started,
  // so a peek started after a remove never sees the removed records. A peek sees the appends made
  // before it once they are committed: at most one transaction (max_batch_records) of them is
  // committed before it runs, the rest later.
  template <class Token>
  auto async_peek_after(RecordId after, std::size_t max_records, std::uint64_t max_bytes,
                        Token&& token) {
    return asio::async_initiate<Token, PeekSignature>(
        [this](auto handler, RecordId from, std::size_t records, std::uint64_t bytes) {
          start(std::move(handler), [from, records, bytes](RecordQueue& queue) {
            return queue.peek_after(from, records, bytes);
          });
        },
        token, after, max_records, max_bytes);
  }

  // RecordQueue::peek_device_after on the storage thread: a queue shared by several devices, each
  // with its own reader (UplinkOptions::storage_device). Completion signature PeekSignature.
  template <class Token>
  auto async_peek_device_after(std::string device, RecordId after, std::size_t max_records,
                               std::uint64_t max_bytes, Token&& token) {
    return asio::async_initiate<Token, PeekSignature>(
        [this](auto handler, std::string of, RecordId from, std::size_t records,
               std::uint64_t bytes) {
          start(std::move(handler), [of = std::move(of), from, records, bytes](RecordQueue& queue) {
            return queue.peek_device_after(of, from, records, bytes);
          });
        },
        token, std::move(device), after, max_records, max_bytes);
  }

  using CountsSignature = void(Expected<std::map<std::string, std::uint64_t>>);
  // RecordQueue::device_counts on the storage thread. Completion signature CountsSignature.
  template <class Token>
  auto async_device_counts(Token&& token) {
    return asio::async_initiate<Token, CountsSignature>(
        [this](auto handler) {
          start(std::move(handler), [](RecordQueue& queue) { return queue.device_counts(); });
        },
        token);
  }

  // RecordQueue::remove on the storage thread. Completion signature RemoveSignature. Removes
  // waiting one after another (no other operation between them) run as one remove, one
  // transaction: the uplink removes a batch at each PUBACK, and with synchronous=FULL a
  // transaction each would cost an fsync each while the thread commits a flood of appends.
  // Each completes, with that one transaction's result.
  template <class Token>
  auto async_remove(std::vector<RecordId> ids, Token&& token) {
    return asio::async_initiate<Token, RemoveSignature>(
        [this](auto handler, std::vector<RecordId> to_remove) {
          auto executor = asio::prefer(asio::get_associated_executor(handler, executor_),
                                       asio::execution::outstanding_work.tracked);
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          submit_remove(std::move(to_remove), [shared, executor](Expected<void> result) mutable {
            asio::post(executor, [shared, result = std::move(result)]() mutable {
              (*shared)(std::move(result));
            });
          });
        },
        token, std::move(ids));
  }

  using TakeOverSignature = void(Expected<std::uint64_t>);
  using SetAsideSignature = void(Expected<std::uint64_t>);

  // RecordQueue::set_aside on the storage thread (dead letters, one transaction). Completes with
  // the count moved (SetAsideSignature).
  template <class Token>
  auto async_set_aside(std::vector<RecordId> ids, std::string reason, Token&& token) {
    return asio::async_initiate<Token, SetAsideSignature>(
        [this](auto handler, std::vector<RecordId> to_move, std::string why) {
          start(std::move(handler),
                [to_move = std::move(to_move), why = std::move(why)](RecordQueue& queue) {
                  return queue.set_aside(to_move, why);
                });
        },
        token, std::move(ids), std::move(reason));
  }

  // Runs `job` with the queue on the storage thread, in order with the other operations (the
  // take-over of an older version's files, storage/direct_store.hpp). Completes with what it
  // returns (TakeOverSignature).
  template <class Token>
  auto async_run(std::function<Expected<std::uint64_t>(RecordQueue&)> job, Token&& token) {
    return asio::async_initiate<Token, TakeOverSignature>(
        [this](auto handler, std::function<Expected<std::uint64_t>(RecordQueue&)> work) {
          start(std::move(handler),
                [work = std::move(work)](RecordQueue& queue) { return work(queue); });
        },
        token, std::move(job));
  }

  // Gives up to kMoveChunk records of `device` in this queue to `to` (Record::device rewritten),
  // appended before they are removed (a crash repeats, never loses): one chunk per job, so that
  // a large backlog holds the storage thread from no other device; call again until it completes
  // with 0. Completes with the count moved (TakeOverSignature).
  static constexpr std::size_t kMoveChunk = 1'000;
  template <class Token>
  auto async_move_device(std::string device, std::string to, Token&& token) {
    return asio::async_initiate<Token, TakeOverSignature>(
        [this](auto handler, std::string from, std::string into) {
          start(std::move(handler),
                [from = std::move(from), into = std::move(into)](RecordQueue& queue) {
                  return move_device(queue, from, into);
                });
        },
        token, std::move(device), std::move(to));
  }

  // Completes once every append made before the call is committed (a record the queue refused as
  // invalid counts as done: it was reported and discarded), so that a producer keeping a cursor
  // of what it stored (profile entries) advances it only then. Completion signature
  // RemoveSignature; an error when storage stops before committing them (disk failing at stop).
  template <class Token>
  auto async_flush(Token&& token) {
    return asio::async_initiate<Token, RemoveSignature>(
        [this](auto handler) {
          auto executor = asio::prefer(asio::get_associated_executor(handler, executor_),
                                       asio::execution::outstanding_work.tracked);
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          add_flush([shared, executor](Expected<void> result) mutable {
            asio::post(executor, [shared, result = std::move(result)]() mutable {
              (*shared)(std::move(result));
            });
          });
        },
        token);
  }

  // Calls `done` once every record appended before this call has left the queue: removed after
  // its PUBACK, set aside as a dead letter or dropped for the limits. With storage in memory that
  // is when the record can no longer be lost by a stop; a connector keeping a cursor of what it
  // stored on disk (profile entries) writes it then, not at the commit. `done` runs on the storage
  // thread (or within this call once stopped), with an error when storage stops first (once
  // stopped: with success when the queue was empty at the end, else the error). Records
  // appended after it but committed in one transaction with the last ones before it are waited for
  // too: late, never early.
  void when_left(std::function<void(Expected<void>)> done);

  // The queue's statistics after the storage thread's last operation. Thread-safe.
  [[nodiscard]] QueueStats stats() const;
  // Records handed over by append() and not committed yet. Thread-safe.
  [[nodiscard]] std::size_t pending_records() const;

  // Commits the hand-off, completes queued operations, joins the storage thread. Idempotent.
  void stop();

 private:
  // Runs on the storage thread with the queue, or with nullptr when the service has stopped.
  using Job = std::function<void(RecordQueue*)>;
  using Flush = std::function<void(Expected<void>)>;

  // Removes queued one after another, run as one (async_remove).
  struct RemoveGroup {
    std::vector<RecordId> ids;
    std::vector<Flush> done;
  };
  struct QueuedJob {
    Job job;                             // set unless this is a remove group
    std::shared_ptr<RemoveGroup> group;  // set for removes
    void operator()(RecordQueue* queue) const;
  };

  template <class Handler, class Operation>
  void start(Handler handler, Operation operation) {
    using Result = std::invoke_result_t<Operation&, RecordQueue&>;
    auto executor = asio::prefer(asio::get_associated_executor(handler, executor_),
                                 asio::execution::outstanding_work.tracked);
    // std::function needs a copyable callable; completion handlers may be move-only.
    auto shared = std::make_shared<Handler>(std::move(handler));
    submit([shared, executor, operation = std::move(operation)](RecordQueue* queue) mutable {
      Result result = queue != nullptr ? operation(*queue) : Result(stopped_error());
      asio::post(executor,
                 [shared, result = std::move(result)]() mutable { (*shared)(std::move(result)); });
    });
  }

  struct PendingFlush {
    std::uint64_t after = 0;  // appends made before it: done once committed_ reaches this
    Flush done;
  };

  struct PendingLeave {
    std::uint64_t after = 0;         // appends made before it, as for PendingFlush
    std::optional<RecordId> newest;  // the newest record once those were committed
    bool committed = false;          // `newest` is known
    Flush done;
  };

  static Error stopped_error();
  // room_for() with mutex_ held.
  [[nodiscard]] Expected<void> room_locked(std::size_t count) const;
  // The storage thread's check of when_left's waiters, after each round.
  void check_left(std::deque<PendingLeave>& leaving);
  static Expected<std::uint64_t> move_device(RecordQueue& queue, const std::string& from,
                                             const std::string& to);
  void submit(Job job);
  void submit_remove(std::vector<RecordId> ids, Flush done);
  void add_flush(Flush flush);
  void run();
  bool commit_held(std::deque<std::vector<Record>>& held);
  void discard_held_front(std::deque<std::vector<Record>>& held);
  void report_error(Error error);
  void publish_stats();

  std::unique_ptr<RecordQueue> queue_;
  asio::any_io_executor executor_;
  StorageServiceOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::vector<Record>> pending_;  // appends not taken by the storage thread yet
  std::size_t pending_records_ = 0;          // in pending_ and held by the storage thread
  std::deque<QueuedJob> jobs_;
  std::deque<PendingFlush> flushes_;  // async_flush calls not taken by the storage thread yet
  std::deque<PendingLeave> leaves_;   // when_left calls not taken by the storage thread yet
  std::uint64_t appended_ = 0;        // append() calls accepted
  bool stopping_ = false;
  QueueStats stats_;
  std::uint64_t reported_dropped_ = 0;  // storage thread only
  std::uint64_t committed_ = 0;  // storage thread only: appends committed (or discarded), in order
  bool finished_ = false;        // the storage thread has ended (under mutex_)
  bool drained_ = false;         // and the queue was empty then (under mutex_)

  std::thread thread_;  // last: starts after everything it uses is constructed
};

}  // namespace dlmsgw::gateway
