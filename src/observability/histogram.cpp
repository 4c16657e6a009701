#include "observability/histogram.hpp"

#include <algorithm>
#include <cmath>

namespace dlmsgw::observability {

const std::vector<double>& default_latency_buckets() {
  static const std::vector<double> buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                           0.5,   1.0,  2.5,   5.0,  10.0};
  return buckets;
}

namespace detail {

HistogramCell::HistogramCell(std::shared_ptr<const std::vector<double>> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_->size() + 1)) {}

void HistogramCell::observe(double value) {
  if (std::isnan(value)) return;
  // Bucket i counts bounds[i-1] < value <= bounds[i]: `le` is inclusive.
  const auto it = std::lower_bound(bounds_->begin(), bounds_->end(), value);
  const auto index = static_cast<std::size_t>(it - bounds_->begin());
  counts_[index].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

}  // namespace detail

Histogram::Histogram()
    : cell_(std::make_shared<Cell>(
          std::make_shared<const std::vector<double>>(default_latency_buckets()))) {}

std::uint64_t Histogram::count() const {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= cell_->bounds().size(); ++i) total += cell_->bucket_count(i);
  return total;
}

}  // namespace dlmsgw::observability
