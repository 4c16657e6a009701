#include "gateway/storage/direct_store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "gateway/component_logger.hpp"
#include "gateway/storage/sqlite_queue.hpp"

namespace dlmsgw::gateway {
namespace {

constexpr std::size_t kTakeOverChunk = 1'000;

// The highest id `device` has in `queue` (RecordId{} when none): what is appended for it next
// comes after it.
Expected<RecordId> last_id_of(RecordQueue& queue, const std::string& device) {
  RecordId last{};
  for (;;) {
    DLMSGW_TRY_ASSIGN(auto chunk,
                      queue.peek_device_after(device, last, kTakeOverChunk, UINT64_MAX));
    if (chunk.empty()) return last;
    last = chunk.back().id;
  }
}

// Dead letters stay dead letters: appended, then set aside again with their reason, grouped by
// device and reason.
Expected<std::uint64_t> take_over_dead_letters(RecordQueue& into, RecordQueue& old) {
  DLMSGW_TRY_ASSIGN(auto letters, old.dead_letters(SIZE_MAX));
  std::uint64_t moved = 0;
  std::size_t next = 0;
  while (next < letters.size()) {
    const std::string device = letters[next].stored.record.device;
    const std::string reason = letters[next].reason;
    std::vector<Record> records;
    while (next < letters.size() && records.size() < kTakeOverChunk &&
           letters[next].stored.record.device == device && letters[next].reason == reason) {
      records.push_back(std::move(letters[next].stored.record));
      ++next;
    }
    DLMSGW_TRY_ASSIGN(const RecordId after, last_id_of(into, device));
    DLMSGW_TRY(into.append(std::move(records)));
    DLMSGW_TRY_ASSIGN(auto appended,
                      into.peek_device_after(device, after, kTakeOverChunk, UINT64_MAX));
    std::vector<RecordId> ids;
    for (const auto& stored : appended) ids.push_back(stored.id);
    DLMSGW_TRY_ASSIGN(const auto set_aside, into.set_aside(ids, reason));
    moved += set_aside;
  }
  return moved;
}

// One file: its dead letters, then its records, each chunk committed in `into` before it is
// removed from the file (a crash in between repeats records, never loses one); then the file.
Expected<std::uint64_t> take_over_device_file(RecordQueue& into,
                                              const std::filesystem::path& file) {
  std::uint64_t moved = 0;
  {
    DLMSGW_TRY_ASSIGN(auto old, SqliteQueue::open(file));
    DLMSGW_TRY_ASSIGN(moved, take_over_dead_letters(into, *old));
    for (;;) {
      DLMSGW_TRY_ASSIGN(auto chunk, old->peek(kTakeOverChunk, UINT64_MAX));
      if (chunk.empty()) break;
      std::vector<Record> records;
      std::vector<RecordId> ids;
      for (auto& stored : chunk) {
        ids.push_back(stored.id);
        records.push_back(std::move(stored.record));
      }
      DLMSGW_TRY(into.append(std::move(records)));
      DLMSGW_TRY(old->remove(ids));
      moved += ids.size();
    }
  }
  std::error_code ignored;
  for (const char* suffix : {"-wal", "-shm", ".lock"}) {
    std::filesystem::remove(file.string() + suffix, ignored);
  }
  std::filesystem::remove(file, ignored);
  return moved;
}

}  // namespace

std::vector<std::filesystem::path> old_device_files(const std::filesystem::path& directory) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("device-") && name.ends_with(".db") && entry.is_regular_file(ec)) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

Expected<std::uint64_t> take_over_device_files(RecordQueue& into,
                                               const std::filesystem::path& directory,
                                               std::uint64_t max_records) {
  const auto files = old_device_files(directory);
  if (files.empty()) return 0;
  const auto logger = component_logger("storage");
  // What they hold together, before anything moves: more than the shared store's limit would
  // drop the oldest at once.
  std::uint64_t waiting = into.stats().records;
  for (const auto& file : files) {
    auto old = SqliteQueue::open(file);
    // Dead letters too: they are appended (then set aside again), counted meanwhile.
    if (old) waiting += (*old)->stats().records + (*old)->stats().dead_letter_records;
  }
  if (max_records != 0 && waiting > max_records) {
    logger->error(
        "storage: the {} files of devices with their own token that an older version left in "
        "'{}' and the shared store hold {} records, more than storage.max_records_count ({}) "
        "allows the shared store: none is taken over, so that none is dropped (they stay in "
        "place, their devices' readings wait there); raise storage.max_records_count to at least "
        "{} and restart",
        files.size(), directory.string(), waiting, max_records, waiting);
    return 0;
  }
  std::uint64_t total = 0;
  for (const auto& file : files) {
    auto moved = take_over_device_file(into, file);
    if (!moved) {
      logger->error(
          "storage: the file of a device with its own token '{}' (an older version's) "
          "was not taken over and is left in place: {}",
          file.string(), moved.error().message);
      continue;
    }
    logger->info(
        "storage: {} records of '{}' (an older version's file of a device with its own "
        "token) taken over into the shared store; the file is removed",
        *moved, file.string());
    total += *moved;
  }
  return total;
}

}  // namespace dlmsgw::gateway
