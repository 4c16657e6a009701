#pragma once
// GatewayMetrics: what `dlmsgw run` exports on /metrics, read where the numbers already live (the
// DLMS meter workers' statistics, the uplink's counters, storage's queue statistics) at scrape
// time, so that the gateway and connector code stay free of the metrics library. Names:
//
//   dlmsgw_meter_reads_total{meter,address,outcome="ok"|"failed"}       counter
//   dlmsgw_meter_read_duration_seconds{meter,address}                   histogram
//   dlmsgw_meter_reconnects_total{meter,address}                        counter
//   dlmsgw_meter_connect_failures_total{meter,address}                  counter
//   dlmsgw_meter_poll_overruns_total{meter,address}                     counter
//   dlmsgw_meter_connected{meter,address}                               gauge 0/1
//   dlmsgw_meter_last_good_read_age_seconds{meter,address}              gauge (after the first)
//   dlmsgw_meter_frame_trace{meter,address}                             gauge 0/1
//   dlmsgw_uplink_connected                                             gauge 0/1
//   dlmsgw_uplink_reconnects_total                                      counter
//   dlmsgw_uplink_queue_records, dlmsgw_uplink_queue_bytes              gauge (stored, unsent)
//   dlmsgw_dead_letter_records                                          gauge (set aside)
//   dlmsgw_uplink_records_sent_total, dlmsgw_uplink_messages_sent_total counter
//   dlmsgw_uplink_records_dropped_total{reason="storage_limit"|"refused"|"rejected"|"not_stored"}
//   counter dlmsgw_uplink_puback_latency_seconds                                histogram
//   dlmsgw_readings_stored_total ({ts, values} entries)                 counter
//   dlmsgw_records_stored_total (records: one per poll)                 counter
//   dlmsgw_build_info{version}                                          gauge 1
//   process_* (observability/process_metrics.hpp)
//
// Everything runs on the loop thread. Each scrape writes from its own snapshot of the meters (see
// ScrapeSnapshot), so that one written in parts lists every meter once in every family.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connectors/dlms/meter_statistics.hpp"
#include "core/expected.hpp"
#include "gateway/gateway_service.hpp"
#include "gateway/storage/storage_service.hpp"
#include "observability/metrics_registry.hpp"
#include "observability/scrape_snapshot.hpp"

namespace dlmsgw::app {

class GatewayMetrics {
 public:
  using MeterSource = std::function<std::vector<connectors::dlms::MeterSnapshot>()>;

  // Registers every family in `registry`. The gateway, storage and registry must outlive this.
  static Expected<std::unique_ptr<GatewayMetrics>> create(observability::MetricsRegistry& registry,
                                                          gateway::GatewayService& gateway,
                                                          const gateway::StorageService& storage,
                                                          MeterSource meters, std::string version);

  using Snapshots = std::vector<connectors::dlms::MeterSnapshot>;  // by device name

  // Before each scrape: its per-meter families take a fresh snapshot of the meters (meters a
  // reload removed leave the output, new ones join it) instead of the one a scrape still being
  // written holds (see ScrapeSnapshot).
  void refresh() { snapshots_.renew(); }

  // For UplinkOptions::on_puback_latency.
  void observe_puback_latency(std::chrono::steady_clock::duration latency) const {
    if (puback_latency_) puback_latency_->observe(latency);
  }

 private:
  explicit GatewayMetrics(MeterSource source);
  static Snapshots take_snapshots(const MeterSource& source);

  // Set once registered.
  std::optional<observability::Histogram> puback_latency_;
  // Shared by the per-meter families of a scrape, held by the scrapes only.
  observability::ScrapeSnapshot<Snapshots> snapshots_;
};

}  // namespace dlmsgw::app
