#pragma once
// MetricFamily<Series>: the handle to one registered metric (a name, help text, type and label
// names) through which label sets are added and removed. `with({"kitchen", "127.0.0.1:3333"})`
// returns the series for that label set, creating it on first use; keep the returned handle and
// update it directly, so that the hot path never looks anything up.
//
// Threading: adding, removing and rendering series happens on one thread (the event loop); series
// handles may be updated from any thread (their cells are atomics). A family handle is valid as
// long as its MetricsRegistry.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/expected.hpp"
#include "observability/counter.hpp"
#include "observability/gauge.hpp"
#include "observability/histogram.hpp"
#include "observability/metric_type.hpp"

namespace dlmsgw::observability {

using LabelNames = std::vector<std::string>;
using LabelValues = std::vector<std::string>;

// A histogram as another component keeps it, read at scrape time: observations per bucket (not
// cumulative), one count per bound plus the last for +Inf, and their sum.
struct HistogramSnapshot {
  std::vector<std::uint64_t> counts;
  double sum = 0;
};

namespace detail {

struct CallbackCell {
  std::function<std::optional<double>()> read;
};

struct CallbackHistogramCell {
  std::function<std::optional<HistogramSnapshot>()> read;
};

struct FamilyInfo {
  std::string name;
  std::string help;
  MetricType type = MetricType::gauge;
  LabelNames label_names;
  std::vector<double> bounds;  // histograms only
  bool is_callback = false;
  bool operator==(const FamilyInfo&) const = default;
};

// Appends the sample lines of one series.
void render_series(std::string& out, const FamilyInfo& info, const LabelValues& values,
                   const CounterCell& cell);
void render_series(std::string& out, const FamilyInfo& info, const LabelValues& values,
                   const GaugeCell& cell);
void render_series(std::string& out, const FamilyInfo& info, const LabelValues& values,
                   const HistogramCell& cell);
void render_series(std::string& out, const FamilyInfo& info, const LabelValues& values,
                   const CallbackCell& cell);
// Omits the series when the snapshot's bucket count does not match the family's bounds.
void render_series(std::string& out, const FamilyInfo& info, const LabelValues& values,
                   const CallbackHistogramCell& cell);

Error label_count_error(const FamilyInfo& info, std::size_t given);

}  // namespace detail

// SeriesWriter: what a collector family's function writes its series through at scrape time.
// Series must come in the order of their label values (as a registered family sorts them).
class SeriesWriter {
 public:
  SeriesWriter(std::string& out, const detail::FamilyInfo& info) : out_(out), info_(info) {}
  // Counting only: each series goes to `out` (a scratch string, cleared after each) and its size
  // is added to `*counted`.
  SeriesWriter(std::string& out, const detail::FamilyInfo& info, std::size_t* counted)
      : out_(out), info_(info), counted_(counted) {}
  // A counter or gauge sample, `values` one per label name (a series with another count is left
  // out).
  void sample(const LabelValues& values, double value);
  // A histogram series; left out when the snapshot's bucket count does not match the bounds.
  void histogram(const LabelValues& values, const HistogramSnapshot& snapshot);

 private:
  void counted();

  std::string& out_;
  const detail::FamilyInfo& info_;
  std::size_t* counted_ = nullptr;
};

namespace detail {

class CollectorFamily;

class FamilyBase {
 public:
  explicit FamilyBase(FamilyInfo info) : info_(std::move(info)) {}
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  [[nodiscard]] const FamilyInfo& info() const { return info_; }
  virtual void render(std::string& out) const = 0;
  // The size render() would write now, found one series at a time in `scratch` (so that the
  // text can be reserved at once rather than grown by doubling).
  virtual std::size_t rendered_size(std::string& scratch) const = 0;

 private:
  FamilyInfo info_;
};

template <class Cell>
class SeriesFamily final : public FamilyBase {
 public:
  SeriesFamily(FamilyInfo info, std::function<std::shared_ptr<Cell>()> make_cell)
      : FamilyBase(std::move(info)), make_cell_(std::move(make_cell)) {}

  Expected<std::shared_ptr<Cell>> get_or_create(const LabelValues& values) {
    if (values.size() != info().label_names.size()) {
      return label_count_error(info(), values.size());
    }
    auto [it, inserted] = series_.try_emplace(values);
    if (inserted) it->second = make_cell_();
    return it->second;
  }
  bool remove(const LabelValues& values) { return series_.erase(values) > 0; }
  [[nodiscard]] std::size_t size() const { return series_.size(); }

