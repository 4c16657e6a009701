#include "gateway/storage/sqlite_queue.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "gateway/component_logger.hpp"
#include "gateway/storage/lock_file.hpp"

namespace dlmsgw::gateway {
namespace {

// This file's log lines belong to the "storage" component (tb_gateway.yaml logging.levels).
std::shared_ptr<spdlog::logger> sqlite_log() {
  return component_logger("storage");
}

}  // namespace

namespace {

namespace fs = std::filesystem;

// 'dlmq': marks the file as a dlmsgw queue so that a database of another application is refused.
constexpr int kApplicationId = 0x646c6d71;
constexpr int kSchemaVersion = 1;

// Records a full disk may always drop for one append: deleting frees whole pages only once every
// row on them is gone, so a few records may free nothing.
constexpr std::uint64_t kMinRoomForAFullDisk = 16;

// Bytes as record_bytes() counts them; CAST to BLOB because length() of TEXT counts characters.
constexpr const char* kRowBytes = "length(CAST(device AS BLOB)) + length(CAST(payload AS BLOB))";

struct ConnectionCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Connection = std::unique_ptr<sqlite3, ConnectionCloser>;

struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

// Resets a statement when a use of it ends, whatever the path out, so it holds no read lock.
class ResetOnExit {
 public:
  explicit ResetOnExit(sqlite3_stmt* statement) : statement_(statement) {}
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;
  ~ResetOnExit() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }

 private:
  sqlite3_stmt* statement_;
};

bool is_corruption(int rc) {
  const int primary = rc & 0xff;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

std::int64_t to_millis(Timestamp ts) {
  return ts.time_since_epoch().count();
}
Timestamp from_millis(std::int64_t ms) {
  return Timestamp(std::chrono::milliseconds(ms));
}

}  // namespace

struct SqliteQueue::Impl {
  fs::path path;
  SqliteQueueOptions options;
  LockFile lock;
  Connection db;
  std::optional<fs::path> moved_aside;
  // A statement reported SQLITE_CORRUPT/NOTADB: the operation is retried on a fresh database.
  mutable bool corruption_seen = false;
  // The highest id ever given: a fresh database after corruption continues above it, so that ids
  // the uplink holds from the damaged one never name a new record.
  std::int64_t max_id = 0;

  Statement begin, commit, rollback;
  Statement insert, select_batch, scan_head, delete_through, select_size, delete_one, oldest;
  Statement select_device_batch;  // prepared by the first peek_device_after

  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
  std::uint64_t dropped = 0;
  std::optional<Timestamp> oldest_stored_at;
  std::uint64_t dead_letter_records = 0;
  std::chrono::steady_clock::time_point last_checkpoint = std::chrono::steady_clock::now();
  ClockStepDetector steps{options.steady_clock};
  std::chrono::milliseconds unapplied_step{0};  // a clock step not yet applied to stored_at

  Impl(fs::path p, SqliteQueueOptions o, LockFile l)
      : path(std::move(p)), options(std::move(o)), lock(std::move(l)) {}

  // Statements before the connection: sqlite3_close_v2 would otherwise defer the close.
  ~Impl() { close_connection(); }

  // An error naming the file, what failed, SQLite's words, and what the operator can do.
  [[nodiscard]] Error failure(int rc, std::string_view action) const {
    if (is_corruption(rc)) corruption_seen = true;
    std::string message = "storage '" + path.string() + "': " + std::string(action) + ": ";
    message += db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc);
    ErrorCode code = ErrorCode::rejected;
    switch (rc & 0xff) {
      case SQLITE_FULL:
        code = ErrorCode::out_of_range;
        message += "; the disk holding '" + path.parent_path().string() +
                   "' is full (or the database reached its page limit) and dropping the "
                   "oldest records made no room: free space, or lower "
                   "storage.max_records_count or storage.messages_ttl_in_days so that the queue "
                   "stays below what the disk holds; records already stored are kept";
        break;
      case SQLITE_READONLY:
      case SQLITE_CANTOPEN:
      case SQLITE_PERM:
        message += "; the service user must be able to write '" + path.string() + "' and '" +
                   path.parent_path().string() + "'";
        break;
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        message += "; another process holds the database (an sqlite3 shell?): close it";
        break;
      case SQLITE_CORRUPT:
      case SQLITE_NOTADB:
        code = ErrorCode::malformed;
        message += "; the damaged file is moved aside and a new one started";
        break;
      case SQLITE_IOERR:
        message += "; the disk reported an I/O error: check it (dmesg)";
        break;
      default:
        break;
    }
    return make_error(code, std::move(message));
  }

