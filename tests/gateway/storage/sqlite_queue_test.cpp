// SqliteQueue beyond the common contract: persistence, crash safety, and every way opening or
// writing the file can fail without losing what was stored.

#include "gateway/storage/sqlite_queue.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gateway/storage/temp_directory.hpp"

namespace dlmsgw::gateway {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

Record numbered(int n, std::size_t payload_size = 0) {
  std::string payload = "{\"n\":" + std::to_string(n);
  if (payload_size > payload.size() + 10) {
    payload += ",\"pad\":\"" + std::string(payload_size - payload.size() - 10, 'x') + "\"";
  }
  payload += "}";
  return Record{RecordKind::telemetry, "meter-" + std::to_string(n % 3),
                Timestamp(std::chrono::milliseconds(n)), std::move(payload)};
}

int number_of(const StoredRecord& stored) {
  return static_cast<int>(stored.record.ts.time_since_epoch().count());
}

std::unique_ptr<SqliteQueue> open_or_fail(const fs::path& path, SqliteQueueOptions options = {}) {
  auto queue = SqliteQueue::open(path, std::move(options));
  if (!queue) {
    ADD_FAILURE() << queue.error().message;
    return nullptr;
  }
  return std::move(*queue);
}

std::vector<StoredRecord> peek_all(RecordQueue& queue) {
  auto batch = queue.peek(1'000'000, UINT64_MAX);
  if (!batch) {
    ADD_FAILURE() << batch.error().message;
    return {};
  }
  return std::move(*batch);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(SqliteQueue, ReopeningSeesEverythingCommittedWithTheSameIds) {
  testing::TempDirectory dir;
  const fs::path path = dir.path() / "queue.db";
  std::vector<StoredRecord> before;
  QueueStats stats_before;
  {
    auto queue = open_or_fail(path);
    ASSERT_TRUE(queue);
    ASSERT_TRUE(queue->append({numbered(1), numbered(2), numbered(3)}));
    ASSERT_TRUE(queue->append({numbered(4)}));
    const std::vector<RecordId> second{peek_all(*queue)[1].id};
    ASSERT_TRUE(queue->remove(second));
    before = peek_all(*queue);
    stats_before = queue->stats();
  }
  auto queue = open_or_fail(path);
  ASSERT_TRUE(queue);
  EXPECT_FALSE(queue->moved_aside());
  EXPECT_EQ(peek_all(*queue), before);
  const QueueStats stats = queue->stats();
  EXPECT_EQ(stats.records, 3u);
  EXPECT_EQ(stats.bytes, stats_before.bytes);
  EXPECT_EQ(stats.oldest_stored_at, stats_before.oldest_stored_at);
}

// Dead letters are kept in the database, across restarts, until re-queued.
TEST(SqliteQueue, DeadLettersAreKeptAcrossAReopen) {
  testing::TempDirectory dir;
  const fs::path path = dir.path() / "queue.db";
  std::vector<StoredRecord> before;
  {
    auto queue = open_or_fail(path);
    ASSERT_TRUE(queue);
    ASSERT_TRUE(queue->append({numbered(1), numbered(2), numbered(3)}));
    before = peek_all(*queue);
    const std::vector<RecordId> second{before[1].id};
    ASSERT_TRUE(queue->set_aside(second, "refused"));
  }
  auto queue = open_or_fail(path);
  ASSERT_TRUE(queue);
  EXPECT_EQ(queue->stats().records, 2U);
  EXPECT_EQ(queue->stats().dead_letter_records, 1U);
  const auto letters = queue->dead_letters(10);
  ASSERT_TRUE(letters);
  ASSERT_EQ(letters->size(), 1U);
  EXPECT_EQ((*letters)[0].stored, before[1]);
  EXPECT_EQ((*letters)[0].reason, "refused");
  ASSERT_TRUE(queue->requeue({}));
  EXPECT_EQ(peek_all(*queue), before);
}

// Before: the dead_letters table grew without bound (a platform refusing every message of a
// device for weeks filled the disk with them).
TEST(SqliteQueue, DeadLettersAreCappedTheOldestDroppedAndCounted) {
  testing::TempDirectory dir;
  SqliteQueueOptions options;
  options.max_dead_letters = 3;
  auto queue = open_or_fail(dir.path() / "queue.db", options);
  ASSERT_TRUE(queue);
  ASSERT_TRUE(queue->append({numbered(1), numbered(2), numbered(3), numbered(4), numbered(5)}));
  const auto all = peek_all(*queue);
  for (const auto& stored : all) {
    const std::vector<RecordId> one{stored.id};
    ASSERT_TRUE(queue->set_aside(one, "refused"));
  }
  EXPECT_EQ(queue->stats().dead_letter_records, 3U);
  EXPECT_EQ(queue->stats().dropped_records, 2U);
  const auto letters = queue->dead_letters(10);
  ASSERT_TRUE(letters);
  ASSERT_EQ(letters->size(), 3U);
  EXPECT_EQ((*letters)[0].stored.id, all[2].id);  // the two oldest gave way
}

TEST(SqliteQueue, IdsAreNeverReusedEvenAfterRemovingTheNewestAndReopening) {
  testing::TempDirectory dir;
  const fs::path path = dir.path() / "queue.db";
  RecordId last;
  {
    auto queue = open_or_fail(path);
    ASSERT_TRUE(queue);
    ASSERT_TRUE(queue->append({numbered(1), numbered(2)}));
    auto all = peek_all(*queue);
    last = all.back().id;
    const std::vector<RecordId> ids{all[0].id, all[1].id};
    ASSERT_TRUE(queue->remove(ids));
  }
  auto queue = open_or_fail(path);
  ASSERT_TRUE(queue);
  ASSERT_TRUE(queue->append({numbered(3)}));
  EXPECT_GT(peek_all(*queue).front().id, last);
}

// A child appends in a loop with SyncPolicy::full and reports each committed batch's last number
// through a pipe; it is killed with SIGKILL at a random moment. Every reported append must be there
// after reopening, in order, with no gaps (a batch committed but not yet reported may be there
// too).
TEST(SqliteQueue, KillMinus9LosesNothingThatWasCommitted) {
  std::random_device seed_source;
  const unsigned seed = seed_source();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);

  for (int round = 0; round < 3; ++round) {
    testing::TempDirectory dir;
    const fs::path path = dir.path() / "queue.db";
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      auto queue = SqliteQueue::open(path);
      if (!queue) ::_exit(2);
      for (int next = 0;;) {
        std::vector<Record> batch;
        for (int i = 0; i < 1 + next % 3; ++i) batch.push_back(numbered(next + i, 200));
        const int count = static_cast<int>(batch.size());
        if (!(*queue)->append(std::move(batch))) ::_exit(3);
        next += count;
        if (::write(fds[1], &next, sizeof next) != sizeof next) ::_exit(4);
      }
    }
    ::close(fds[1]);

    // Wait for some progress, then let the child run a random while longer.
    int reported = 0;
    while (reported < 30) {
      ASSERT_EQ(::read(fds[0], &reported, sizeof reported), static_cast<ssize_t>(sizeof reported));
    }
    // Meanwhile a second dlmsgw on the same file is refused, naming the holder.
    auto second = SqliteQueue::open(path);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, ErrorCode::rejected);
    EXPECT_TRUE(contains(second.error().message, "pid " + std::to_string(child)))
        << second.error().message;

    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(0, 50'000)(random)));
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    int value = 0;
    while (::read(fds[0], &value, sizeof value) == static_cast<ssize_t>(sizeof value)) {
      reported = value;
    }
    ::close(fds[0]);

    auto queue = open_or_fail(path);
    ASSERT_TRUE(queue);
    const auto all = peek_all(*queue);
    ASSERT_GE(static_cast<int>(all.size()), reported);
    EXPECT_LE(static_cast<int>(all.size()), reported + 3);  // at most one unreported batch
    for (std::size_t i = 0; i < all.size(); ++i) {
      ASSERT_EQ(number_of(all[i]), static_cast<int>(i)) << "gap or reordering at " << i;
      ASSERT_EQ(all[i].record, numbered(static_cast<int>(i), 200));
    }
    EXPECT_EQ(queue->stats().records, all.size());
  }
}

