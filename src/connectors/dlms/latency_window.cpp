#include "connectors/dlms/latency_window.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace dlmsgw::connectors::dlms {
namespace {

// Below 2^11 the value itself; above, 11 significant bits and the shift: the code is
// 2048 + (shift - 1) * 1024 + (the bits below the leading one), at most 23,551 for 2^32 - 1.
// Codes sort like the values they stand for.
constexpr std::uint32_t kExact = 2048;

std::uint16_t encode(std::uint32_t micros) {
  if (micros < kExact) return static_cast<std::uint16_t>(micros);
  const auto shift = static_cast<std::uint32_t>(std::bit_width(micros)) - 11;  // >= 1
  const std::uint32_t mantissa = (micros >> shift) - 1024;                     // 0..1023
  return static_cast<std::uint16_t>(kExact + (shift - 1) * 1024 + mantissa);
}

// The middle of the values a code stands for: an error of at most half the step.
std::uint32_t decode(std::uint16_t code) {
  if (code < kExact) return code;
  const std::uint32_t shift = (code - kExact) / 1024 + 1;
  const std::uint32_t mantissa = (code - kExact) % 1024 + 1024;
  return (mantissa << shift) + ((std::uint32_t{1} << shift) - 1) / 2;
}

}  // namespace

LatencyWindow::LatencyWindow(std::size_t capacity)
    : capacity_(std::max<std::size_t>(capacity, 1)) {}

void LatencyWindow::add(std::chrono::microseconds sample) {
  const auto micros = static_cast<std::uint32_t>(
      std::clamp<std::chrono::microseconds::rep>(sample.count(), 0, UINT32_MAX));
  const std::uint16_t code = encode(micros);
  if (samples_.size() < capacity_) {
    if (samples_.empty()) samples_.reserve(capacity_);  // at once, not by doubling
    samples_.push_back(code);
    return;
  }
  samples_[next_] = code;
  next_ = (next_ + 1) % capacity_;
}

std::optional<std::chrono::microseconds> LatencyWindow::percentile(double p) const {
  if (samples_.empty() || std::isnan(p)) return std::nullopt;
  p = std::clamp(p, 0.0, 100.0);
  std::vector<std::uint16_t> sorted = samples_;
  std::sort(sorted.begin(), sorted.end());
  const auto count = static_cast<double>(sorted.size());
  // Rank 1..N; p = 0 is taken as rank 1 (the minimum).
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * count));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return std::chrono::microseconds(decode(sorted[rank - 1]));
}

void LatencyWindow::clear() {
  samples_.clear();
  next_ = 0;
}

}  // namespace dlmsgw::connectors::dlms
