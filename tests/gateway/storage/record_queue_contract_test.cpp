// The RecordQueue contract, run against every implementation: what the uplink and StorageService
// may rely on whatever storage.type says.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gateway/storage/memory_queue.hpp"
#include "gateway/storage/record_queue.hpp"
#include "gateway/storage/sqlite_queue.hpp"
#include "gateway/storage/stored_records.hpp"
#include "gateway/storage/temp_directory.hpp"

namespace dlmsgw::gateway {
namespace {

using test::ids_of;
using test::numbers_of;

using namespace std::chrono_literals;

// Clocks the test moves by hand, so age limits need no sleeping: the wall clock and the monotonic
// one. Time passing moves both (advance); a step of the wall clock (NTP) moves only `now`.
struct ManualClock {
  Timestamp now = Timestamp(1'700'000'000'000ms);
  std::chrono::steady_clock::time_point steady{std::chrono::hours(1000)};
  void advance(std::chrono::milliseconds time) {
    now += time;
    steady += time;
  }
  QueueClock function() {
    return [this] { return now; };
  }
  SteadyClock steady_function() {
    return [this] { return steady; };
  }
};

struct QueueFactory {
  std::string name;
  std::function<std::unique_ptr<RecordQueue>(const std::filesystem::path& dir, QueueLimits,
                                             QueueClock, SteadyClock)>
      make;
};

class RecordQueueContract : public ::testing::TestWithParam<QueueFactory> {
 protected:
  std::unique_ptr<RecordQueue> make(QueueLimits limits = {}) {
    auto queue = GetParam().make(dir_.path(), limits, clock_.function(), clock_.steady_function());
    if (!queue) ADD_FAILURE() << "cannot create the queue";
    return queue;
  }