TEST(SqliteQueue, SecondOpenerInTheSameProcessIsRefusedUntilTheFirstCloses) {
  testing::TempDirectory dir;
  const fs::path path = dir.path() / "queue.db";
  auto first = open_or_fail(path);
  ASSERT_TRUE(first);
  auto second = SqliteQueue::open(path);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::rejected);
  const std::string& message = second.error().message;
  EXPECT_TRUE(contains(message, "queue.db.lock")) << message;
  EXPECT_TRUE(contains(message, "held by another dlmsgw (pid " + std::to_string(::getpid())))
      << message;
  first.reset();
  EXPECT_TRUE(open_or_fail(path));
}

TEST(SqliteQueue, CreatesMissingDirectories) {
  testing::TempDirectory dir;
  const fs::path path = dir.path() / "var" / "lib" / "dlmsgw" / "queue.db";
  auto queue = open_or_fail(path);
  ASSERT_TRUE(queue);
  EXPECT_TRUE(fs::exists(path));
  EXPECT_EQ(queue->path(), path);
}

TEST(SqliteQueue, DirectoryThatCannotBeCreatedGivesAClearError) {
  testing::TempDirectory dir;
  write_file(dir.path() / "plain-file", "x");
  const fs::path path = dir.path() / "plain-file" / "data" / "queue.db";
  auto queue = SqliteQueue::open(path);
  ASSERT_FALSE(queue);
  EXPECT_EQ(queue.error().code, ErrorCode::invalid_argument);
  const std::string& message = queue.error().message;
  EXPECT_TRUE(contains(message,
                       "cannot create directory '" + (dir.path() / "plain-file" / "data").string()))
      << message;
  EXPECT_TRUE(contains(message, path.string())) << message;
  EXPECT_TRUE(contains(message, "writable by the service user")) << message;
}

