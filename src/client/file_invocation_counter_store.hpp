#pragma once
// FileInvocationCounterStore: our invocation counters on disk, one file per key in one folder
// ("<system title>-<key id>.counter"), so that no value is ever used twice under a key, across
// restarts, reloads, kill -9 and power loss.
//
// It reserves ahead: before a value is handed out, the file already holds a ceiling above it
// (written to a temporary file, fsync'd, renamed over the old one, the folder fsync'd), and the
// ceiling moves `block` values at a time. A process that dies loses at most the rest of its block;
// the next one starts at the ceiling. A missing file is a fresh key (counter 0); a file that does
// not parse is an error that names it, never a lower counter. Several processes may share the
// folder, but not a key: the first holds "<file>.lock" (flock) while it lives, a second is refused.
//
// The meter's counters (":rx" keys) stay in memory: refusing replays across restarts is not worth
// an fsync per answer.

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "client/invocation_counter_store.hpp"

namespace dlmsgw::client {

class FileInvocationCounterStore final : public InvocationCounterStore {
 public:
  static constexpr std::uint32_t kDefaultBlock = 1000;

  // The folder is created at the first ciphered association (so that a configuration without
  // security leaves no trace); an existing file of that name is refused here.
  // `lock_wait`: how long a key held by another process is waited for before the refusal (CLI
  // commands run one after another wait; the gateway's loop must not).
  static Expected<std::shared_ptr<FileInvocationCounterStore>> open(
      std::filesystem::path folder, std::uint32_t block = kDefaultBlock,
      std::chrono::milliseconds lock_wait = std::chrono::milliseconds(0));

  ~FileInvocationCounterStore() override;
  FileInvocationCounterStore(const FileInvocationCounterStore&) = delete;
  FileInvocationCounterStore& operator=(const FileInvocationCounterStore&) = delete;

  Expected<std::optional<std::uint32_t>> load(const std::string& key) override;
  Expected<void> save(const std::string& key, std::uint32_t value) override;
  [[nodiscard]] std::string where(const std::string& key) const override;

  [[nodiscard]] const std::filesystem::path& folder() const { return folder_; }
  [[nodiscard]] std::filesystem::path file_for(const std::string& key) const;

 private:
  FileInvocationCounterStore(std::filesystem::path folder, std::uint32_t block,
                             std::chrono::milliseconds lock_wait);

  struct Reserved {
    std::uint64_t next = 0;     // the next value to hand out
    std::uint64_t ceiling = 0;  // what the file holds: no value at or above it was handed out
  };
  Expected<Reserved*> reserved(const std::string& key);
  Expected<void> reserve_from(const std::string& key, Reserved& counter, std::uint64_t from);

  std::filesystem::path folder_;
  std::uint32_t block_;
  std::chrono::milliseconds lock_wait_;
  std::mutex mutex_;  // the gateway's loop and a probe may share one store
  std::map<std::string, Reserved> ours_;
  std::map<std::string, std::uint32_t> theirs_;
  std::vector<int> locks_;  // one flock'd descriptor per key in ours_
};

// The folder a CLI command keeps counters in: $XDG_STATE_HOME/dlmsgw/invocation-counters, else
// ~/.local/state/dlmsgw/invocation-counters.
std::filesystem::path default_cli_counter_folder();

}  // namespace dlmsgw::client
