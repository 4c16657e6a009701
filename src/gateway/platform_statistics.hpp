#pragma once
// PlatformStatistics: the statistics telemetry ThingsBoard's gateway dashboard reads, with the
// keys of the ThingsBoard IoT Gateway's statistics service:
//   machineStats    {totalCpuUsage, diskUsage, freeMemory (% of memory in use, as psutil's
//                    virtual_memory().percent the Python gateway sends), freeDisk,
//                    gwProcessCpuUsage, gwMemory, gwProcessMemoryFullInfo, msgsSentToPlatform,
//                    msgsReceivedFromPlatform}
//   serviceStats    {storageMsgPulled, storageMsgCount, platformMsgPushed, platformAttrProduced,
//                    platformTsProduced}
//   connectorsStats {"<connector>": {connectorMsgsReceived, connectorErrors}}
//   <connector>_ERRORS_COUNT, ALL_ERRORS_COUNT   only when they changed since the last report
// Counters are per period (the Python gateway clears them after each report); the sample holds
// totals since start, and this keeps the previous one. Sans-I/O: the caller samples.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "gateway/process_usage.hpp"

namespace dlmsgw::gateway {

struct StatisticsSample {
  // Totals since the gateway started.
  std::uint64_t records_pulled = 0;       // records removed from storage after their PUBACK
  std::uint64_t messages_pushed = 0;      // messages the platform acknowledged
  std::uint64_t attributes_produced = 0;  // attribute sets stored
  std::uint64_t telemetry_produced = 0;   // readings stored
  std::uint64_t messages_received = 0;    // messages from the platform
  std::uint64_t storage_count = 0;        // records waiting now
  struct Connector {
    std::uint64_t readings = 0;
    std::uint64_t errors = 0;  // failed reads, refused stores
  };
  std::map<std::string, Connector> connectors;
  MachineLoad machine;
  std::optional<ProcessUsage> process;
};

class PlatformStatistics {
 public:
  // The telemetry for `sample`, `elapsed_seconds` after the previous one (0 for the first).
  nlohmann::json report(const StatisticsSample& sample, double elapsed_seconds);

 private:
  std::optional<StatisticsSample> previous_;
  std::map<std::string, std::uint64_t> reported_errors_;
  std::optional<std::uint64_t> reported_all_errors_;
};

// psutil's bytes2human, which the Python gateway uses for sizes ("7.7G", "512B").
std::string human_bytes(std::uint64_t bytes);

}  // namespace dlmsgw::gateway