// Opens `path` as an unprivileged user (root writes anywhere, and tests may run as root) and
// returns the error message, or "opened" when it succeeded.
std::string open_error_as_unprivileged_user(const fs::path& path) {
  int fds[2];
  if (::pipe(fds) != 0) return "pipe failed";
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(fds[0]);
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(2);
    auto queue = SqliteQueue::open(path);
    const std::string message = queue ? "opened" : queue.error().message;
    const bool written =
        ::write(fds[1], message.data(), message.size()) == static_cast<ssize_t>(message.size());
    ::_exit(written ? 0 : 3);
  }
  ::close(fds[1]);
  std::string message;
  char buffer[512];
  ssize_t n = 0;
  while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0) {
    message.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  return message;
}

TEST(SqliteQueue, UnwritableDirectoryGivesAClearError) {
  testing::TempDirectory dir;
  const fs::path locked = dir.path() / "locked";
  fs::create_directory(locked);
  // Readable and enterable by all, writable by no one but its owner (and as the owner: by no one).
  fs::permissions(dir.path(),
                  fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                              fs::perms::group_exec | fs::perms::others_read |
                              fs::perms::others_exec);
  const std::string message = open_error_as_unprivileged_user(locked / "queue.db");
  fs::permissions(locked, fs::perms::owner_all);
  EXPECT_TRUE(contains(message, (locked / "queue.db").string())) << message;
  EXPECT_TRUE(contains(message, "Permission denied")) << message;
  EXPECT_TRUE(contains(message, "service user must be able to write to '" + locked.string()))
      << message;
}

TEST(SqliteQueue, AFileThatIsNotADatabaseIsMovedAsideAndANewQueueStarts) {
  testing::TempDirectory dir;
  const fs::path path = dir.path() / "queue.db";
  const std::string garbage(8192, '\x5a');
  write_file(path, garbage);
  fs::path first_aside;
  {
    auto queue = open_or_fail(path);
    ASSERT_TRUE(queue);
    ASSERT_TRUE(queue->moved_aside());
    first_aside = *queue->moved_aside();
    EXPECT_TRUE(first_aside.filename().string().starts_with("queue.db.corrupt-"));
    EXPECT_TRUE(read_file(first_aside) == garbage);  // kept for forensics
    ASSERT_TRUE(queue->append({numbered(1)}));
    EXPECT_EQ(peek_all(*queue).size(), 1u);
  }
  write_file(path, "not a database either, and too short to be one");
  auto queue = open_or_fail(path);
  ASSERT_TRUE(queue);
  ASSERT_TRUE(queue->moved_aside());
  EXPECT_NE(*queue->moved_aside(), first_aside);  // never overwrites an earlier one
  EXPECT_TRUE(fs::exists(first_aside));
}

TEST(SqliteQueue, ADatabaseWithDamagedPagesIsMovedAside) {
  testing::TempDirectory dir;
  const fs::path path = dir.path() / "queue.db";
  {
    auto queue = open_or_fail(path);
    ASSERT_TRUE(queue);
    std::vector<Record> batch;
    for (int n = 0; n < 200; ++n) batch.push_back(numbered(n, 300));
    ASSERT_TRUE(queue->append(std::move(batch)));
  }  // closing the last connection checkpoints the WAL into the file
  std::string bytes = read_file(path);
  ASSERT_GT(bytes.size(), 4u * 4096u);
  for (std::size_t i = 2 * 4096; i < 3 * 4096; ++i) bytes[i] = '\xff';  // page 3: garbage
  write_file(path, bytes);

  auto queue = open_or_fail(path);
  ASSERT_TRUE(queue);
  ASSERT_TRUE(queue->moved_aside());
  EXPECT_TRUE(read_file(*queue->moved_aside()) == bytes);
  EXPECT_EQ(queue->stats().records, 0u);
}

