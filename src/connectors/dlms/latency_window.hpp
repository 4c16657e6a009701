#pragma once
// LatencyWindow: the last `capacity` read latencies of one meter, for the p50/p95 in its
// statistics. A fixed ring, so memory stays bounded however long the gateway runs; percentiles
// sort a copy (256 samples, asked for once per statistics report). Samples are held as 32-bit
// microseconds (1 KiB per meter, not 2: it is per meter, times thousands); one above 71 minutes
// counts as 71 minutes.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace dlmsgw::connectors::dlms {

class LatencyWindow {
 public:
  // A capacity of 0 is taken as 1.
  explicit LatencyWindow(std::size_t capacity = 256);

  // Adds a sample, dropping the oldest once `capacity` are held.
  void add(std::chrono::microseconds sample);
  // Nearest-rank percentile, p in percent (50 for the median, 95, 100 for the maximum; values
  // outside 0..100 are clamped, 0 gives the minimum): the smallest sample such that at least p %
  // of the samples are <= it. nullopt without samples or for a NaN p.
  [[nodiscard]] std::optional<std::chrono::microseconds> percentile(double p) const;
  [[nodiscard]] std::size_t size() const { return samples_.size(); }
  [[nodiscard]] std::size_t capacity() const { return capacity_; }
  void clear();

 private:
  std::size_t capacity_;
  std::vector<std::uint32_t> samples_;  // microseconds
  std::size_t next_ = 0;                // where the next sample goes once the ring is full
};

}  // namespace dlmsgw::connectors::dlms
