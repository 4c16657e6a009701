#include "connectors/dlms/latency_window.hpp"

#include <algorithm>
#include <cmath>

namespace dlmsgw::connectors::dlms {

LatencyWindow::LatencyWindow(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {
  samples_.reserve(capacity_);
}

void LatencyWindow::add(std::chrono::microseconds sample) {
  const auto micros = static_cast<std::uint32_t>(
      std::clamp<std::chrono::microseconds::rep>(sample.count(), 0, UINT32_MAX));
  if (samples_.size() < capacity_) {
    samples_.push_back(micros);
    return;
  }
  samples_[next_] = micros;
  next_ = (next_ + 1) % capacity_;
}

std::optional<std::chrono::microseconds> LatencyWindow::percentile(double p) const {
  if (samples_.empty() || std::isnan(p)) return std::nullopt;
  p = std::clamp(p, 0.0, 100.0);
  std::vector<std::uint32_t> sorted = samples_;
  std::sort(sorted.begin(), sorted.end());
  const auto count = static_cast<double>(sorted.size());
  // Rank 1..N; p = 0 is taken as rank 1 (the minimum).
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * count));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return std::chrono::microseconds(sorted[rank - 1]);
}

void LatencyWindow::clear() {
  samples_.clear();
  next_ = 0;
}

}  // namespace dlmsgw::connectors::dlms
