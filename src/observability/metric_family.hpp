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
  // A counter or gauge sample, `values` one per label name (a series with another count is left
  // out).
  void sample(const LabelValues& values, double value);
  // A histogram series; left out when the snapshot's bucket count does not match the bounds.
  void histogram(const LabelValues& values, const HistogramSnapshot& snapshot);

 private:
  std::string& out_;
  const detail::FamilyInfo& info_;
};

// What a snapshot collector took at the start of a scrape (the meters' numbers, say): items, each
// written as zero or more series, in label order, from the item's index alone. Immutable once
// taken, so that a scrape written in parts writes every item once, whatever changes meanwhile.
class CollectedItems {
 public:
  virtual ~CollectedItems() = default;
  [[nodiscard]] virtual std::size_t size() const = 0;
  virtual void write(std::size_t item, SeriesWriter& writer) const = 0;
};

// Items that several collectors share (one snapshot of every meter for all per-meter families),
// each family writing its own series of an item with `write(const T&, SeriesWriter&)`.
template <class T, class Write>
std::shared_ptr<const CollectedItems> collected_items(std::shared_ptr<const std::vector<T>> items,
                                                      Write write) {
  class Items final : public CollectedItems {
   public:
    Items(std::shared_ptr<const std::vector<T>> items, Write write)
        : items_(std::move(items)), write_(std::move(write)) {}
    [[nodiscard]] std::size_t size() const override { return items_ ? items_->size() : 0; }
    void write(std::size_t item, SeriesWriter& writer) const override {
      write_((*items_)[item], writer);
    }

   private:
    std::shared_ptr<const std::vector<T>> items_;
    Write write_;
  };
  return std::make_shared<const Items>(std::move(items), std::move(write));
}

namespace detail {

// A family's series as they stood when a scrape began, written item by item (an item: one
// registered series, or one of a collector's items), so that a scrape can stop after any item
// and go on later from the next.
class CapturedSeries {
 public:
  virtual ~CapturedSeries() = default;
  [[nodiscard]] virtual std::size_t size() const = 0;
  virtual void write(std::size_t item, std::string& out) const = 0;
};

class CollectorFamily;

class FamilyBase {
 public:
  explicit FamilyBase(FamilyInfo info) : info_(std::move(info)) {}
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  [[nodiscard]] const FamilyInfo& info() const { return info_; }
  // The series as they are now, for one scrape. They refer to this family's info(): the family
  // (its registry) must outlive them.
  [[nodiscard]] virtual std::shared_ptr<const CapturedSeries> capture() const = 0;

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

  // The label sets and their cells as they are now: a series removed meanwhile is still written,
  // one added is not; values are read as the series is written (cells are atomics).
  std::shared_ptr<const CapturedSeries> capture() const override {
    class Captured final : public CapturedSeries {
     public:
      explicit Captured(const FamilyInfo& info) : info_(info) {}
      [[nodiscard]] std::size_t size() const override { return series_.size(); }
      void write(std::size_t item, std::string& out) const override {
        render_series(out, info_, series_[item].first, *series_[item].second);
      }
      std::vector<std::pair<LabelValues, std::shared_ptr<const Cell>>> series_;

     private:
      const FamilyInfo& info_;
    };
    auto captured = std::make_shared<Captured>(info());
    captured->series_.reserve(series_.size());
    for (const auto& [values, cell] : series_) captured->series_.emplace_back(values, cell);
    return captured;
  }

 private:
  std::function<std::shared_ptr<Cell>()> make_cell_;
  std::map<LabelValues, std::shared_ptr<Cell>> series_;  // ordered: stable exposition
};

// A family without series of its own: they are listed at scrape time (one per meter, read from
// where the numbers live), so that thousands of series cost nothing between scrapes. Either
//   - `Capture`: takes a snapshot (CollectedItems) at the start of each scrape, written item by
//     item, so that a scrape written in parts costs one pass and never holds its text whole; or
//   - `Collect`: a function writing every series at once, for a few series: run at the start of
//     each scrape into text kept with the scrape (one item).
class CollectorFamily final : public FamilyBase {
 public:
  using Collect = std::function<void(SeriesWriter&)>;
  using Capture = std::function<std::shared_ptr<const CollectedItems>()>;
  CollectorFamily(FamilyInfo info, Collect collect)
      : FamilyBase(std::move(info)), collect_(std::move(collect)) {}
  CollectorFamily(FamilyInfo info, Capture capture)
      : FamilyBase(std::move(info)), capture_(std::move(capture)) {}
  std::shared_ptr<const CapturedSeries> capture() const override;

 private:
  Collect collect_;
  Capture capture_;
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
