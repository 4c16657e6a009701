#pragma once
// Histogram: one labelled series of a histogram family with fixed bucket upper bounds (e.g. read
// latency in seconds). observe() finds the bucket by binary search and does two relaxed atomic
// adds; the exporter makes the buckets cumulative and adds +Inf, _sum and _count.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace dlmsgw::observability {

// Upper bounds in seconds for request latencies: 5 ms to 10 s (the Prometheus client default, which
// also spans a DLMS read over TCP or a slow serial line).
[[nodiscard]] const std::vector<double>& default_latency_buckets();

namespace detail {
class HistogramCell {
 public:
  explicit HistogramCell(std::shared_ptr<const std::vector<double>> bounds);

  void observe(double value);
  [[nodiscard]] const std::vector<double>& bounds() const { return *bounds_; }
  // Observations in bucket `index` alone (not cumulative); index bounds().size() is the +Inf
  // bucket.
  [[nodiscard]] std::uint64_t bucket_count(std::size_t index) const {
    return counts_[index].load(std::memory_order_relaxed);
  }
  [[nodiscard]] double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::shared_ptr<const std::vector<double>> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
  std::atomic<double> sum_{0.0};
};
}  // namespace detail

class Histogram {
 public:
  using Cell = detail::HistogramCell;

  // Detached, with the default latency buckets: updates work, never exported.
  Histogram();
  explicit Histogram(std::shared_ptr<Cell> cell) : cell_(std::move(cell)) {}

  // NaN is ignored (it belongs to no bucket).
  void observe(double value) const { cell_->observe(value); }
  template <class Rep, class Period>
  void observe(std::chrono::duration<Rep, Period> elapsed) const {
    cell_->observe(std::chrono::duration<double>(elapsed).count());
  }

  // Total observations and their sum, for tests and logs.
  [[nodiscard]] std::uint64_t count() const;
  [[nodiscard]] double sum() const { return cell_->sum(); }

 private:
  std::shared_ptr<Cell> cell_;
};

}  // namespace dlmsgw::observability
