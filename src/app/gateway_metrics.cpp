#include "app/gateway_metrics.hpp"

#include <algorithm>

#include "observability/process_metrics.hpp"

namespace dlmsgw::app {
namespace {

using observability::MetricsRegistry;
using observability::MetricType;

const observability::LabelNames kMeterLabels{"meter", "address"};

double as_double(std::uint64_t value) {
  return static_cast<double>(value);
}

using connectors::dlms::MeterSnapshot;
using connectors::dlms::MeterStatistics;
using Snapshots = GatewayMetrics::Snapshots;
using SnapshotSource = std::function<std::shared_ptr<const Snapshots>()>;

// The collector of a per-meter family: at the start of each scrape it takes the meters' snapshots
// (one for all the families of that scrape, see ScrapeSnapshot) and writes each
// meter's series from them with `write(snapshot, writer)`, in device order (the label order).
template <class Write>
observability::detail::CollectorFamily::Capture each_snapshot(SnapshotSource source, Write write) {
  return [source = std::move(source), write]() {
    return observability::collected_items(source(), write);
  };
}

// Writes each meter's sample where `field` gives one.
template <class Field>
observability::detail::CollectorFamily::Capture each_meter(SnapshotSource source, Field field) {
  return each_snapshot(std::move(source),
                       [field](const MeterSnapshot& snapshot, observability::SeriesWriter& writer) {
                         if (const auto value = field(snapshot)) {
                           writer.sample({snapshot.device, snapshot.address}, *value);
                         }
                       });
}

// A profile figure, absent for meters without profiles[].
template <class Field>
auto with_profiles(Field field) {
  return [field](const MeterSnapshot& s) -> std::optional<double> {
    if (s.statistics.profiles == 0) return std::nullopt;
    return field(s.statistics);
  };
}

Expected<void> meter_collector(MetricsRegistry& registry, MetricType type, std::string_view name,
                               std::string_view help,
                               observability::detail::CollectorFamily::Capture capture) {
  return registry.snapshot_collector(type, name, help, kMeterLabels, std::move(capture));
}

}  // namespace

GatewayMetrics::GatewayMetrics(MeterSource source)
    : snapshots_([source = std::move(source)] { return take_snapshots(source); }) {}

Expected<std::unique_ptr<GatewayMetrics>> GatewayMetrics::create(
    MetricsRegistry& registry, gateway::GatewayService& gateway,
    const gateway::StorageService& storage, MeterSource meters, std::string version) {
  std::unique_ptr<GatewayMetrics> metrics(new GatewayMetrics(std::move(meters)));
  const SnapshotSource snapshots = [self = metrics.get()] { return self->snapshots_.get(); };
  DLMSGW_TRY(registry.snapshot_collector(
      MetricType::counter, "dlmsgw_meter_reads_total",
      "Values read from a meter, by outcome (ok, failed).", {"meter", "address", "outcome"},
      each_snapshot(
          snapshots, [](const MeterSnapshot& snapshot, observability::SeriesWriter& writer) {
            observability::LabelValues labels{snapshot.device, snapshot.address, "failed"};
            // "failed" before "ok": series in label order
            writer.sample(labels, as_double(snapshot.statistics.reads_failed));
            labels[2] = "ok";
            writer.sample(labels, as_double(snapshot.statistics.reads_ok));
          })));
  DLMSGW_TRY(meter_collector(registry, MetricType::counter, "dlmsgw_meter_reconnects_total",
                             "Sessions opened with the meter after the first.",
                             each_meter(snapshots, [](const MeterSnapshot& s) {
                               return std::optional<double>(as_double(s.statistics.reconnects));
                             })));
  DLMSGW_TRY(meter_collector(registry, MetricType::counter, "dlmsgw_meter_connect_failures_total",
                             "Connection or association attempts that failed.",
                             each_meter(snapshots, [](const MeterSnapshot& s) {
                               return std::optional<double>(
                                   as_double(s.statistics.connect_failures));
                             })));
  DLMSGW_TRY(meter_collector(registry, MetricType::counter, "dlmsgw_meter_poll_overruns_total",
                             "Poll starts skipped because a read outlasted its period.",
                             each_meter(snapshots, [](const MeterSnapshot& s) {
                               return std::optional<double>(as_double(s.statistics.overruns));
                             })));
  DLMSGW_TRY(meter_collector(registry, MetricType::gauge, "dlmsgw_meter_connected",
                             "1 while an association with the meter is open.",
                             each_meter(snapshots, [](const MeterSnapshot& s) {
                               return std::optional<double>(
                                   s.statistics.state == "connected" ? 1.0 : 0.0);
                             })));
  DLMSGW_TRY(meter_collector(
      registry, MetricType::gauge, "dlmsgw_meter_last_good_read_age_seconds",
      "Seconds since the meter last gave a good value (absent before).",
      each_meter(snapshots, [](const MeterSnapshot& s) -> std::optional<double> {
        if (!s.statistics.last_good_read) return std::nullopt;
        const auto age = std::chrono::duration<double>(std::chrono::system_clock::now() -
                                                       *s.statistics.last_good_read)
                             .count();
        return std::max(age, 0.0);  // the wall clock may have been set back
      })));
  DLMSGW_TRY(meter_collector(registry, MetricType::gauge, "dlmsgw_meter_frame_trace",
                             "1 while the meter's frames are traced to the log.",
                             each_meter(snapshots, [](const MeterSnapshot& s) {
                               return std::optional<double>(s.tracing ? 1.0 : 0.0);
                             })));
  DLMSGW_TRY(meter_collector(registry, MetricType::counter, "dlmsgw_meter_profile_entries_total",
                             "Profile entries committed to storage (with the meter's own ts).",
                             each_meter(snapshots, with_profiles([](const MeterStatistics& s) {
                                          return std::optional<double>(
                                              as_double(s.profile_entries));
                                        }))));
  DLMSGW_TRY(
      meter_collector(registry, MetricType::counter, "dlmsgw_meter_profile_read_failures_total",
                      "Profile reads that failed (they are retried from the same cursor).",
                      each_meter(snapshots, with_profiles([](const MeterStatistics& s) {
                                   return std::optional<double>(as_double(s.profile_read_failures));
                                 }))));
  DLMSGW_TRY(meter_collector(registry, MetricType::gauge, "dlmsgw_meter_profile_pending_entries",
                             "Profile entries estimated still to fetch (backfill).",
                             each_meter(snapshots, with_profiles([](const MeterStatistics& s) {
                                          return std::optional<double>(
                                              as_double(s.profile_pending_entries));
                                        }))));
  DLMSGW_TRY(meter_collector(
      registry, MetricType::gauge, "dlmsgw_meter_profile_newest_entry_seconds",
      "Capture time (Unix seconds) of the newest profile entry delivered.",
      each_meter(snapshots, with_profiles([](const MeterStatistics& s) -> std::optional<double> {
                   if (!s.profile_newest_entry_ms) return std::nullopt;
                   return static_cast<double>(*s.profile_newest_entry_ms) / 1000.0;
                 }))));
  DLMSGW_TRY(registry.snapshot_collector(
      MetricType::histogram, "dlmsgw_meter_read_duration_seconds",
      "Time from a GET request to its answer (one request per value, or per group with "
      "GET-with-list).",
      kMeterLabels,
      each_snapshot(snapshots,
                    [](const MeterSnapshot& snapshot, observability::SeriesWriter& writer) {
                      const auto& buckets = snapshot.statistics.read_latency_buckets;
                      writer.histogram(
                          {snapshot.device, snapshot.address},
                          observability::HistogramSnapshot{{buckets.counts}, buckets.sum_seconds});
                    }),
      connectors::dlms::LatencyBuckets::bounds()));

  DLMSGW_TRY(registry.callback_gauge(
      "dlmsgw_uplink_connected", "1 while connected to ThingsBoard's MQTT broker.",
      [&gateway]() -> std::optional<double> { return gateway.mqtt().connected() ? 1.0 : 0.0; }));
  DLMSGW_TRY_ASSIGN(auto uplink_reconnects,
                    registry.callback(MetricType::counter, "dlmsgw_uplink_reconnects_total",
                                      "Connections to ThingsBoard after the first."));
  DLMSGW_TRY(uplink_reconnects.set(
      {}, [&gateway]() -> std::optional<double> { return as_double(gateway.reconnects()); }));
  DLMSGW_TRY(registry.callback_gauge(
      "dlmsgw_uplink_queue_records",
      "Records (one per poll or attribute set) stored and not yet sent.",
      [&storage]() -> std::optional<double> {
        return as_double(storage.stats().records + storage.pending_records());
      }));
  DLMSGW_TRY(registry.callback_gauge(
      "dlmsgw_direct_queue_records",
      "Records of the devices with their own token (deviceToken), all together, stored and not "
      "yet sent (their shared store).",
      [&gateway]() -> std::optional<double> {
        return as_double(gateway.direct_store_stats().records + gateway.direct_store_pending());
      }));
  DLMSGW_TRY(registry.callback_gauge(
      "dlmsgw_uplink_queue_bytes", "Size of the committed records not yet sent.",
      [&storage]() -> std::optional<double> { return as_double(storage.stats().bytes); }));
  DLMSGW_TRY(registry.callback_gauge(
      "dlmsgw_dead_letter_records",
      "Records set aside because the platform kept refusing them without a PUBACK (closing the "
      "session); listed and re-queued with `dlmsgw dead-letter`.",
      [&storage, &gateway]() -> std::optional<double> {
        // The devices with their own token included (their store is shared).
        return as_double(storage.stats().dead_letter_records +
                         gateway.direct_store_stats().dead_letter_records);
      }));
  DLMSGW_TRY_ASSIGN(
      auto sent,
      registry.callback(MetricType::counter, "dlmsgw_uplink_records_sent_total",
                        "Records (one per poll) delivered (PUBACK received) and removed."));
  DLMSGW_TRY(sent.set({}, [&gateway]() -> std::optional<double> {
    return as_double(gateway.uplink_counters().records_sent);
  }));
  DLMSGW_TRY_ASSIGN(auto messages,
                    registry.callback(MetricType::counter, "dlmsgw_uplink_messages_sent_total",
                                      "MQTT messages acknowledged by ThingsBoard."));
  DLMSGW_TRY(messages.set({}, [&gateway]() -> std::optional<double> {
    return as_double(gateway.uplink_counters().messages_sent);
  }));
  DLMSGW_TRY_ASSIGN(
      auto dropped,
      registry.callback(MetricType::counter, "dlmsgw_uplink_records_dropped_total",
                        "Records never delivered: storage_limit (oldest dropped when storage is "
                        "full or too old, or the oldest dead letters beyond their cap), rejected "
                        "(unsendable), not_stored (readings and attribute sets refused by storage: "
                        "hand-off full or storage "
                        "failing). Records set aside as dead letters are not dropped: see "
                        "dlmsgw_uplink_records_dead_lettered_total.",
                        {"reason"}));
  DLMSGW_TRY(dropped.set({"storage_limit"}, [&storage, &gateway]() -> std::optional<double> {
    return as_double(storage.stats().dropped_records +
                     gateway.direct_store_stats().dropped_records);
  }));
  DLMSGW_TRY(dropped.set({"rejected"}, [&gateway]() -> std::optional<double> {
    return as_double(gateway.uplink_counters().records_rejected);
  }));
  DLMSGW_TRY(dropped.set({"not_stored"}, [&gateway]() -> std::optional<double> {
    return as_double(gateway.readings_not_stored());
  }));
  // Dead letters are kept to be re-queued, not dropped: counted here, as in the statistics'
  // deadLetterRecords, never in readingsDropped (refused for good by an MQTT 5 PUBACK included).
  DLMSGW_TRY_ASSIGN(
      auto dead_lettered,
      registry.callback(MetricType::counter, "dlmsgw_uplink_records_dead_lettered_total",
                        "Records set aside as dead letters by this process: refused for good by "
                        "a PUBACK, or the oldest unacknowledged at repeated session losses."));
  DLMSGW_TRY(dead_lettered.set({}, [&gateway]() -> std::optional<double> {
    return as_double(gateway.uplink_counters().records_dead_lettered);
  }));
  DLMSGW_TRY_ASSIGN(auto stored,
                    registry.callback(MetricType::counter, "dlmsgw_readings_stored_total",
                                      "Readings the connectors handed to storage."));
  DLMSGW_TRY(stored.set(
      {}, [&gateway]() -> std::optional<double> { return as_double(gateway.readings_stored()); }));
  DLMSGW_TRY_ASSIGN(auto records_stored,
                    registry.callback(MetricType::counter, "dlmsgw_records_stored_total",
                                      "Records stored for the connectors' readings and attribute "
                                      "sets: one per poll of a meter."));
  DLMSGW_TRY(records_stored.set(
      {}, [&gateway]() -> std::optional<double> { return as_double(gateway.records_stored()); }));
  DLMSGW_TRY_ASSIGN(auto puback_family,
                    registry.histogram("dlmsgw_uplink_puback_latency_seconds",
                                       "Time from PUBLISH to PUBACK of delivered messages.", {}));
  DLMSGW_TRY_ASSIGN(metrics->puback_latency_, puback_family.with({}));
  DLMSGW_TRY_ASSIGN(auto build, registry.gauge("dlmsgw_build_info",
                                               "Always 1; the version as a label.", {"version"}));
  DLMSGW_TRY_ASSIGN(auto build_series, build.with({std::move(version)}));
  build_series.set(1);
  DLMSGW_TRY(observability::register_process_metrics(registry));

  return metrics;
}

GatewayMetrics::Snapshots GatewayMetrics::take_snapshots(const MeterSource& source) {
  Snapshots taken;
  if (source) taken = source();
  // By device name, the label order; a name given twice keeps its last snapshot.
  std::stable_sort(taken.begin(), taken.end(), [](const MeterSnapshot& a, const MeterSnapshot& b) {
    return a.device < b.device;
  });
  auto kept = taken.begin();
  for (auto it = taken.begin(); it != taken.end(); ++it) {
    if (std::next(it) != taken.end() && std::next(it)->device == it->device) continue;
    if (kept != it) *kept = std::move(*it);
    ++kept;
  }
  taken.erase(kept, taken.end());
  return taken;
}

}  // namespace dlmsgw::app