  Expected<void> exec(const char* sql, std::string_view action) {
    const int rc = sqlite3_exec(db.get(), sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return failure(rc, action);
    return {};
  }

  Expected<Statement> prepare(const std::string& sql) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db.get(), sql.c_str(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    if (rc != SQLITE_OK) return failure(rc, "preparing '" + sql + "'");
    return Statement(raw);
  }

  // Runs a statement that returns one integer row (a pragma or an aggregate).
  Expected<std::int64_t> query_int(const std::string& sql) {
    DLMSGW_TRY_ASSIGN(Statement statement, prepare(sql));
    const int rc = sqlite3_step(statement.get());
    if (rc != SQLITE_ROW) return failure(rc, "running '" + sql + "'");
    return sqlite3_column_int64(statement.get(), 0);
  }

  Expected<void> open_connection() {
    sqlite3* raw = nullptr;
    const int rc =
        sqlite3_open_v2(path.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    db.reset(raw);
    if (rc != SQLITE_OK) {
      Error error = failure(rc, "opening the database");
      db.reset();
      return error;
    }
    sqlite3_extended_result_codes(db.get(), 1);
    sqlite3_busy_timeout(db.get(), static_cast<int>(options.busy_timeout.count()));
    return {};
  }

  // SQLITE_CORRUPT/NOTADB (or a quick_check finding) -> true; other failures (I/O, permissions,
  // busy) are errors, not corruption: such a file must not be moved aside.
  Expected<bool> is_damaged() {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db.get(), "PRAGMA quick_check", -1, &raw, nullptr);
    Statement statement(raw);
    if (is_corruption(rc)) return true;
    if (rc != SQLITE_OK) return failure(rc, "checking the database");
    rc = sqlite3_step(statement.get());
    if (is_corruption(rc)) return true;
    if (rc != SQLITE_ROW) return failure(rc, "checking the database");
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement.get(), 0));
    return text == nullptr || std::string_view(text) != "ok";
  }

  // <path>.corrupt-<UTC time>[-n]: when it happened, for the operator looking at the logs.
  [[nodiscard]] fs::path aside_name() const {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&now, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
    for (int n = 1;; ++n) {
      fs::path target = path;
      target += ".corrupt-" + std::string(stamp) + (n == 1 ? "" : "-" + std::to_string(n));
      std::error_code ec;
      if (!fs::exists(target, ec) && !ec) return target;
    }
  }

  Expected<void> move_damaged_aside() {
    close_connection();
    const fs::path target = aside_name();
    std::error_code ec;
    fs::rename(path, target, ec);
    if (ec) {
      return make_error(ErrorCode::rejected, "storage '" + path.string() +
                                                 "' is damaged and cannot be moved aside to '" +
                                                 target.string() + "': " + ec.message() +
                                                 "; move or delete it by hand");
    }
    // The WAL belongs with its database (it may hold the newest commits); the -shm is rebuilt.
    for (const char* suffix : {"-wal", "-shm"}) {
      fs::path from = path;
      from += suffix;
      fs::path to = target;
      to += suffix;
      if (fs::exists(from, ec)) fs::rename(from, to, ec);
    }
    moved_aside = target;
    return {};
  }

  void close_connection() {
    for (Statement* s :
         {&begin, &commit, &rollback, &insert, &select_batch, &scan_head, &delete_through,
          &select_size, &delete_one, &oldest, &select_device_batch}) {
      s->reset();
    }
    db.reset();
  }

  // Corruption found while running: the damaged file goes aside, a fresh queue takes its place
  // and the caller retries its operation there. What the damaged file held is lost to the queue
  // (counted as dropped) but kept on disk for recovery by hand.
  Expected<void> recover_from_corruption(std::string_view action) {
    corruption_seen = false;
    DLMSGW_TRY(move_damaged_aside());
    DLMSGW_TRY(open_connection());
    DLMSGW_TRY(configure());
    DLMSGW_TRY(prepare_statements());
    const std::string seed =
        "INSERT INTO sqlite_sequence(name, seq) VALUES('records', " + std::to_string(max_id) + ")";
    DLMSGW_TRY(exec(seed.c_str(), "continuing the record ids"));
    sqlite_log()->error(
        "storage '{}': the database is corrupt (found while {}); moved it aside to '{}' (with its "
        "-wal and -shm) and started a new one. Its {} records will not be sent: recover them from "
        "that file by hand if they matter (and its {} dead letters)",
        path.string(), action, moved_aside->string(), records, dead_letter_records);
    // Dead letters in the damaged file are lost to the gateway just as its records are.
    dropped += records + dead_letter_records;
    records = 0;
    bytes = 0;
    oldest_stored_at.reset();
    dead_letter_records = 0;
    return {};
  }

  Expected<void> configure() {
    DLMSGW_TRY_ASSIGN(const std::int64_t tables,
                      query_int("SELECT count(*) FROM sqlite_master WHERE type='table'"));
    DLMSGW_TRY_ASSIGN(const std::int64_t application_id, query_int("PRAGMA application_id"));
    if (tables != 0 && application_id != kApplicationId) {
      return make_error(ErrorCode::rejected,
                        "storage '" + path.string() +
                            "' is a SQLite database of another application; dlmsgw leaves it "
                            "untouched: point the storage file elsewhere");
    }
    // Only now, knowing the file is ours or new, change its journal mode.
    // journal_mode answers with the mode in force: anything but "wal" means WAL is unavailable.
    {
      DLMSGW_TRY_ASSIGN(Statement statement, prepare("PRAGMA journal_mode=WAL"));
      const int rc = sqlite3_step(statement.get());
      if (rc != SQLITE_ROW) return failure(rc, "enabling WAL mode");
      const auto* mode = reinterpret_cast<const char*>(sqlite3_column_text(statement.get(), 0));
      if (mode == nullptr || std::string_view(mode) != "wal") {
        return make_error(ErrorCode::rejected,
                          "storage '" + path.string() +
                              "': the file system does not support SQLite's WAL mode (journal "
                              "mode stayed '" +
                              std::string(mode ? mode : "?") +
                              "'); put the storage file on a local disk");
      }
    }
    DLMSGW_TRY(exec(
        options.sync == SyncPolicy::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
        "setting the sync policy"));
    if (options.max_page_count != 0) {
      const std::string pragma = "PRAGMA max_page_count=" + std::to_string(options.max_page_count);
      DLMSGW_TRY(query_int(pragma));
    }

    if (tables == 0) {
      const std::string create =
          "BEGIN IMMEDIATE;"
          "CREATE TABLE records(id INTEGER PRIMARY KEY AUTOINCREMENT,"
          " kind INTEGER NOT NULL, device TEXT NOT NULL, ts INTEGER NOT NULL,"
          " stored_at INTEGER NOT NULL, payload TEXT NOT NULL);"
          "PRAGMA application_id=" +
          std::to_string(kApplicationId) +
          ";"
          "PRAGMA user_version=" +
          std::to_string(kSchemaVersion) +
          ";"
          "COMMIT";
      const Expected<void> created = exec(create.c_str(), "creating the queue table");
      if (!created) {
        if (sqlite3_get_autocommit(db.get()) == 0) {
          sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
        }
        return created.error();
      }
    } else {
      DLMSGW_TRY_ASSIGN(const std::int64_t version, query_int("PRAGMA user_version"));
      if (version > kSchemaVersion) {
        return make_error(ErrorCode::rejected,
                          "storage '" + path.string() + "' has schema version " +
                              std::to_string(version) +
                              ", written by a newer dlmsgw (this one "
                              "reads version " +
                              std::to_string(kSchemaVersion) +
                              "); upgrade dlmsgw or point the storage file elsewhere");
      }
    }
    // Dead letters (dead_letter.hpp): added beside `records` without a schema change, so that a
    // database written by this version still opens with an older dlmsgw (which ignores it).
    DLMSGW_TRY(
        exec("CREATE TABLE IF NOT EXISTS dead_letters(id INTEGER PRIMARY KEY,"
             " kind INTEGER NOT NULL, device TEXT NOT NULL, ts INTEGER NOT NULL,"
             " stored_at INTEGER NOT NULL, payload TEXT NOT NULL,"
             " set_aside_at INTEGER NOT NULL, reason TEXT NOT NULL)",
             "creating the dead letter table"));
    return {};
  }

  Expected<void> prepare_statements() {
    const std::string bytes_expr = kRowBytes;
    DLMSGW_TRY_ASSIGN(begin, prepare("BEGIN IMMEDIATE"));
    DLMSGW_TRY_ASSIGN(commit, prepare("COMMIT"));
    DLMSGW_TRY_ASSIGN(rollback, prepare("ROLLBACK"));
    DLMSGW_TRY_ASSIGN(insert, prepare("INSERT INTO records(kind, device, ts, stored_at, payload) "
                                      "VALUES (?1, ?2, ?3, ?4, ?5)"));
    DLMSGW_TRY_ASSIGN(select_batch,
                      prepare("SELECT id, kind, device, ts, payload FROM records WHERE id > ?2 "
                              "ORDER BY id LIMIT ?1"));
    DLMSGW_TRY_ASSIGN(scan_head,
                      prepare("SELECT id, stored_at, " + bytes_expr + " FROM records ORDER BY id"));
    DLMSGW_TRY_ASSIGN(delete_through, prepare("DELETE FROM records WHERE id <= ?1"));
    DLMSGW_TRY_ASSIGN(select_size, prepare("SELECT " + bytes_expr + " FROM records WHERE id = ?1"));
    DLMSGW_TRY_ASSIGN(delete_one, prepare("DELETE FROM records WHERE id = ?1"));
    DLMSGW_TRY_ASSIGN(oldest, prepare("SELECT stored_at FROM records ORDER BY id LIMIT 1"));
    return {};
  }

  Expected<void> load_counters() {
    DLMSGW_TRY_ASSIGN(const std::int64_t count, query_int("SELECT count(*) FROM records"));
    DLMSGW_TRY_ASSIGN(const std::int64_t total, query_int(std::string("SELECT coalesce(sum(") +
                                                          kRowBytes + "), 0) FROM records"));
    records = static_cast<std::uint64_t>(count);
    bytes = static_cast<std::uint64_t>(total);
    DLMSGW_TRY_ASSIGN(max_id, query_int("SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE "
                                        "name = 'records'"));
    DLMSGW_TRY_ASSIGN(oldest_stored_at, read_oldest());
    DLMSGW_TRY_ASSIGN(const std::int64_t letters, query_int("SELECT count(*) FROM dead_letters"));
    dead_letter_records = static_cast<std::uint64_t>(letters);
    return {};
  }

  // The stored size of record `key`, or nothing when it is gone (removed or dropped already).
  Expected<std::optional<std::uint64_t>> record_size(std::int64_t key, std::string_view action) {
    ResetOnExit reset(select_size.get());
    sqlite3_bind_int64(select_size.get(), 1, key);
    const int rc = sqlite3_step(select_size.get());
    if (rc == SQLITE_DONE) return std::optional<std::uint64_t>();
    if (rc != SQLITE_ROW) return failure(rc, action);
    return std::optional<std::uint64_t>(
        static_cast<std::uint64_t>(sqlite3_column_int64(select_size.get(), 0)));
  }

  Expected<std::optional<Timestamp>> read_oldest() {
    ResetOnExit reset(oldest.get());
    const int rc = sqlite3_step(oldest.get());
    if (rc == SQLITE_DONE) return std::optional<Timestamp>();
    if (rc != SQLITE_ROW) return failure(rc, "reading the oldest record");
    return std::optional<Timestamp>(from_millis(sqlite3_column_int64(oldest.get(), 0)));
  }

  Expected<void> step_done(sqlite3_stmt* statement, std::string_view action) {
    ResetOnExit reset(statement);
    const int rc = sqlite3_step(statement);
    if (rc != SQLITE_DONE) return failure(rc, action);
    return {};
  }

  // Runs body inside BEGIN IMMEDIATE .. COMMIT; on any failure rolls back (unless SQLite already
  // did, as it may for SQLITE_FULL) so that nothing of the body remains.
  template <class Body>
  Expected<void> transaction(std::string_view action, Body&& body) {
    DLMSGW_TRY(step_done(begin.get(), action));
    Expected<void> result = body();
    if (result) result = step_done(commit.get(), action);
    if (!result && sqlite3_get_autocommit(db.get()) == 0) {
      [[maybe_unused]] auto ignored = step_done(rollback.get(), "rolling back");
    }
    return result;
  }

  struct Head {
    std::uint64_t records;
    std::uint64_t bytes;
    std::uint64_t dropped = 0;
  };

  // Within a transaction: deletes the oldest rows while the queue is over a limit or they are older
  // than max_age. `head` holds the counts as they would be after the transaction.
  Expected<void> drop_oldest(Head& head, Timestamp now) {
    const QueueLimits& limits = options.limits;
    const bool ages = limits.max_age.count() > 0;
    const std::int64_t cutoff = to_millis(now - limits.max_age);
    std::int64_t last_dropped = 0;
    {
      ResetOnExit reset(scan_head.get());
      for (;;) {
        const bool over = (limits.max_records != 0 && head.records > limits.max_records) ||
                          (limits.max_bytes != 0 && head.bytes > limits.max_bytes);
        if (!over && !ages) break;
        const int rc = sqlite3_step(scan_head.get());
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) return failure(rc, "finding the oldest records to drop");
        const bool expired = ages && sqlite3_column_int64(scan_head.get(), 1) < cutoff;
        if (!over && !expired) break;
        last_dropped = sqlite3_column_int64(scan_head.get(), 0);
        --head.records;
        head.bytes -= static_cast<std::uint64_t>(sqlite3_column_int64(scan_head.get(), 2));
        ++head.dropped;
      }
    }
    if (head.dropped == 0) return {};
    sqlite3_bind_int64(delete_through.get(), 1, last_dropped);
    return step_done(delete_through.get(), "dropping the oldest records");
  }

  // A full disk (SQLITE_FULL) must not refuse the newest readings while the oldest stay: drops
  // the `count` oldest records in a transaction of its own (deleting frees pages SQLite reuses,
  // and its WAL pages once checkpointed), counted as dropped like any other limit.
  Expected<void> make_room(std::uint64_t count) {
    Head head{records, bytes};
    std::optional<Timestamp> new_oldest;
    // Not DLMSGW_TRY around the transaction: its variable would be in scope in the lambda's.
    const auto made_room =
        transaction("dropping the oldest records for a full disk", [&]() -> Expected<void> {
          std::int64_t last_dropped = 0;
          {
            ResetOnExit reset(scan_head.get());
            while (head.dropped < count) {
              const int rc = sqlite3_step(scan_head.get());
              if (rc == SQLITE_DONE) break;
              if (rc != SQLITE_ROW) return failure(rc, "finding the oldest records to drop");
              last_dropped = sqlite3_column_int64(scan_head.get(), 0);
              --head.records;
              head.bytes -= static_cast<std::uint64_t>(sqlite3_column_int64(scan_head.get(), 2));
              ++head.dropped;
            }
          }
          if (head.dropped == 0) return {};
          sqlite3_bind_int64(delete_through.get(), 1, last_dropped);
          DLMSGW_TRY(step_done(delete_through.get(), "dropping the oldest records"));
          DLMSGW_TRY_ASSIGN(new_oldest, read_oldest());
          return {};
        });
    if (!made_room) return made_room;
    apply(head, new_oldest);
    // Pages of the WAL are reused only after a checkpoint: without one, a full disk stays full.
    [[maybe_unused]] auto checkpointed = exec("PRAGMA wal_checkpoint(TRUNCATE)", "checkpointing");
    return {};
  }

  void apply(const Head& head, std::optional<Timestamp> new_oldest) {
    records = head.records;
    bytes = head.bytes;
    dropped += head.dropped;
    oldest_stored_at = new_oldest;
  }

  // The wall clock now. When it stepped since the last look, every record's stored_at moves by the
  // same step first, so that ages count time that passed, not time the clock jumped.
  Expected<Timestamp> wall_now() {
    const Timestamp wall = options.clock();
    const auto step = steps.observe(wall);
    if (step.count() != 0) {
      sqlite_log()->warn(
          "storage '{}': the system clock stepped by {} s; record ages keep counting from before "
          "the step, so no record expires because of it",
          path.string(), step.count() / 1000);
      unapplied_step += step;
    }
    if (unapplied_step.count() != 0) {
      if (records > 0) {
        const std::string shift =
            "UPDATE records SET stored_at = stored_at + " + std::to_string(unapplied_step.count());
        DLMSGW_TRY(transaction("following a clock step",
                               [&] { return exec(shift.c_str(), "following a clock step"); }));
        if (oldest_stored_at) *oldest_stored_at += unapplied_step;
      }
      unapplied_step = std::chrono::milliseconds(0);
    }
    return wall;
  }

  Expected<void> maybe_checkpoint() {
    if (options.sync != SyncPolicy::normal) return {};
    const auto now = std::chrono::steady_clock::now();
    if (now - last_checkpoint < options.checkpoint_interval) return {};
    last_checkpoint = now;
    return exec("PRAGMA wal_checkpoint(PASSIVE)", "checkpointing");
  }
};