  void render(std::string& out) const override {
    for (const auto& [values, cell] : series_) render_series(out, info(), values, *cell);
  }
  std::size_t rendered_size(std::string& scratch) const override {
    std::size_t size = 0;
    for (const auto& [values, cell] : series_) {
      scratch.clear();
      render_series(scratch, info(), values, *cell);
      size += scratch.size();
    }
    return size;
  }

 private:
  std::function<std::shared_ptr<Cell>()> make_cell_;
  std::map<LabelValues, std::shared_ptr<Cell>> series_;  // ordered: stable exposition
};

// A family without series of its own: a function lists them at scrape time (one per meter, read
// from where the numbers live), so that thousands of series cost nothing between scrapes.
class CollectorFamily final : public FamilyBase {
 public:
  using Collect = std::function<void(SeriesWriter&)>;
  CollectorFamily(FamilyInfo info, Collect collect)
      : FamilyBase(std::move(info)), collect_(std::move(collect)) {}
  void render(std::string& out) const override {
    SeriesWriter writer(out, info());
    if (collect_) collect_(writer);
  }
  std::size_t rendered_size(std::string& scratch) const override {
    std::size_t size = 0;
    SeriesWriter writer(scratch, info(), &size);
    if (collect_) collect_(writer);
    return size;
  }

 private:
  Collect collect_;
};

}  // namespace detail

template <class Series>
class MetricFamily {
 public:
  using Cell = typename Series::Cell;

  explicit MetricFamily(detail::SeriesFamily<Cell>* family) : family_(family) {}

  // The series for `values` (one per label name, in the family's order), created on first use.
  // Fails only when the number of values does not match the label names.
  Expected<Series> with(const LabelValues& values) const {
    auto cell = family_->get_or_create(values);
    if (!cell) return cell.error();
    return Series(std::move(*cell));
  }
  // Stops exporting that label set (a meter removed from the configuration). Handles already
  // given out keep working but are no longer rendered; a later with() starts again from zero.
  bool remove(const LabelValues& values) const { return family_->remove(values); }
  [[nodiscard]] std::size_t size() const { return family_->size(); }
  [[nodiscard]] const std::string& name() const { return family_->info().name; }

 private:
  detail::SeriesFamily<Cell>* family_;
};

using CounterFamily = MetricFamily<Counter>;
using GaugeFamily = MetricFamily<Gauge>;
using HistogramFamily = MetricFamily<Histogram>;

// CallbackFamily: a counter or gauge whose values are read at scrape time (queue depth, process
// RSS, age of the last good read), so nothing has to be updated on the hot path at all. The
// function runs on the thread that renders (the loop); returning nullopt omits the sample.
class CallbackFamily {
 public:
  using Read = std::function<std::optional<double>()>;

  explicit CallbackFamily(detail::SeriesFamily<detail::CallbackCell>* family) : family_(family) {}

  // Sets (or replaces) the function for that label set.
  Expected<void> set(const LabelValues& values, Read read) const {
    auto cell = family_->get_or_create(values);
    if (!cell) return cell.error();
    (*cell)->read = std::move(read);
    return {};
  }
  bool remove(const LabelValues& values) const { return family_->remove(values); }
  [[nodiscard]] std::size_t size() const { return family_->size(); }
  [[nodiscard]] const std::string& name() const { return family_->info().name; }

 private:
  detail::SeriesFamily<detail::CallbackCell>* family_;
};

// CallbackHistogramFamily: a histogram whose buckets another component counts (a meter worker
// that must not depend on this library), rendered from a snapshot at scrape time.
class CallbackHistogramFamily {
 public:
  using Read = std::function<std::optional<HistogramSnapshot>()>;

  explicit CallbackHistogramFamily(detail::SeriesFamily<detail::CallbackHistogramCell>* family)
      : family_(family) {}

  Expected<void> set(const LabelValues& values, Read read) const {
    auto cell = family_->get_or_create(values);
    if (!cell) return cell.error();
    (*cell)->read = std::move(read);
    return {};
  }
  bool remove(const LabelValues& values) const { return family_->remove(values); }
  [[nodiscard]] std::size_t size() const { return family_->size(); }
  [[nodiscard]] const std::string& name() const { return family_->info().name; }
  [[nodiscard]] const std::vector<double>& bounds() const { return family_->info().bounds; }

 private:
  detail::SeriesFamily<detail::CallbackHistogramCell>* family_;
};

}  // namespace dlmsgw::observability