// Corruption that appears while the queue is open: pages of the file overwritten behind SQLite's
// back (a failing SD card, another program), found by the next statement.
TEST(SqliteQueue, CorruptionFoundWhileRunningMovesTheFileAsideAndKeepsTheAppendedRecords) {
  testing::TempDirectory dir;
  const fs::path path = dir.path() / "queue.db";
  auto queue = open_or_fail(path);
  ASSERT_TRUE(queue);
  std::vector<Record> batch;
  for (int n = 0; n < 200; ++n) batch.push_back(numbered(n, 300));
  ASSERT_TRUE(queue->append(std::move(batch)));
  const auto before = peek_all(*queue);
  ASSERT_EQ(before.size(), 200u);
  ASSERT_TRUE(queue->checkpoint());  // the records are in the database file itself now

  // Every page after the schema (page 1) and the sqlite_sequence/records roots: garbage.
  std::string bytes = read_file(path);
  ASSERT_GT(bytes.size(), 8u * 4096u);
  for (std::size_t i = 3 * 4096; i < bytes.size(); ++i) bytes[i] = '\xa5';
  {
    std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(3 * 4096);
    file.write(bytes.data() + 3 * 4096, static_cast<std::streamsize>(bytes.size() - 3 * 4096));
  }
  // Another connection changes the schema cookie: SQLite must drop its page cache and read the
  // file again, as it would after any other process's write.
  {
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(other, "PRAGMA schema_version = 4242", nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(other);
  }

  // The append hits the damage, the file goes aside, and the records land in a new database.
  ASSERT_TRUE(queue->append({numbered(1000), numbered(1001)}));
  ASSERT_TRUE(queue->moved_aside());
  const fs::path aside = *queue->moved_aside();
  EXPECT_TRUE(aside.filename().string().starts_with("queue.db.corrupt-")) << aside;
  EXPECT_TRUE(fs::exists(aside));
  const auto after = peek_all(*queue);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(number_of(after[0]), 1000);
  EXPECT_EQ(number_of(after[1]), 1001);
  // Ids continue above every id of the damaged file: an id the uplink still holds from it can
  // never remove a new record.
  EXPECT_GT(after[0].id, before.back().id);
  ASSERT_TRUE(queue->remove(std::vector<RecordId>{before.front().id, before.back().id}));
  EXPECT_EQ(queue->stats().records, 2u);
  EXPECT_EQ(queue->stats().dropped_records, 200u);

  // And the new database is a good one: it survives reopening.
  queue.reset();
  auto reopened = open_or_fail(path);
  ASSERT_TRUE(reopened);
  EXPECT_FALSE(reopened->moved_aside());
  EXPECT_EQ(peek_all(*reopened).size(), 2u);
}

TEST(SqliteQueue, ADatabaseOfAnotherApplicationIsLeftUntouched) {
  testing::TempDirectory dir;
  const fs::path path = dir.path() / "other.db";
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE invoices(id INTEGER PRIMARY KEY, amount REAL)",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  const std::string content = read_file(path);
  auto queue = SqliteQueue::open(path);
  ASSERT_FALSE(queue);
  EXPECT_EQ(queue.error().code, ErrorCode::rejected);
  EXPECT_TRUE(contains(queue.error().message, "another application")) << queue.error().message;
  EXPECT_TRUE(read_file(path) == content) << "the file was modified";
}

TEST(SqliteQueue, AQueueWrittenByANewerDlmsgwIsLeftUntouched) {
  testing::TempDirectory dir;
  const fs::path path = dir.path() / "queue.db";
  ASSERT_TRUE(open_or_fail(path));
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=2", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  auto queue = SqliteQueue::open(path);
  ASSERT_FALSE(queue);
  EXPECT_EQ(queue.error().code, ErrorCode::rejected);
  EXPECT_TRUE(contains(queue.error().message, "schema version 2, written by a newer dlmsgw"))
      << queue.error().message;
}

// max_page_count makes SQLite report a real SQLITE_FULL, through the same path as a full disk.
// At the disk's limit the queue keeps taking the newest records by dropping the oldest, counted as
// dropped, as max_records_count would (issue 15, item 5): a full disk never refuses new readings.
TEST(SqliteQueue, AtTheDisksLimitTheOldestMakeRoomForTheNewestAndAreCounted) {
  testing::TempDirectory dir;
  const fs::path path = dir.path() / "queue.db";
  SqliteQueueOptions options;
  options.max_page_count = 16;
  auto queue = open_or_fail(path, options);
  ASSERT_TRUE(queue);

  constexpr int kAppended = 1000;  // far more than 16 pages of 1000-byte records hold
  for (int next = 0; next < kAppended; next += 2) {
    auto result = queue->append({numbered(next, 1000), numbered(next + 1, 1000)});
    ASSERT_TRUE(result) << "record " << next << ": " << result.error().message;
  }
  const auto stats = queue->stats();
  EXPECT_GT(stats.dropped_records, 0U) << "the page limit never filled";
  EXPECT_EQ(stats.records + stats.dropped_records, static_cast<std::uint64_t>(kAppended));

  // What is left is the newest, complete and in order.
  auto all = peek_all(*queue);
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.size(), stats.records);
  EXPECT_EQ(number_of(all.back()), kAppended - 1);
  for (std::size_t i = 1; i < all.size(); ++i) {
    EXPECT_EQ(number_of(all[i]), number_of(all[i - 1]) + 1);
  }

  // The uplink delivers some: appends go on, and after a restart without the cap nothing is
  // missing.
  std::vector<RecordId> delivered;
  for (std::size_t i = 0; i < all.size() / 2; ++i) delivered.push_back(all[i].id);
  ASSERT_TRUE(queue->remove(delivered));
  ASSERT_TRUE(queue->append({numbered(kAppended, 1000), numbered(kAppended + 1, 1000)}));
  all = peek_all(*queue);
  EXPECT_EQ(number_of(all.back()), kAppended + 1);
  queue.reset();
  queue = open_or_fail(path);
  ASSERT_TRUE(queue);
  EXPECT_EQ(peek_all(*queue).size(), all.size());
}

