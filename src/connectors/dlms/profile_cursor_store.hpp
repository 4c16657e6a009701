#pragma once
// ProfileCursorStore: per meter and profile, the capture time (UTC, Unix ms) of the newest entry
// committed to the gateway's storage. The next read starts just after it, so a restart or a kill -9
// neither skips an entry nor reads one again beyond what was in flight.
//
// FileProfileCursorStore keeps every cursor in one JSON file in the gateway's data directory,
// {"device": {"1-0:99.1.0": 1795525200000}}, replaced atomically (write, fsync, rename, fsync of
// the directory) at each advance: a crash leaves the old or the new file, never a torn one.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "core/expected.hpp"
#include "dlms/obis/obis_code.hpp"

namespace dlmsgw::connectors::dlms {

class ProfileCursorStore {
 public:
  virtual ~ProfileCursorStore() = default;
  [[nodiscard]] virtual std::optional<std::int64_t> load(const std::string& device,
                                                         const ObisCode& profile) const = 0;
  // Durable when it returns success.
  virtual Expected<void> save(const std::string& device, const ObisCode& profile,
                              std::int64_t newest_unix_ms) = 0;
};

// For tests and `dlmsgw` runs without a data directory: forgotten at exit.
class MemoryProfileCursorStore final : public ProfileCursorStore {
 public:
  [[nodiscard]] std::optional<std::int64_t> load(const std::string& device,
                                                 const ObisCode& profile) const override;
  Expected<void> save(const std::string& device, const ObisCode& profile,
                      std::int64_t newest_unix_ms) override;

 private:
  std::map<std::pair<std::string, std::string>, std::int64_t> cursors_;
};

class FileProfileCursorStore final : public ProfileCursorStore {
 public:
  // Reads `file` when it exists; fails naming the file when it cannot be read or is not the
  // format above (move it aside: the meters are then read again from maxBackfillHours).
  static Expected<std::shared_ptr<FileProfileCursorStore>> open(std::filesystem::path file);

  [[nodiscard]] std::optional<std::int64_t> load(const std::string& device,
                                                 const ObisCode& profile) const override;
  Expected<void> save(const std::string& device, const ObisCode& profile,
                      std::int64_t newest_unix_ms) override;

 private:
  explicit FileProfileCursorStore(std::filesystem::path file) : file_(std::move(file)) {}
  Expected<void> write() const;

  std::filesystem::path file_;
  std::map<std::string, std::map<std::string, std::int64_t>> cursors_;
};

}  // namespace dlmsgw::connectors::dlms