Expected<void> SqliteQueue::check_location(const std::filesystem::path& path) {
  if (path.empty() || !path.has_filename() || fs::is_directory(path)) {
    return make_error(ErrorCode::invalid_argument,
                      "storage file path '" + path.string() + "' does not name a file");
  }
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (fs::exists(status)) {
    if (!fs::is_regular_file(status)) {
      return make_error(ErrorCode::invalid_argument,
                        "storage file '" + path.string() + "' exists and is not a regular file");
    }
    if (::access(path.c_str(), R_OK | W_OK) != 0) {
      return make_error(ErrorCode::invalid_argument,
                        "storage file '" + path.string() + "' cannot be written: " +
                            std::strerror(errno) + "; make it writable by the service user");
    }
  }
  // The directory, or the nearest part of it that exists (open() creates the rest), must be a
  // directory SQLite may create files in (the database, its WAL and lock files).
  const fs::path wanted = path.has_parent_path() ? path.parent_path() : fs::path(".");
  fs::path directory = wanted;
  while (!fs::exists(directory, ec) && directory.has_parent_path() &&
         directory != directory.parent_path()) {
    directory = directory.parent_path();
  }
  if (!fs::is_directory(directory, ec)) {
    return make_error(ErrorCode::invalid_argument,
                      "cannot create directory '" + wanted.string() + "' for storage '" +
                          path.string() + "': '" + directory.string() +
                          "' is not a directory; create it writable by the service user or "
                          "choose another path");
  }
  if (::access(directory.c_str(), W_OK | X_OK) != 0) {
    return make_error(ErrorCode::invalid_argument,
                      "storage '" + path.string() + "': cannot write to directory '" +
                          directory.string() + "': " + std::strerror(errno) +
                          "; the service user must be able to write to '" + directory.string() +
                          "' (or choose another path)");
  }
  return {};
}