// A record that cannot fit even into an empty queue is still refused, naming real settings.
TEST(SqliteQueue, ARecordTooLargeForTheDiskIsRefusedNamingTheSettingsToChange) {
  testing::TempDirectory dir;
  const fs::path path = dir.path() / "queue.db";
  SqliteQueueOptions options;
  options.max_page_count = 16;
  auto queue = open_or_fail(path, options);
  ASSERT_TRUE(queue);
  ASSERT_TRUE(queue->append({numbered(0, 1000)}));
  auto result = queue->append({numbered(1, 200000)});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::out_of_range);
  EXPECT_TRUE(contains(result.error().message, path.string())) << result.error().message;
  EXPECT_TRUE(contains(result.error().message, "storage.max_records_count"))
      << result.error().message;
  EXPECT_FALSE(contains(result.error().message, "max_bytes")) << result.error().message;
}

// Dropping the oldest makes room only up to a bound: a record that would not fit even after that
// is refused, and the queue it could never join is not emptied for it.
TEST(SqliteQueue, ARecordThatNeverFitsDoesNotEmptyTheQueue) {
  testing::TempDirectory dir;
  const fs::path path = dir.path() / "queue.db";
  SqliteQueueOptions options;
  options.max_page_count = 32;
  auto queue = open_or_fail(path, options);
  ASSERT_TRUE(queue);
  for (int next = 0; next < 60; ++next) ASSERT_TRUE(queue->append({numbered(next, 200)}));
  const auto before = queue->stats();
  ASSERT_EQ(before.records, 60U);
  auto result = queue->append({numbered(60, 400000)});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::out_of_range);
  const auto after = queue->stats();
  EXPECT_GE(after.records, 40U) << "dropped " << after.dropped_records << " for nothing";
  EXPECT_EQ(after.records + after.dropped_records, 60U);
  // What is left is still the newest, in order, and the queue keeps taking records that fit.
  ASSERT_TRUE(queue->append({numbered(61, 200)}));
  auto all = peek_all(*queue);
  EXPECT_EQ(number_of(all.back()), 61);
}

TEST(SqliteQueue, SyncNormalCommitsSurviveReopeningAndCheckpointWorks) {
  testing::TempDirectory dir;
  const fs::path path = dir.path() / "queue.db";
  SqliteQueueOptions options;
  options.sync = SyncPolicy::normal;
  {
    auto queue = open_or_fail(path, options);
    ASSERT_TRUE(queue);
    ASSERT_TRUE(queue->append({numbered(1), numbered(2)}));
    ASSERT_TRUE(queue->checkpoint());
    ASSERT_TRUE(queue->append({numbered(3)}));
  }
  auto queue = open_or_fail(path, options);
  ASSERT_TRUE(queue);
  EXPECT_EQ(peek_all(*queue).size(), 3u);
}

TEST(SqliteQueue, APathWithoutAFileNameIsRefused) {
  auto queue = SqliteQueue::open("");
  ASSERT_FALSE(queue);
  EXPECT_EQ(queue.error().code, ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace dlmsgw::gateway