  testing::TempDirectory dir_;
  ManualClock clock_;
};

Record telemetry(std::string device, int n) {
  return Record{RecordKind::telemetry, std::move(device), Timestamp(std::chrono::milliseconds(n)),
                "{\"n\":" + std::to_string(n) + "}"};
}

std::string queue_name(const ::testing::TestParamInfo<QueueFactory>& param) {
  return param.param.name;
}

constexpr std::uint64_t kAnyBytes = 1'000'000;

TEST_P(RecordQueueContract, StartsEmpty) {
  auto queue = make();
  EXPECT_EQ(queue->stats(), QueueStats{});
  auto batch = queue->peek(10, kAnyBytes);
  ASSERT_TRUE(batch);
  EXPECT_TRUE(batch->empty());
}

TEST_P(RecordQueueContract, PeeksOldestFirstWithoutRemoving) {
  auto queue = make();
  ASSERT_TRUE(queue->append({telemetry("a", 1), telemetry("b", 2)}));
  ASSERT_TRUE(queue->append({telemetry("a", 3)}));
  ASSERT_TRUE(queue->append({}));

  auto first = queue->peek(2, kAnyBytes);
  ASSERT_TRUE(first);
  EXPECT_EQ(numbers_of(*first), (std::vector<int>{1, 2}));
  EXPECT_EQ((*first)[0].record, telemetry("a", 1));
  EXPECT_LT((*first)[0].id, (*first)[1].id);

  auto again = queue->peek(10, kAnyBytes);
  ASSERT_TRUE(again);
  EXPECT_EQ(numbers_of(*again), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(queue->stats().records, 3u);

  auto none = queue->peek(0, kAnyBytes);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

// The uplink reads the next batch while earlier ones wait for their PUBACKs.
TEST_P(RecordQueueContract, PeekAfterAnIdReadsOnlyLaterRecords) {
  auto queue = make();
  ASSERT_TRUE(queue->append({telemetry("a", 1), telemetry("b", 2), telemetry("a", 3)}));
  ASSERT_TRUE(queue->append({telemetry("c", 4)}));
  auto first = queue->peek(2, kAnyBytes);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 2u);

  auto next = queue->peek_after(first->back().id, 10, kAnyBytes);
  ASSERT_TRUE(next);
  EXPECT_EQ(numbers_of(*next), (std::vector<int>{3, 4}));
  // The earlier records gone (their PUBACKs came) changes nothing for the ones after them.
  ASSERT_TRUE(queue->remove(ids_of(*first)));
  auto again = queue->peek_after(first->back().id, 1, kAnyBytes);
  ASSERT_TRUE(again);
  EXPECT_EQ(numbers_of(*again), (std::vector<int>{3}));
  auto past_the_end = queue->peek_after(next->back().id, 10, kAnyBytes);
  ASSERT_TRUE(past_the_end);
  EXPECT_TRUE(past_the_end->empty());
  auto from_the_start = queue->peek_after(RecordId{}, 10, kAnyBytes);
  ASSERT_TRUE(from_the_start);
  EXPECT_EQ(numbers_of(*from_the_start), (std::vector<int>{3, 4}));
}

TEST_P(RecordQueueContract, KeepsEveryFieldIncludingAttributesAndUtf8) {
  auto queue = make();
  const Record attributes{RecordKind::attributes, "Zähler Küche", Timestamp{},
                          "{\"firmware\":\"1.2\",\"quote\":\"\\\"\"}"};
  const Record with_nul{RecordKind::telemetry, "m", Timestamp(-5ms),
                        std::string("{\"a\0b\":1}", 10)};
  ASSERT_TRUE(queue->append({attributes, with_nul}));
  auto batch = queue->peek(10, kAnyBytes);
  ASSERT_TRUE(batch);
  ASSERT_EQ(batch->size(), 2u);
  EXPECT_EQ((*batch)[0].record, attributes);
  EXPECT_EQ((*batch)[1].record, with_nul);
  EXPECT_EQ(queue->stats().bytes, record_bytes(attributes) + record_bytes(with_nul));
}

TEST_P(RecordQueueContract, PeekStopsAtMaxBytesButAlwaysReturnsOneRecord) {
  auto queue = make();
  ASSERT_TRUE(queue->append({telemetry("a", 1), telemetry("a", 2), telemetry("a", 3)}));
  const std::uint64_t one = record_bytes(telemetry("a", 1));
  auto two = queue->peek(10, 2 * one + 1);
  ASSERT_TRUE(two);
  EXPECT_EQ(numbers_of(*two), (std::vector<int>{1, 2}));
  auto at_least_one = queue->peek(10, 1);
  ASSERT_TRUE(at_least_one);
  EXPECT_EQ(numbers_of(*at_least_one), (std::vector<int>{1}));
}

TEST_P(RecordQueueContract, RemoveDeletesOnlyGivenIdsAndIgnoresUnknownOnes) {
  auto queue = make();
  ASSERT_TRUE(queue->append({telemetry("a", 1), telemetry("b", 2), telemetry("a", 3)}));
  auto batch = queue->peek(10, kAnyBytes);
  ASSERT_TRUE(batch);
  const std::vector<RecordId> middle{(*batch)[1].id, RecordId{999'999}};
  ASSERT_TRUE(queue->remove(middle));
  ASSERT_TRUE(queue->remove(middle));  // a second PUBACK round for the same batch
  auto rest = queue->peek(10, kAnyBytes);
  ASSERT_TRUE(rest);
  EXPECT_EQ(numbers_of(*rest), (std::vector<int>{1, 3}));
  const auto stats = queue->stats();
  EXPECT_EQ(stats.records, 2u);
  EXPECT_EQ(stats.bytes, record_bytes(telemetry("a", 1)) + record_bytes(telemetry("a", 3)));
  EXPECT_EQ(stats.dropped_records, 0u);

  ASSERT_TRUE(queue->remove(ids_of(*rest)));
  EXPECT_EQ(queue->stats().records, 0u);
  EXPECT_EQ(queue->stats().bytes, 0u);
  EXPECT_FALSE(queue->stats().oldest_stored_at);
}

TEST_P(RecordQueueContract, IdsKeepIncreasingAfterTheQueueEmpties) {
  auto queue = make();
  ASSERT_TRUE(queue->append({telemetry("a", 1), telemetry("a", 2)}));
  auto first = queue->peek(10, kAnyBytes);
  ASSERT_TRUE(first);
  ASSERT_TRUE(queue->remove(ids_of(*first)));
  ASSERT_TRUE(queue->append({telemetry("a", 3)}));
  auto second = queue->peek(10, kAnyBytes);
  ASSERT_TRUE(second);
  ASSERT_EQ(second->size(), 1u);
  // A late PUBACK for an old id can never delete a new record.
  EXPECT_GT((*second)[0].id, first->back().id);
}

TEST_P(RecordQueueContract, MaxRecordsDropsOldestAndCountsThem) {
  auto queue = make(QueueLimits{.max_records = 3});
  ASSERT_TRUE(queue->append({telemetry("a", 1), telemetry("b", 2)}));
  ASSERT_TRUE(queue->append({telemetry("a", 3), telemetry("b", 4), telemetry("a", 5)}));
  auto batch = queue->peek(10, kAnyBytes);
  ASSERT_TRUE(batch);
  EXPECT_EQ(numbers_of(*batch), (std::vector<int>{3, 4, 5}));
  EXPECT_EQ(queue->stats().records, 3u);
  EXPECT_EQ(queue->stats().dropped_records, 2u);

  // A batch larger than the limit keeps its newest records.
  ASSERT_TRUE(
      queue->append({telemetry("c", 6), telemetry("c", 7), telemetry("c", 8), telemetry("c", 9)}));
  batch = queue->peek(10, kAnyBytes);
  ASSERT_TRUE(batch);
  EXPECT_EQ(numbers_of(*batch), (std::vector<int>{7, 8, 9}));
  EXPECT_EQ(queue->stats().dropped_records, 6u);
}

TEST_P(RecordQueueContract, MaxBytesDropsOldestAndCountsThem) {
  const std::uint64_t one = record_bytes(telemetry("a", 1));
  auto queue = make(QueueLimits{.max_bytes = 2 * one + 1});
  ASSERT_TRUE(queue->append({telemetry("a", 1), telemetry("a", 2)}));
  EXPECT_EQ(queue->stats().dropped_records, 0u);
  ASSERT_TRUE(queue->append({telemetry("a", 3)}));
  auto batch = queue->peek(10, kAnyBytes);
  ASSERT_TRUE(batch);
  EXPECT_EQ(numbers_of(*batch), (std::vector<int>{2, 3}));
  EXPECT_EQ(queue->stats().bytes, 2 * one);
  EXPECT_EQ(queue->stats().dropped_records, 1u);
}

TEST_P(RecordQueueContract, RefusesARecordLargerThanMaxBytesAndKeepsTheRest) {
  auto queue = make(QueueLimits{.max_bytes = 20});
  ASSERT_TRUE(queue->append({telemetry("a", 1)}));
  auto refused = queue->append(
      {telemetry("a", 2), Record{RecordKind::telemetry, "big", Timestamp{}, std::string(40, 'x')}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(refused.error().message.find("device 'big'"), std::string::npos);
  EXPECT_NE(refused.error().message.find("max_bytes=20"), std::string::npos);
  auto batch = queue->peek(10, kAnyBytes);
  ASSERT_TRUE(batch);
  EXPECT_EQ(numbers_of(*batch), (std::vector<int>{1}));  // all or nothing
  EXPECT_EQ(queue->stats().dropped_records, 0u);
}

TEST_P(RecordQueueContract, MaxAgeDropsExpiredRecordsOnPeekAndAppend) {
  auto queue = make(QueueLimits{.max_age = 1h});
  const Timestamp start = clock_.now;
  ASSERT_TRUE(queue->append({telemetry("a", 1)}));
  clock_.advance(30min);
  ASSERT_TRUE(queue->append({telemetry("a", 2)}));
  EXPECT_EQ(queue->stats().oldest_stored_at, start);

  clock_.advance(31min);  // record 1 is 61 min old, record 2 31 min
  auto batch = queue->peek(10, kAnyBytes);
  ASSERT_TRUE(batch);
  EXPECT_EQ(numbers_of(*batch), (std::vector<int>{2}));
  EXPECT_EQ(queue->stats().dropped_records, 1u);
  EXPECT_EQ(queue->stats().oldest_stored_at, start + 30min);

  clock_.advance(2h);
  ASSERT_TRUE(queue->append({telemetry("a", 3)}));
  EXPECT_EQ(queue->stats().dropped_records, 2u);
  EXPECT_EQ(queue->stats().records, 1u);
  EXPECT_EQ(queue->stats().oldest_stored_at, clock_.now);
}

TEST_P(RecordQueueContract, ExactlyAtTheLimitsNothingIsDropped) {
  const std::uint64_t one = record_bytes(telemetry("a", 1));
  auto queue = make(QueueLimits{.max_records = 2, .max_bytes = 2 * one, .max_age = 1h});
  ASSERT_TRUE(queue->append({telemetry("a", 1), telemetry("a", 2)}));
  clock_.advance(1h);
  auto batch = queue->peek(10, kAnyBytes);
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->size(), 2u);
  EXPECT_EQ(queue->stats().dropped_records, 0u);
}

// NTP setting the time of a board without a real-time clock: a step forward of days must not
// expire what waits to be sent, nor a step back keep records forever; ages count time that passed.
TEST_P(RecordQueueContract, AClockStepNeitherExpiresNorRejuvenatesRecords) {
  auto queue = make(QueueLimits{.max_age = 1h});
  ASSERT_TRUE(queue->append({telemetry("a", 1)}));
  clock_.advance(20min);
  clock_.now += 72h;  // the step
  ASSERT_TRUE(queue->append({telemetry("a", 2)}));
  clock_.advance(10min);  // record 1 is 30 min old, record 2 10 min
  auto batch = queue->peek(10, kAnyBytes);
  ASSERT_TRUE(batch);
  EXPECT_EQ(numbers_of(*batch), (std::vector<int>{1, 2}));
  EXPECT_EQ(queue->stats().dropped_records, 0u);
  // Its age is still 30 min, on the new clock.
  EXPECT_EQ(queue->stats().oldest_stored_at, clock_.now - 30min);

  clock_.now -= 72h;      // stepped back again
  clock_.advance(35min);  // record 1 is 65 min old, record 2 45 min
  batch = queue->peek(10, kAnyBytes);
  ASSERT_TRUE(batch);
  EXPECT_EQ(numbers_of(*batch), (std::vector<int>{2}));
  EXPECT_EQ(queue->stats().dropped_records, 1u);
}

TEST_P(RecordQueueContract, RemovingARecordDroppedWhileInFlightIsHarmless) {
  auto queue = make(QueueLimits{.max_records = 2});
  ASSERT_TRUE(queue->append({telemetry("a", 1), telemetry("a", 2)}));
  auto in_flight = queue->peek(10, kAnyBytes);
  ASSERT_TRUE(in_flight);
  ASSERT_TRUE(queue->append({telemetry("a", 3), telemetry("a", 4)}));  // drops 1 and 2
  ASSERT_TRUE(queue->remove(ids_of(*in_flight)));
  EXPECT_EQ(queue->stats().records, 2u);
  EXPECT_EQ(queue->stats().dropped_records, 2u);
}

// Dead letters (issue 15, item 3): a record set aside leaves the queue so that the rest flows,
// and re-queuing puts it back at its place; nothing is lost either way.
TEST_P(RecordQueueContract, RecordsSetAsideLeaveTheQueueAndRequeuingPutsThemBackInPlace) {
  auto queue = make();
  ASSERT_TRUE(queue->append({telemetry("a", 1), telemetry("b", 2), telemetry("a", 3)}));
  const auto all = queue->peek(10, kAnyBytes);
  ASSERT_TRUE(all);
  const std::uint64_t bytes = queue->stats().bytes;
  const std::vector<RecordId> second{(*all)[1].id};
  auto moved = queue->set_aside(second, "refused by the platform");
  ASSERT_TRUE(moved) << moved.error().message;
  EXPECT_EQ(*moved, 1U);
  EXPECT_EQ(numbers_of(*queue->peek(10, kAnyBytes)), (std::vector<int>{1, 3}));
  EXPECT_EQ(queue->stats().records, 2U);
  EXPECT_EQ(queue->stats().bytes, bytes - record_bytes((*all)[1].record));
  EXPECT_EQ(queue->stats().dead_letter_records, 1U);
  const auto letters = queue->dead_letters(10);
  ASSERT_TRUE(letters);
  ASSERT_EQ(letters->size(), 1U);
  EXPECT_EQ((*letters)[0].stored, (*all)[1]);
  EXPECT_EQ((*letters)[0].reason, "refused by the platform");
  // Setting aside an id that is not queued (any more) moves nothing.
  EXPECT_EQ(*queue->set_aside(second, "again"), 0U);

  const std::vector<RecordId> unknown{RecordId{999}};
  EXPECT_EQ(*queue->requeue(unknown), 0U);
  auto requeued = queue->requeue({});
  ASSERT_TRUE(requeued) << requeued.error().message;
  EXPECT_EQ(*requeued, 1U);
  EXPECT_EQ(*queue->peek(10, kAnyBytes), *all);  // same ids, same order
  EXPECT_EQ(queue->stats().records, 3U);
  EXPECT_EQ(queue->stats().bytes, bytes);
  EXPECT_EQ(queue->stats().dead_letter_records, 0U);
  EXPECT_TRUE(queue->dead_letters(10)->empty());

  // By id: only the ones named.
  ASSERT_TRUE(queue->set_aside(ids_of(*all), "all refused"));
  EXPECT_EQ(queue->stats().records, 0U);
  const std::vector<RecordId> first{(*all)[0].id};
  EXPECT_EQ(*queue->requeue(first), 1U);
  EXPECT_EQ(numbers_of(*queue->peek(10, kAnyBytes)), (std::vector<int>{1}));
  EXPECT_EQ(queue->stats().dead_letter_records, 2U);
}

INSTANTIATE_TEST_SUITE_P(
    AllQueues, RecordQueueContract,
    ::testing::Values(QueueFactory{"Memory",
                                   [](const std::filesystem::path&, QueueLimits limits,
                                      QueueClock clock, SteadyClock steady) {
                                     return std::unique_ptr<RecordQueue>(
                                         std::make_unique<MemoryQueue>(limits, std::move(clock),
                                                                       std::move(steady)));
                                   }},
                      QueueFactory{"Sqlite",
                                   [](const std::filesystem::path& dir, QueueLimits limits,
                                      QueueClock clock, SteadyClock steady) {
                                     SqliteQueueOptions options;
                                     options.limits = limits;
                                     options.clock = std::move(clock);
                                     options.steady_clock = std::move(steady);
                                     auto queue =
                                         SqliteQueue::open(dir / "queue.db", std::move(options));
                                     if (!queue) {
                                       ADD_FAILURE() << queue.error().message;
                                       return std::unique_ptr<RecordQueue>();
                                     }
                                     return std::unique_ptr<RecordQueue>(std::move(*queue));
                                   }},
                      QueueFactory{"SqliteSyncNormal",
                                   [](const std::filesystem::path& dir, QueueLimits limits,
                                      QueueClock clock, SteadyClock steady) {
                                     SqliteQueueOptions options;
                                     options.limits = limits;
                                     options.clock = std::move(clock);
                                     options.steady_clock = std::move(steady);
                                     options.sync = SyncPolicy::normal;
                                     options.checkpoint_interval = std::chrono::milliseconds(0);
                                     auto queue = SqliteQueue::open(
                                         dir / "sub" / "dir" / "queue.db", std::move(options));
                                     if (!queue) {
                                       ADD_FAILURE() << queue.error().message;
                                       return std::unique_ptr<RecordQueue>();
                                     }
                                     return std::unique_ptr<RecordQueue>(std::move(*queue));
                                   }}),
    queue_name);

}  // namespace
}  // namespace dlmsgw::gateway
