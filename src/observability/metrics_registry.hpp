#pragma once
// MetricsRegistry: every metric the process exports, rendered as Prometheus text format 0.0.4.
// Components register their families once at start-up (registering the same name again with the
// same shape returns the same family, so two components may share one), keep the series handles,
// and update them directly. render() writes families sorted by name and series sorted by label
// values, so the output is stable from scrape to scrape; begin_scrape() gives the same text in
// parts, for a response written as it is rendered.
//
// Threading: registration, removal and render() belong to one thread (the event loop); series
// handles may also be updated from other threads (see metric_family.hpp).
//
// Names follow Prometheus conventions: a `dlmsgw_` prefix, base units (seconds, bytes), `_total`
// on counters; per-meter series carry the labels {meter, address} as the logs name them. E.g.
//   auto reads = registry.counter("dlmsgw_meter_reads_total", "Meter reads by outcome.",
//                                 {"meter", "address", "outcome"});
//   Counter ok = *reads->with({"kitchen", "127.0.0.1:3333", "ok"});  // once, when the meter starts
//   ok.inc();                                                       // per read: one atomic add
//   reads->remove({"kitchen", "127.0.0.1:3333", "ok"});             // when the meter is removed

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.hpp"
#include "observability/metric_family.hpp"

namespace dlmsgw::observability {

// One scrape written in parts (MetricsRegistry::begin_scrape): every family's series as they
// stood when it began (collectors' snapshots, registered label sets), so that meters added or
// removed while it is written, or another scrape meanwhile, cannot repeat or skip a series. Each
// part goes on where the last stopped: the parts together cost one render() and, joined, are
// its text. It refers to the registry's families: the registry must outlive it.
class MetricsScrape {
 public:
  // Appends whole items (a family's head, a series, a collector's item) to `out` until it holds
  // `budget` bytes or more, at least one item whatever the budget; true once nothing is left
  // (what it appended was the last part, possibly empty).
  bool render_part(std::string& out, std::size_t budget);

 private:
  friend class MetricsRegistry;
  struct Family {
    const detail::FamilyBase* family;
    std::shared_ptr<const detail::CapturedSeries> series;
  };
  std::vector<Family> families_;  // by name
  std::size_t family_ = 0;        // the next to write
  std::size_t item_ = 0;          // its next item
  bool head_written_ = false;     // family_'s head
};

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;
  MetricsRegistry(MetricsRegistry&&) = default;
  MetricsRegistry& operator=(MetricsRegistry&&) = default;

  // Each fails with invalid_argument for an invalid metric or label name, a repeated label name,
  // or a name already registered with another shape (type, help, labels, buckets) or that would
  // collide with a histogram's _bucket/_sum/_count lines.
  Expected<CounterFamily> counter(std::string_view name, std::string_view help,
                                  LabelNames label_names = {});
  Expected<GaugeFamily> gauge(std::string_view name, std::string_view help,
                              LabelNames label_names = {});
  // `bounds`: finite, strictly increasing upper bounds; +Inf is always added (and may be given).
  // "le" cannot be a label name.
  Expected<HistogramFamily> histogram(std::string_view name, std::string_view help,
                                      LabelNames label_names,
                                      std::vector<double> bounds = default_latency_buckets());
  // Values read at scrape time; `type` is counter or gauge.
  Expected<CallbackFamily> callback(MetricType type, std::string_view name, std::string_view help,
                                    LabelNames label_names = {});
  // A histogram whose buckets are read from a snapshot at scrape time; `bounds` as histogram().
  Expected<CallbackHistogramFamily> callback_histogram(
      std::string_view name, std::string_view help, LabelNames label_names,
      std::vector<double> bounds = default_latency_buckets());
  // A family whose series `collect` writes at every scrape, in label order (see SeriesWriter);
  // `type` counter or gauge, or histogram with `bounds` as histogram(). Registering a name again
  // fails: a collector has no series to share.
  Expected<void> collector(MetricType type, std::string_view name, std::string_view help,
                           LabelNames label_names, detail::CollectorFamily::Collect collect,
                           std::vector<double> bounds = {});
  // A family whose series come from a snapshot `capture` takes at the start of each scrape (see
  // CollectedItems, collected_items): for thousands of series, written item by item. `type` and
  // `bounds` as collector().
  Expected<void> snapshot_collector(MetricType type, std::string_view name, std::string_view help,
                                    LabelNames label_names,
                                    detail::CollectorFamily::Capture capture,
                                    std::vector<double> bounds = {});
  // Shorthand for an unlabelled callback gauge.
  Expected<void> callback_gauge(std::string_view name, std::string_view help,
                                CallbackFamily::Read read);

  // The whole text at once (what begin_scrape()'s parts join to).
  [[nodiscard]] std::string render() const;
  // Takes every family's series now, to be written part by part.
  [[nodiscard]] MetricsScrape begin_scrape() const;
  [[nodiscard]] std::size_t family_count() const { return families_.size(); }

 private:
  template <class Cell>
  Expected<detail::SeriesFamily<Cell>*> add(detail::FamilyInfo info,
                                            std::function<std::shared_ptr<Cell>()> make_cell);
  Expected<void> check_new(const detail::FamilyInfo& info) const;
  template <class Function>
  Expected<void> add_collector(MetricType type, std::string_view name, std::string_view help,
                               LabelNames label_names, Function function,
                               std::vector<double> bounds);

  std::map<std::string, std::unique_ptr<detail::FamilyBase>, std::less<>> families_;
  mutable std::size_t last_render_size_ = 0;  // render() reserves about that much
};

}  // namespace dlmsgw::observability
