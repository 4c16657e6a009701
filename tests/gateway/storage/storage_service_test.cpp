// StorageService with a real io_context, real storage threads and real SQLite files.

#include "gateway/storage/storage_service.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <atomic>
#include <future>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gateway/storage/memory_queue.hpp"
#include "gateway/storage/sqlite_queue.hpp"
#include "gateway/storage/stored_records.hpp"
#include "gateway/storage/temp_directory.hpp"
#include "support/run_until.hpp"

namespace dlmsgw::gateway {
namespace {

using test::ids_of;
using test::numbers_of;

using namespace std::chrono_literals;
namespace fs = std::filesystem;

Record numbered_record(int n) {
  return Record{RecordKind::telemetry, "meter", Timestamp(std::chrono::milliseconds(n)),
                "{\"n\":" + std::to_string(n) + "}"};
}

std::unique_ptr<RecordQueue> open_sqlite(const fs::path& path, SqliteQueueOptions options = {}) {
  auto queue = SqliteQueue::open(path, std::move(options));
  if (!queue) {
    ADD_FAILURE() << queue.error().message;
    return nullptr;
  }
  return std::move(*queue);
}

using ::dlmsgw::test::run_until;

TEST(StorageService, AppendsFromTheLoopThenPeekAndRemoveCompleteOnTheLoopThread) {
  testing::TempDirectory dir;
  asio::io_context io;
  StorageService service(open_sqlite(dir.path() / "queue.db"), io.get_executor());
  const auto loop_thread = std::this_thread::get_id();

  std::vector<int> peeked;
  std::vector<int> after_remove{-1};
  int completions = 0;
  asio::post(io, [&] {
    for (int n = 0; n < 10; n += 2)
      ASSERT_TRUE(service.append({numbered_record(n), numbered_record(n + 1)}));
    service.async_peek(100, 1 << 20, [&](Expected<std::vector<StoredRecord>> batch) {
      ASSERT_TRUE(batch) << batch.error().message;
      EXPECT_EQ(std::this_thread::get_id(), loop_thread);
      ++completions;
      peeked = numbers_of(*batch);
      std::vector<RecordId> ids;
      for (const auto& stored : *batch) ids.push_back(stored.id);
      service.async_remove(std::move(ids), [&](Expected<void> removed) {
        ASSERT_TRUE(removed) << removed.error().message;
        EXPECT_EQ(std::this_thread::get_id(), loop_thread);
        ++completions;
        service.async_peek(100, 1 << 20, [&](Expected<std::vector<StoredRecord>> rest) {
          ASSERT_TRUE(rest);
          ++completions;
          after_remove = numbers_of(*rest);
        });
      });
    });
  });
  io.run();  // returns only when every completion ran: pending operations count as work
  EXPECT_EQ(completions, 3);
  EXPECT_EQ(peeked, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_TRUE(after_remove.empty());
  EXPECT_EQ(service.stats().records, 0u);
}

std::vector<Record> numbered_range(int first, int count) {
  std::vector<Record> records;
  for (int n = first; n < first + count; ++n) records.push_back(numbered_record(n));
  return records;
}

// The uplink's shape: append, then peek, remove, peek. (No braced lists inside the coroutine:
// g++ 12 rejects initializer lists in coroutine bodies, "array used as initializer".)
asio::awaitable<void> peek_remove_peek(StorageService& service, std::vector<int>& first,
                                       std::vector<int>& second) {
  EXPECT_TRUE(service.append(numbered_range(1, 3)));
  auto batch = co_await service.async_peek(2, 1 << 20, asio::use_awaitable);
  EXPECT_TRUE(batch);
  first = numbers_of(*batch);
  auto removed = co_await service.async_remove(ids_of(*batch), asio::use_awaitable);
  EXPECT_TRUE(removed);
  auto rest = co_await service.async_peek(10, 1 << 20, asio::use_awaitable);
  EXPECT_TRUE(rest);
  second = numbers_of(*rest);
}

TEST(StorageService, CoroutinesCanAwaitPeekAndRemove) {
  asio::io_context io;
  StorageService service(std::make_unique<MemoryQueue>(), io.get_executor());
  std::vector<int> first;
  std::vector<int> second;
  bool finished = false;
  asio::co_spawn(io, peek_remove_peek(service, first, second),
                 [&](const std::exception_ptr& error) { finished = error == nullptr; });
  io.run();
  EXPECT_TRUE(finished);
  EXPECT_EQ(first, (std::vector<int>{1, 2}));
  EXPECT_EQ(second, (std::vector<int>{3}));
}

// when_left: done once every record appended before it has left the queue (removed, or set aside
// as a dead letter), not at its commit; a record appended after it has seen them committed does
// not hold it; a stop with
// records still waiting ends it with an error (in memory they are lost).
TEST(StorageService, WhenLeftWaitsForTheRecordsAppendedBeforeItToLeaveTheQueue) {
  asio::io_context io;
  StorageService service(std::make_unique<MemoryQueue>(), io.get_executor());
  std::atomic<int> left{0};
  std::atomic<int> failed{0};
  const auto count = [&](Expected<void> result) { result ? ++left : ++failed; };
  service.when_left(count);  // nothing waiting: done at once
  ASSERT_TRUE(run_until(io, [&] { return left == 1; }));
  for (int n = 1; n <= 3; ++n) ASSERT_TRUE(service.append({numbered_record(n)}));
  service.when_left(count);
  std::vector<StoredRecord> batch;
  service.async_peek(10, UINT64_MAX, [&](Expected<std::vector<StoredRecord>> peeked) {
    ASSERT_TRUE(peeked);
    batch = std::move(*peeked);
  });
  ASSERT_TRUE(run_until(io, [&] { return batch.size() == 3; }));
  // After the waiter has seen the first three committed. (Appended in one commit with them, a
  // record made after when_left is waited for too: late, never early.)
  ASSERT_TRUE(service.append({numbered_record(4)}));
  EXPECT_EQ(left, 1) << "done at the commit";
  bool removed = false;
  service.async_remove(std::vector<RecordId>{batch[0].id, batch[1].id},
                       [&](Expected<void> result) { removed = result.has_value(); });
  ASSERT_TRUE(run_until(io, [&] { return removed; }));
  io.restart();
  io.run_for(100ms);
  EXPECT_EQ(left, 1) << "done with one of its records still waiting";
  bool aside = false;
  service.async_set_aside(std::vector<RecordId>{batch[2].id}, "refused",
                          [&](Expected<std::uint64_t> moved) { aside = moved && *moved == 1; });
  ASSERT_TRUE(run_until(io, [&] { return aside && left == 2; })) << "record 4 came after it";
  service.when_left(count);  // record 4 still waiting
  io.restart();
  io.run_for(100ms);
  EXPECT_EQ(left, 2);
  service.stop();
  EXPECT_EQ(failed, 1);
  EXPECT_EQ(left, 2);
  service.when_left(count);  // stopped with record 4 in the queue
  EXPECT_EQ(failed, 2);

  // A clean stop with everything delivered: asked afterwards (the profile cursors' last write),
  // the answer is yes.
  StorageService drained(std::make_unique<MemoryQueue>(), io.get_executor());
  ASSERT_TRUE(drained.append({numbered_record(5)}));
  std::vector<StoredRecord> last;
  drained.async_peek(10, UINT64_MAX, [&](Expected<std::vector<StoredRecord>> peeked) {
    ASSERT_TRUE(peeked);
    last = std::move(*peeked);
  });
  io.restart();
  ASSERT_TRUE(run_until(io, [&] { return last.size() == 1; }));
  bool gone = false;
  drained.async_remove(std::vector<RecordId>{last[0].id},
                       [&](Expected<void> result) { gone = result.has_value(); });
  ASSERT_TRUE(run_until(io, [&] { return gone; }));
  drained.stop();
  drained.when_left(count);
  EXPECT_EQ(left, 3);
  EXPECT_EQ(failed, 2);
}

TEST(StorageService, StopCommitsEveryPendingAppend) {
  testing::TempDirectory dir;
  const fs::path path = dir.path() / "queue.db";
  {
    asio::io_context io;
    StorageService service(open_sqlite(path), io.get_executor());
    for (int n = 0; n < 2000; ++n) ASSERT_TRUE(service.append({numbered_record(n)}));
    service.stop();
    EXPECT_EQ(service.pending_records(), 0u);
    EXPECT_EQ(service.stats().records, 2000u);
    auto refused = service.append({numbered_record(9999)});
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("stopped"), std::string::npos);
    bool completed = false;
    service.async_peek(1, 100, [&](Expected<std::vector<StoredRecord>> batch) {
      completed = true;
      EXPECT_FALSE(batch);
    });
    io.run();
    EXPECT_TRUE(completed);
  }
  auto queue = open_sqlite(path);
  ASSERT_TRUE(queue);
  auto all = queue->peek(10'000, UINT64_MAX);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2000u);
  for (int n = 0; n < 2000; ++n) ASSERT_EQ(numbers_of(*all)[static_cast<std::size_t>(n)], n);
}

TEST(StorageService, DestructorAlsoFlushes) {
  testing::TempDirectory dir;
  const fs::path path = dir.path() / "queue.db";
  {
    asio::io_context io;
    StorageService service(open_sqlite(path), io.get_executor());
    for (int n = 0; n < 100; ++n) ASSERT_TRUE(service.append({numbered_record(n)}));
  }
  auto queue = open_sqlite(path);
  ASSERT_TRUE(queue);
  EXPECT_EQ(queue->stats().records, 100u);
}

// Another connection holds SQLite's write lock: commits fail with "busy", appends pile up in the
// hand-off until backpressure refuses them, and everything is committed once the lock goes.
TEST(StorageService, BackpressureWhileTheDatabaseIsBlockedAndRetryAfterwards) {
  testing::TempDirectory dir;
  const fs::path path = dir.path() / "queue.db";
  SqliteQueueOptions queue_options;
  queue_options.busy_timeout = 50ms;
  auto queue = open_sqlite(path, queue_options);
  ASSERT_TRUE(queue);

  sqlite3* blocker = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &blocker), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(blocker, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  asio::io_context io;
  std::vector<std::string> errors;
  StorageServiceOptions options;
  options.max_pending_records = 3;
  options.retry_delay = 20ms;
  options.on_error = [&](const Error& error) { errors.push_back(error.message); };
  StorageService service(std::move(queue), io.get_executor(), options);

  ASSERT_TRUE(service.append({numbered_record(0)}));
  ASSERT_TRUE(service.append({numbered_record(1), numbered_record(2)}));
  auto refused = service.append({numbered_record(3)});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::rejected);
  EXPECT_NE(refused.error().message.find("hand-off is full"), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("; 1 records not stored"), std::string::npos)
      << refused.error().message;
  // Asked before a reading is encoded: the same answer, and nothing stored by asking.
  const auto no_room = service.room_for(1);
  ASSERT_FALSE(no_room);
  EXPECT_EQ(no_room.error().code, ErrorCode::rejected);
  EXPECT_NE(no_room.error().message.find("hand-off is full"), std::string::npos)
      << no_room.error().message;
  EXPECT_TRUE(service.room_for(0));

  ASSERT_TRUE(run_until(io, [&] { return !errors.empty(); }));
  EXPECT_NE(errors.front().find("another process holds the database"), std::string::npos)
      << errors.front();
  EXPECT_EQ(service.pending_records(), 3u);

  ASSERT_EQ(sqlite3_exec(blocker, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(blocker);
  ASSERT_TRUE(run_until(io, [&] { return service.pending_records() == 0; }));
  EXPECT_TRUE(service.room_for(3));
  EXPECT_TRUE(service.append({numbered_record(3)}));
  service.stop();
  EXPECT_EQ(service.stats().records, 4u);
  EXPECT_FALSE(service.room_for(1));  // stopped
}

TEST(StorageService, StoppingWhileCommitsFailReportsWhatWasNotStored) {
  testing::TempDirectory dir;
  const fs::path path = dir.path() / "queue.db";
  SqliteQueueOptions queue_options;
  queue_options.busy_timeout = 20ms;
  auto queue = open_sqlite(path, queue_options);
  ASSERT_TRUE(queue);
  sqlite3* blocker = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &blocker), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(blocker, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  asio::io_context io;
  std::vector<std::string> errors;
  StorageServiceOptions options;
  options.retry_delay = 1h;  // only stop() tries again
  options.on_error = [&](const Error& error) { errors.push_back(error.message); };
  StorageService service(std::move(queue), io.get_executor(), options);
  ASSERT_TRUE(service.append({numbered_record(0), numbered_record(1)}));
  ASSERT_TRUE(run_until(io, [&] { return !errors.empty(); }));
  service.stop();
  io.restart();
  io.run();
  sqlite3_exec(blocker, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(blocker);
  ASSERT_GE(errors.size(), 3u);
  EXPECT_NE(errors.back().find("storage stopped with 2 records that could not be committed"),
            std::string::npos)
      << errors.back();
  EXPECT_EQ(service.pending_records(), 0u);
}

// A profile cursor advances only after its entries are stored (issue 16): async_flush completes
// once the appends made before it are committed, not while the database refuses them, and with an
// error when storage stops without committing them.
TEST(StorageService, FlushCompletesOnlyAfterEarlierAppendsAreCommitted) {
  testing::TempDirectory dir;
  const fs::path path = dir.path() / "queue.db";
  SqliteQueueOptions queue_options;
  queue_options.busy_timeout = 20ms;
  auto queue = open_sqlite(path, queue_options);
  ASSERT_TRUE(queue);
  sqlite3* blocker = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &blocker), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(blocker, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  asio::io_context io;
  int errors = 0;
  StorageServiceOptions options;
  options.retry_delay = 20ms;
  options.on_error = [&](const Error&) { ++errors; };
  StorageService service(std::move(queue), io.get_executor(), options);
  ASSERT_TRUE(service.append({numbered_record(0), numbered_record(1)}));
  std::optional<Expected<void>> flushed;
  std::uint64_t records_at_flush = 0;
  service.async_flush([&](Expected<void> result) {
    records_at_flush = service.stats().records;
    flushed = std::move(result);
  });
  ASSERT_TRUE(run_until(io, [&] { return errors >= 2; }));
  EXPECT_FALSE(flushed) << "flushed while the commit is failing";

  ASSERT_EQ(sqlite3_exec(blocker, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(blocker);
  ASSERT_TRUE(run_until(io, [&] { return flushed.has_value(); }));
  EXPECT_TRUE(*flushed);
  EXPECT_EQ(records_at_flush, 2u);

  service.stop();
  std::optional<Expected<void>> late;
  service.async_flush([&](Expected<void> result) { late = std::move(result); });
  ASSERT_TRUE(run_until(io, [&] { return late.has_value(); }));
  EXPECT_FALSE(*late);
}

// Issue 18 item 2: under a flood of appends, the uplink's read is served after one transaction of
// them, not after every append made before it (bench_uplink's overload mode: SQLite delivered a
// quarter of its ceiling while each peek waited behind up to 10 transactions).
TEST(StorageService, AFloodOfAppendsDoesNotStarveTheUplinksRead) {
  testing::TempDirectory dir;
  asio::io_context io;
  StorageServiceOptions options;
  options.max_batch_records = 10;
  options.max_pending_records = 100'000;
  StorageService service(open_sqlite(dir.path() / "queue.db"), io.get_executor(), options);

  // The storage thread held inside an operation (a job that waits for the test, then stores
  // record 0), so that every append below is still pending when the read is queued behind them.
  std::promise<void> entered;
  std::promise<void> release;
  auto released = release.get_future().share();
  std::optional<Expected<std::uint64_t>> moved;
  service.async_run(
      [&entered, released](RecordQueue& queue) -> Expected<std::uint64_t> {
        entered.set_value();
        released.wait();
        DLMSGW_TRY(queue.append({numbered_record(0)}));
        return 1;
      },
      [&](Expected<std::uint64_t> result) { moved = std::move(result); });
  entered.get_future().wait();
  constexpr int kAppends = 1000;
  for (int n = 1; n <= kAppends; ++n) ASSERT_TRUE(service.append({numbered_record(n)}));
  std::optional<Expected<std::vector<StoredRecord>>> peeked;
  service.async_peek(SIZE_MAX, UINT64_MAX, [&](Expected<std::vector<StoredRecord>> result) {
    peeked = std::move(result);
  });
  release.set_value();

  ASSERT_TRUE(run_until(io, [&] { return peeked.has_value(); }));
  ASSERT_TRUE(*peeked) << peeked->error().message;
  // The taken-over record and one transaction of appends: 990 were still waiting.
  EXPECT_EQ(numbers_of(**peeked), (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));

  // Nothing lost, nothing out of order: the rest is committed in the rounds that follow.
  std::optional<Expected<void>> flushed;
  service.async_flush([&](Expected<void> result) { flushed = std::move(result); });
  ASSERT_TRUE(run_until(io, [&] { return flushed.has_value(); }));
  ASSERT_TRUE(*flushed);
  std::optional<Expected<std::vector<StoredRecord>>> all;
  service.async_peek(SIZE_MAX, UINT64_MAX,
                     [&](Expected<std::vector<StoredRecord>> result) { all = std::move(result); });
  ASSERT_TRUE(run_until(io, [&] { return all.has_value(); }));
  ASSERT_TRUE(*all);
  std::vector<int> expected(kAppends + 1);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(numbers_of(**all), expected);
  ASSERT_TRUE(moved.has_value() && *moved);
  EXPECT_EQ(**moved, 1U);
}

// A real queue that counts its remove() calls: each is a transaction, and an fsync with
// synchronous=FULL.
class RemoveCountingQueue final : public RecordQueue {
 public:
  RemoveCountingQueue(std::unique_ptr<RecordQueue> inner, std::atomic<int>& removes)
      : inner_(std::move(inner)), removes_(removes) {}
  Expected<void> append(std::vector<Record> records) override {
    return inner_->append(std::move(records));
  }
  Expected<std::vector<StoredRecord>> peek_after(RecordId after, std::size_t max_records,
                                                 std::uint64_t max_bytes) override {
    return inner_->peek_after(after, max_records, max_bytes);
  }
  Expected<std::vector<StoredRecord>> peek_device_after(const std::string& device, RecordId after,
                                                        std::size_t max_records,
                                                        std::uint64_t max_bytes) override {
    return inner_->peek_device_after(device, after, max_records, max_bytes);
  }
  Expected<void> remove(std::span<const RecordId> ids) override {
    ++removes_;
    return inner_->remove(ids);
  }
  [[nodiscard]] QueueStats stats() const override { return inner_->stats(); }
  Expected<std::uint64_t> set_aside(std::span<const RecordId> ids,
                                    const std::string& reason) override {
    return inner_->set_aside(ids, reason);
  }
  Expected<std::vector<DeadLetter>> dead_letters(std::size_t max_records) override {
    return inner_->dead_letters(max_records);
  }
  Expected<std::uint64_t> requeue(std::span<const RecordId> ids) override {
    return inner_->requeue(ids);
  }

 private:
  std::unique_ptr<RecordQueue> inner_;
  std::atomic<int>& removes_;
};

// The uplink removes a batch as its PUBACKs come, several while the storage thread is busy with
// a transaction of appends: those waiting one after another are removed in one transaction (one
// fsync instead of one each), and each still completes; an operation between them keeps its
// place (a peek after a remove never sees the removed records).
TEST(StorageService, RemovesWaitingOneAfterAnotherAreOneTransaction) {
  testing::TempDirectory dir;
  asio::io_context io;
  std::atomic<int> removes{0};
  StorageService service(
      std::make_unique<RemoveCountingQueue>(open_sqlite(dir.path() / "queue.db"), removes),
      io.get_executor());
  ASSERT_TRUE(service.append(numbered_range(0, 8)));
  std::optional<Expected<std::vector<StoredRecord>>> stored;
  service.async_peek(SIZE_MAX, UINT64_MAX, [&](Expected<std::vector<StoredRecord>> result) {
    stored = std::move(result);
  });
  ASSERT_TRUE(run_until(io, [&] { return stored.has_value(); }));
  ASSERT_TRUE(*stored);
  const std::vector<RecordId> ids = ids_of(**stored);
  ASSERT_EQ(ids.size(), 8U);

  // The storage thread held inside an operation, so that everything below waits behind it.
  std::promise<void> entered;
  std::promise<void> release;
  auto released = release.get_future().share();
  service.async_run(
      [&entered, released](RecordQueue&) -> Expected<std::uint64_t> {
        entered.set_value();
        released.wait();
        return 0;
      },
      [](Expected<std::uint64_t>) {});
  entered.get_future().wait();
  int removed = 0;
  const auto remove = [&](std::size_t first, std::size_t count) {
    service.async_remove(
        std::vector<RecordId>(ids.begin() + static_cast<std::ptrdiff_t>(first),
                              ids.begin() + static_cast<std::ptrdiff_t>(first + count)),
        [&](Expected<void> result) {
          EXPECT_TRUE(result) << result.error().message;
          ++removed;
        });
  };
  remove(0, 1);
  remove(1, 2);
  remove(3, 1);
  std::optional<Expected<std::vector<StoredRecord>>> between;
  service.async_peek(SIZE_MAX, UINT64_MAX, [&](Expected<std::vector<StoredRecord>> result) {
    between = std::move(result);
  });
  remove(4, 2);
  remove(6, 1);
  release.set_value();

  ASSERT_TRUE(run_until(io, [&] { return removed == 5 && between.has_value(); }));
  EXPECT_EQ(removes.load(), 2);  // records 0-3, then 4-6
  ASSERT_TRUE(*between);
  EXPECT_EQ(numbers_of(**between), (std::vector<int>{4, 5, 6, 7}));
  std::optional<Expected<std::vector<StoredRecord>>> left;
  service.async_peek(SIZE_MAX, UINT64_MAX,
                     [&](Expected<std::vector<StoredRecord>> result) { left = std::move(result); });
  ASSERT_TRUE(run_until(io, [&] { return left.has_value(); }));
  ASSERT_TRUE(*left);
  EXPECT_EQ(numbers_of(**left), (std::vector<int>{7}));
}

TEST(StorageService, FlushFailsWhenStorageStopsWithoutCommitting) {
  testing::TempDirectory dir;
  const fs::path path = dir.path() / "queue.db";
  SqliteQueueOptions queue_options;
  queue_options.busy_timeout = 20ms;
  auto queue = open_sqlite(path, queue_options);
  ASSERT_TRUE(queue);
  sqlite3* blocker = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &blocker), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(blocker, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  asio::io_context io;
  int errors = 0;
  StorageServiceOptions options;
  options.retry_delay = 1h;
  options.on_error = [&](const Error&) { ++errors; };
  StorageService service(std::move(queue), io.get_executor(), options);
  ASSERT_TRUE(service.append({numbered_record(0)}));
  std::optional<Expected<void>> flushed;
  service.async_flush([&](Expected<void> result) { flushed = std::move(result); });
  ASSERT_TRUE(run_until(io, [&] { return errors >= 1; }));
  service.stop();
  io.restart();
  io.run();
  sqlite3_exec(blocker, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(blocker);
  ASSERT_TRUE(flushed.has_value());
  EXPECT_FALSE(*flushed);
}

TEST(StorageService, OnlyTheRecordTheQueueRefusesIsDiscardedAndReported) {
  asio::io_context io;
  std::vector<std::string> errors;
  StorageServiceOptions options;
  options.on_error = [&](const Error& error) { errors.push_back(error.message); };
  StorageService service(std::make_unique<MemoryQueue>(QueueLimits{.max_bytes = 40}),
                         io.get_executor(), options);
  ASSERT_TRUE(service.append({numbered_record(1)}));
  ASSERT_TRUE(service.append({numbered_record(2), Record{RecordKind::telemetry, "big", Timestamp{},
                                                         std::string(50, 'x')}}));
  ASSERT_TRUE(service.append({numbered_record(3)}));
  service.stop();
  io.run();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("discarded a record of device 'big'"), std::string::npos) << errors[0];
  // numbered_record(2) shared an append with the refused record and is kept; nothing was dropped
  // for limits.
  EXPECT_EQ(service.stats().records, 3u);
  EXPECT_EQ(service.stats().dropped_records, 0u);
  EXPECT_EQ(service.pending_records(), 0u);
}

// bench/soak counts as stored what this line says was committed: one line per record, only once
// its transaction committed, none for a record the queue refused.
TEST(StorageService, AtDebugLevelEachCommittedRecordIsLoggedAndNoRefusedOne) {
  std::ostringstream lines;
  auto logger = std::make_shared<spdlog::logger>(
      "storage", std::make_shared<spdlog::sinks::ostream_sink_mt>(lines));
  logger->set_level(spdlog::level::debug);
  logger->set_pattern("%v");
  spdlog::register_logger(logger);
  struct Unregister {
    ~Unregister() { spdlog::drop("storage"); }
  } unregister;
  asio::io_context io;
  StorageService service(std::make_unique<MemoryQueue>(QueueLimits{.max_bytes = 40}),
                         io.get_executor());
  ASSERT_TRUE(service.append({numbered_record(1)}));
  ASSERT_TRUE(service.append({numbered_record(2), Record{RecordKind::telemetry, "big", Timestamp{},
                                                         std::string(50, 'x')}}));
  ASSERT_TRUE(service.append({numbered_record(3)}));
  service.stop();
  io.run();
  const std::string text = lines.str();
  for (int n = 1; n <= 3; ++n) {
    const std::string line = "committed telemetry 'meter' ts " + std::to_string(n) +
                             " {\"n\":" + std::to_string(n) + "}\n";
    EXPECT_NE(text.find(line), std::string::npos) << line << "not in:\n" << text;
  }
  EXPECT_EQ(text.find("'big'"), std::string::npos) << text;
}

TEST(StorageService, DropsForLimitsAreReportedWithTheirTotal) {
  asio::io_context io;
  std::uint64_t reported_now = 0;
  std::uint64_t reported_total = 0;
  StorageServiceOptions options;
  options.on_dropped = [&](std::uint64_t now, std::uint64_t total) {
    reported_now += now;
    reported_total = total;
  };
  StorageService service(std::make_unique<MemoryQueue>(QueueLimits{.max_records = 2}),
                         io.get_executor(), options);
  for (int n = 0; n < 5; ++n) ASSERT_TRUE(service.append({numbered_record(n)}));
  service.stop();
  io.run();
  EXPECT_EQ(reported_now, 3u);
  EXPECT_EQ(reported_total, 3u);
  EXPECT_EQ(service.stats().dropped_records, 3u);
}

TEST(StorageService, ManyProducerThreadsLoseNothingAndKeepEachProducersOrder) {
  asio::io_context io;
  StorageServiceOptions options;
  options.max_pending_records = 1'000'000;
  options.max_batch_records = 64;
  StorageService service(std::make_unique<MemoryQueue>(), io.get_executor(), options);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&service, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Record record = numbered_record(i);
        record.device = "meter-" + std::to_string(t);
        ASSERT_TRUE(service.append({std::move(record)}));
      }
    });
  }
  for (auto& producer : producers) producer.join();
  std::vector<StoredRecord> all;
  // A peek runs after one transaction of the appends before it: flush first to read them all.
  service.async_flush([&](Expected<void> flushed) {
    ASSERT_TRUE(flushed);
    service.async_peek(kThreads * kPerThread + 1, UINT64_MAX,
                       [&](Expected<std::vector<StoredRecord>> batch) { all = std::move(*batch); });
  });
  io.run();
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
  std::vector<int> next(kThreads, 0);
  for (const auto& stored : all) {
    const int t = stored.record.device.back() - '0';
    ASSERT_EQ(stored.record.ts.time_since_epoch().count(), next[static_cast<std::size_t>(t)]++);
  }
}

}  // namespace
}  // namespace dlmsgw::gateway