Expected<std::unique_ptr<SqliteQueue>> SqliteQueue::open(const std::filesystem::path& path,
                                                         SqliteQueueOptions options) {
  DLMSGW_TRY(check_location(path));
  const fs::path directory = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code ec;
  fs::create_directories(directory, ec);
  if (ec || !fs::is_directory(directory)) {
    return make_error(ErrorCode::invalid_argument,
                      "cannot create directory '" + directory.string() + "' for storage '" +
                          path.string() + "': " + (ec ? ec.message() : "not a directory") +
                          "; create it writable by the service user or choose another path");
  }
  fs::path lock_path = path;
  lock_path += ".lock";
  auto lock = LockFile::acquire(lock_path);
  if (!lock) return lock.error().with_context("storage '" + path.string() + "'");

  auto impl = std::make_unique<Impl>(path, std::move(options), std::move(*lock));
  DLMSGW_TRY(impl->open_connection());
  DLMSGW_TRY_ASSIGN(const bool damaged, impl->is_damaged());
  if (damaged) {
    DLMSGW_TRY(impl->move_damaged_aside());
    DLMSGW_TRY(impl->open_connection());
  }
  DLMSGW_TRY(impl->configure());
  DLMSGW_TRY(impl->prepare_statements());
  DLMSGW_TRY(impl->load_counters());
  return std::unique_ptr<SqliteQueue>(new SqliteQueue(std::move(impl)));
}

