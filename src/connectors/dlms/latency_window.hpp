#pragma once
// LatencyWindow: the last `capacity` read latencies of one meter, for the p50/p95 in its
// statistics. A fixed ring, so memory stays bounded however long the gateway runs; percentiles
// sort a copy (64 samples, asked for once per statistics report). 64 reads are 96 s of the
// user's meter (10 registers every 15 s), more than the 60 s between statistics reports, so the
// percentiles still cover every read since the last report there; the whole distribution since
// the start is in the Prometheus histogram (LatencyBuckets).
//
// Samples are held in 16 bits (128 bytes per meter: it is per meter, times thousands), as a small
// floating point number of microseconds: exact below 2,048 us, within 0.05 % above (11
// significant bits). The encoding keeps the order, so a percentile is still one of the samples,
// to that accuracy. One above 71 minutes (2^32 us) counts as 71 minutes.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace dlmsgw::connectors::dlms {

class LatencyWindow {
 public:
  static constexpr std::size_t kDefaultCapacity = 64;
  // A capacity of 0 is taken as 1.
  explicit LatencyWindow(std::size_t capacity = kDefaultCapacity);

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
  std::vector<std::uint16_t> samples_;  // microseconds, encoded (latency_window.cpp)
  std::size_t next_ = 0;                // where the next sample goes once the ring is full
};

}  // namespace dlmsgw::connectors::dlms
