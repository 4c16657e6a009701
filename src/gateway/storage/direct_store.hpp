#pragma once
// The upgrade from a version that kept one database file per device with its own token
// (`device-<name>-<hash>.db` beside the gateway's database) to the one store they share
// (direct-devices.db): take_over_device_files moves each file's records into it, its dead letters
// as dead letters (same reason), then removes the file. Runs on the shared store's storage thread
// (StorageService::async_run), not on the event loop, so that a large backlog delays no start.
//
// Nothing is dropped for it: each old file was bounded by storage.max_records_count alone, the
// shared store bounds all of them together; when the files' records and the store's are more than
// that limit, no file is taken over (they stay in place, the log names the key to raise and the
// value needed) and the next start tries again.

#include <cstdint>
#include <filesystem>

#include "core/expected.hpp"
#include "gateway/storage/record_queue.hpp"

namespace dlmsgw::gateway {

// The older version's per-device files in `directory`, sorted.
std::vector<std::filesystem::path> old_device_files(const std::filesystem::path& directory);

// Moves every old file of `directory` into `into` (see above); `max_records` is
// storage.max_records_count (0: no limit). Returns how many records (dead letters included) were
// taken over. A file that cannot be read is left in place; each outcome is logged ("storage").
Expected<std::uint64_t> take_over_device_files(RecordQueue& into,
                                               const std::filesystem::path& directory,
                                               std::uint64_t max_records);

}  // namespace dlmsgw::gateway