SqliteQueue::SqliteQueue(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteQueue::~SqliteQueue() = default;

template <class Operation>
auto SqliteQueue::with_recovery(std::string_view action, Operation operation)
    -> decltype(operation()) {
  auto result = operation();
  if (result || !impl_->corruption_seen) return result;
  DLMSGW_TRY(impl_->recover_from_corruption(action));
  return operation();
}

Expected<void> SqliteQueue::append(std::vector<Record> records) {
  return with_recovery("appending", [&] { return append_once(records); });
}

Expected<std::vector<StoredRecord>> SqliteQueue::peek_after(RecordId after, std::size_t max_records,
                                                            std::uint64_t max_bytes) {
  return with_recovery("reading", [&] { return peek_once(after, max_records, max_bytes); });
}

Expected<std::vector<StoredRecord>> SqliteQueue::peek_device_after(const std::string& device,
                                                                   RecordId after,
                                                                   std::size_t max_records,
                                                                   std::uint64_t max_bytes) {
  return with_recovery("reading",
                       [&] { return peek_once(after, max_records, max_bytes, &device); });
}

Expected<std::map<std::string, std::uint64_t>> SqliteQueue::device_counts() {
  return with_recovery("counting", [&]() -> Expected<std::map<std::string, std::uint64_t>> {
    Impl& q = *impl_;
    DLMSGW_TRY_ASSIGN(Statement statement,
                      q.prepare("SELECT device, count(*) FROM records GROUP BY device"));
    std::map<std::string, std::uint64_t> counts;
    for (;;) {
      const int rc = sqlite3_step(statement.get());
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return q.failure(rc, "counting the records of each device");
      const auto* device = reinterpret_cast<const char*>(sqlite3_column_text(statement.get(), 0));
      counts[device != nullptr ? device : ""] =
          static_cast<std::uint64_t>(sqlite3_column_int64(statement.get(), 1));
    }
    return counts;
  });
}

Expected<void> SqliteQueue::remove(std::span<const RecordId> ids) {
  return with_recovery("removing", [&] { return remove_once(ids); });
}

Expected<void> SqliteQueue::append_once(const std::vector<Record>& records) {
  if (records.empty()) return {};
  Impl& q = *impl_;
  for (const Record& record : records) {
    if (q.options.limits.max_bytes != 0 && record_bytes(record) > q.options.limits.max_bytes) {
      return make_error(ErrorCode::invalid_argument,
                        "record of device '" + record.device + "' has " +
                            std::to_string(record_bytes(record)) +
                            " bytes, more than the storage limit max_bytes=" +
                            std::to_string(q.options.limits.max_bytes));
    }
  }
  DLMSGW_TRY_ASSIGN(const Timestamp now, q.wall_now());
  auto committed = insert_once(records, now);
  if (committed || committed.error().code != ErrorCode::out_of_range) return committed;
  // The WAL's pages count on the disk too, and the deletes below need some of it: give them back.
  [[maybe_unused]] auto checkpointed = q.exec("PRAGMA wal_checkpoint(TRUNCATE)", "checkpointing");
  // At the disk's limit the oldest records make room for the new ones, more each time the insert
  // still does not fit, as max_records_count would. Up to a bound: what does not fit after it
  // will not fit after more either (a record larger than the disk), and it must not empty the
  // queue it could never join.
  const std::uint64_t budget = std::max<std::uint64_t>(
      {kMinRoomForAFullDisk, 4 * static_cast<std::uint64_t>(records.size()), q.records / 10});
  std::uint64_t room = std::max<std::uint64_t>(records.size(), q.records / 100);
  std::uint64_t dropped = 0;
  for (;;) {
    committed = insert_once(records, now);
    if (committed || committed.error().code != ErrorCode::out_of_range || q.records == 0 ||
        dropped >= budget) {
      return committed;
    }
    const auto before = q.records;
    DLMSGW_TRY(q.make_room(std::min(room, budget - dropped)));
    if (q.records == before) return committed;
    dropped += before - q.records;
    room *= 2;  // counted in stats().dropped_records and summed up by the gateway, not logged here
  }
}

Expected<void> SqliteQueue::insert_once(const std::vector<Record>& records, Timestamp now) {
  Impl& q = *impl_;
  Impl::Head head{q.records, q.bytes};
  std::optional<Timestamp> new_oldest;
  const Expected<void> committed = q.transaction(
      "appending " + std::to_string(records.size()) + " records", [&]() -> Expected<void> {
        for (const Record& record : records) {
          sqlite3_stmt* s = q.insert.get();
          sqlite3_bind_int(s, 1, static_cast<int>(record.kind));
          sqlite3_bind_text(s, 2, record.device.data(), static_cast<int>(record.device.size()),
                            SQLITE_STATIC);
          sqlite3_bind_int64(s, 3, to_millis(record.ts));
          sqlite3_bind_int64(s, 4, to_millis(now));
          sqlite3_bind_text(s, 5, record.payload.data(), static_cast<int>(record.payload.size()),
                            SQLITE_STATIC);
          DLMSGW_TRY(q.step_done(s, "inserting a record"));
          q.max_id = std::max<std::int64_t>(q.max_id, sqlite3_last_insert_rowid(q.db.get()));
          ++head.records;
          head.bytes += record_bytes(record);
        }
        DLMSGW_TRY(q.drop_oldest(head, now));
        DLMSGW_TRY_ASSIGN(new_oldest, q.read_oldest());
        return {};
      });
  if (!committed) return committed.error();
  q.apply(head, new_oldest);
  // The records are committed: a failed checkpoint must not make the caller retry them (it would
  // store them twice). The next checkpoint retries it.
  [[maybe_unused]] auto checkpointed = q.maybe_checkpoint();
  return {};
}

Expected<std::vector<StoredRecord>> SqliteQueue::peek_once(RecordId after, std::size_t max_records,
                                                           std::uint64_t max_bytes,
                                                           const std::string* only_device) {
  Impl& q = *impl_;
  std::vector<StoredRecord> batch;
  if (max_records == 0) return batch;
  if (q.options.limits.max_age.count() > 0 && q.oldest_stored_at) {
    DLMSGW_TRY_ASSIGN(const Timestamp now, q.wall_now());
    if (*q.oldest_stored_at < now - q.options.limits.max_age) {
      Impl::Head head{q.records, q.bytes};
      std::optional<Timestamp> new_oldest;
      const Expected<void> committed =
          q.transaction("dropping expired records", [&]() -> Expected<void> {
            DLMSGW_TRY(q.drop_oldest(head, now));
            DLMSGW_TRY_ASSIGN(new_oldest, q.read_oldest());
            return {};
          });
      if (!committed) return committed.error();
      q.apply(head, new_oldest);
    }
  }

  if (only_device != nullptr && !q.select_device_batch) {
    DLMSGW_TRY(q.exec("CREATE INDEX IF NOT EXISTS records_by_device ON records(device, id)",
                      "creating the index of records by device"));
    DLMSGW_TRY_ASSIGN(q.select_device_batch,
                      q.prepare("SELECT id, kind, device, ts, payload FROM records WHERE device = "
                                "?3 AND id > ?2 ORDER BY id LIMIT ?1"));
  }
  sqlite3_stmt* s = only_device != nullptr ? q.select_device_batch.get() : q.select_batch.get();
  ResetOnExit reset(s);
  if (only_device != nullptr) {
    sqlite3_bind_text(s, 3, only_device->data(), static_cast<int>(only_device->size()),
                      SQLITE_STATIC);
  }
  sqlite3_bind_int64(s, 1,
                     static_cast<std::int64_t>(std::min<std::size_t>(max_records, INT64_MAX)));
  sqlite3_bind_int64(s, 2,
                     static_cast<std::int64_t>(std::min<std::uint64_t>(after.value, INT64_MAX)));
  std::uint64_t batch_bytes = 0;
  for (;;) {
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return q.failure(rc, "reading records");
    const std::int64_t id = sqlite3_column_int64(s, 0);
    auto kind = record_kind_from_int(sqlite3_column_int(s, 1));
    if (!kind) {
      return make_error(ErrorCode::malformed, "storage '" + q.path.string() + "': record " +
                                                  std::to_string(id) + ": " + kind.error().message);
    }
    Record record;
    record.kind = *kind;
    const auto* device = reinterpret_cast<const char*>(sqlite3_column_text(s, 2));
    record.device.assign(device ? device : "",
                         static_cast<std::size_t>(sqlite3_column_bytes(s, 2)));
    record.ts = from_millis(sqlite3_column_int64(s, 3));
    const auto* payload = reinterpret_cast<const char*>(sqlite3_column_text(s, 4));
    record.payload.assign(payload ? payload : "",
                          static_cast<std::size_t>(sqlite3_column_bytes(s, 4)));
    const std::uint64_t size = record_bytes(record);
    if (!batch.empty() && batch_bytes + size > max_bytes) break;
    batch_bytes += size;
    batch.push_back(StoredRecord{RecordId{static_cast<std::uint64_t>(id)}, std::move(record)});
  }
  return batch;
}

Expected<void> SqliteQueue::remove_once(std::span<const RecordId> ids) {
  if (ids.empty()) return {};
  Impl& q = *impl_;
  Impl::Head head{q.records, q.bytes};
  std::optional<Timestamp> new_oldest;
  const Expected<void> committed =
      q.transaction("removing delivered records", [&]() -> Expected<void> {
        for (const RecordId id : ids) {
          const auto key = static_cast<std::int64_t>(id.value);
          DLMSGW_TRY_ASSIGN(const auto size, q.record_size(key, "finding a delivered record"));
          if (!size) continue;  // already removed or dropped: harmless
          sqlite3_bind_int64(q.delete_one.get(), 1, key);
          DLMSGW_TRY(q.step_done(q.delete_one.get(), "removing a delivered record"));
          --head.records;
          head.bytes -= *size;
        }
        DLMSGW_TRY_ASSIGN(new_oldest, q.read_oldest());
        return {};
      });
  if (!committed) return committed.error();
  q.apply(head, new_oldest);
  // The records are committed: a failed checkpoint must not make the caller retry them (it would
  // store them twice). The next checkpoint retries it.
  [[maybe_unused]] auto checkpointed = q.maybe_checkpoint();
  return {};
}

QueueStats SqliteQueue::stats() const {
  QueueStats stats;
  stats.records = impl_->records;
  stats.bytes = impl_->bytes;
  stats.dropped_records = impl_->dropped;
  stats.oldest_stored_at = impl_->oldest_stored_at;
  stats.dead_letter_records = impl_->dead_letter_records;
  return stats;
}

Expected<std::uint64_t> SqliteQueue::set_aside(std::span<const RecordId> ids,
                                               const std::string& reason) {
  return with_recovery("setting records aside", [&] { return set_aside_once(ids, reason); });
}

Expected<std::uint64_t> SqliteQueue::set_aside_once(std::span<const RecordId> ids,
                                                    const std::string& reason) {
  Impl& q = *impl_;
  DLMSGW_TRY_ASSIGN(const Timestamp now, q.wall_now());
  DLMSGW_TRY_ASSIGN(Statement copy,
                    q.prepare("INSERT INTO dead_letters(id, kind, device, ts, stored_at, payload, "
                              "set_aside_at, reason) SELECT id, kind, device, ts, stored_at, "
                              "payload, ?2, ?3 FROM records WHERE id = ?1"));
  Impl::Head head{q.records, q.bytes};
  std::uint64_t moved = 0;
  std::uint64_t trimmed = 0;
  std::optional<Timestamp> new_oldest;
  const Expected<void> committed = q.transaction("setting records aside", [&]() -> Expected<void> {
    for (const RecordId id : ids) {
      const auto key = static_cast<std::int64_t>(id.value);
      DLMSGW_TRY_ASSIGN(const auto size, q.record_size(key, "finding a record to set aside"));
      if (!size) continue;
      sqlite3_bind_int64(copy.get(), 1, key);
      sqlite3_bind_int64(copy.get(), 2, to_millis(now));
      sqlite3_bind_text(copy.get(), 3, reason.data(), static_cast<int>(reason.size()),
                        SQLITE_STATIC);
      DLMSGW_TRY(q.step_done(copy.get(), "copying a record to the dead letters"));
      sqlite3_bind_int64(q.delete_one.get(), 1, key);
      DLMSGW_TRY(q.step_done(q.delete_one.get(), "removing a record set aside"));
      --head.records;
      head.bytes -= *size;
      ++moved;
    }
    // Bounded: the oldest dead letters beyond the cap give way, counted as dropped.
    if (q.options.max_dead_letters != 0 &&
        q.dead_letter_records + moved > q.options.max_dead_letters) {
      const std::uint64_t excess = q.dead_letter_records + moved - q.options.max_dead_letters;
      DLMSGW_TRY_ASSIGN(Statement trim,
                        q.prepare("DELETE FROM dead_letters WHERE id IN (SELECT id FROM "
                                  "dead_letters ORDER BY id LIMIT ?1)"));
      sqlite3_bind_int64(trim.get(), 1, static_cast<std::int64_t>(excess));
      DLMSGW_TRY(q.step_done(trim.get(), "dropping the oldest dead letters"));
      trimmed = static_cast<std::uint64_t>(sqlite3_changes(q.db.get()));
    }
    DLMSGW_TRY_ASSIGN(new_oldest, q.read_oldest());
    return {};
  });
  if (!committed) return committed.error();
  q.apply(head, new_oldest);
  q.dead_letter_records = q.dead_letter_records + moved - trimmed;
  if (trimmed > 0) {
    q.dropped += trimmed;
    sqlite_log()->warn(
        "storage '{}': {} oldest dead letters dropped: at most {} are kept (see them with `dlmsgw "
        "dead-letter list`, send them again with `dlmsgw dead-letter requeue`)",
        q.path.string(), trimmed, q.options.max_dead_letters);
  }
  return moved;
}

Expected<std::vector<DeadLetter>> SqliteQueue::dead_letters(std::size_t max_records) {
  Impl& q = *impl_;
  DLMSGW_TRY_ASSIGN(Statement select,
                    q.prepare("SELECT id, kind, device, ts, payload, set_aside_at, reason FROM "
                              "dead_letters ORDER BY id LIMIT ?1"));
  sqlite3_bind_int64(select.get(), 1,
                     static_cast<std::int64_t>(std::min<std::size_t>(max_records, INT64_MAX)));
  std::vector<DeadLetter> letters;
  for (;;) {
    const int rc = sqlite3_step(select.get());
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return q.failure(rc, "reading the dead letters");
    const auto text = [&](int column) {
      const auto* value = reinterpret_cast<const char*>(sqlite3_column_text(select.get(), column));
      return std::string(value ? value : "",
                         static_cast<std::size_t>(sqlite3_column_bytes(select.get(), column)));
    };
    const std::int64_t id = sqlite3_column_int64(select.get(), 0);
    auto kind = record_kind_from_int(sqlite3_column_int(select.get(), 1));
    if (!kind) {
      return make_error(ErrorCode::malformed, "storage '" + q.path.string() + "': dead letter " +
                                                  std::to_string(id) + ": " + kind.error().message);
    }
    DeadLetter letter;
    letter.stored.id = RecordId{static_cast<std::uint64_t>(id)};
    letter.stored.record.kind = *kind;
    letter.stored.record.device = text(2);
    letter.stored.record.ts = from_millis(sqlite3_column_int64(select.get(), 3));
    letter.stored.record.payload = text(4);
    letter.set_aside_at = from_millis(sqlite3_column_int64(select.get(), 5));
    letter.reason = text(6);
    letters.push_back(std::move(letter));
  }
  return letters;
}

Expected<std::uint64_t> SqliteQueue::requeue(std::span<const RecordId> ids) {
  Impl& q = *impl_;
  DLMSGW_TRY_ASSIGN(const Timestamp now, q.wall_now());
  const std::string columns = "id, kind, device, ts, stored_at, payload";
  const std::string restore = "INSERT INTO records(" + columns +
                              ") SELECT id, kind, device, ts, ?2, payload FROM dead_letters";
  DLMSGW_TRY_ASSIGN(Statement copy_one, q.prepare(restore + " WHERE id = ?1"));
  DLMSGW_TRY_ASSIGN(Statement delete_one, q.prepare("DELETE FROM dead_letters WHERE id = ?1"));
  DLMSGW_TRY_ASSIGN(Statement copy_all, q.prepare(restore));
  DLMSGW_TRY_ASSIGN(Statement delete_all, q.prepare("DELETE FROM dead_letters"));
  std::uint64_t moved = 0;
  const Expected<void> committed =
      q.transaction("re-queuing dead letters", [&]() -> Expected<void> {
        if (ids.empty()) {
          sqlite3_bind_int64(copy_all.get(), 2, to_millis(now));
          DLMSGW_TRY(q.step_done(copy_all.get(), "re-queuing the dead letters"));
          moved = static_cast<std::uint64_t>(sqlite3_changes(q.db.get()));
          return q.step_done(delete_all.get(), "removing the re-queued dead letters");
        }
        for (const RecordId id : ids) {
          sqlite3_bind_int64(copy_one.get(), 1, static_cast<std::int64_t>(id.value));
          sqlite3_bind_int64(copy_one.get(), 2, to_millis(now));
          DLMSGW_TRY(q.step_done(copy_one.get(), "re-queuing a dead letter"));
          if (sqlite3_changes(q.db.get()) == 0) continue;
          ++moved;
          sqlite3_bind_int64(delete_one.get(), 1, static_cast<std::int64_t>(id.value));
          DLMSGW_TRY(q.step_done(delete_one.get(), "removing a re-queued dead letter"));
        }
        return {};
      });
  if (!committed) return committed.error();
  DLMSGW_TRY(q.load_counters());
  return moved;
}

Expected<void> SqliteQueue::checkpoint() {
  impl_->last_checkpoint = std::chrono::steady_clock::now();
  return impl_->exec("PRAGMA wal_checkpoint(PASSIVE)", "checkpointing");
}

const std::optional<std::filesystem::path>& SqliteQueue::moved_aside() const {
  return impl_->moved_aside;
}

const std::filesystem::path& SqliteQueue::path() const {
  return impl_->path;
}

}  // namespace dlmsgw::gateway
