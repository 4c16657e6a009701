#pragma once
// Gauge: one labelled series of a gauge family, a value that goes up and down (connected 0/1, time
// of the last good read). Same handle semantics as Counter: cheap to copy, relaxed atomic updates,
// valid after its label set is removed.

#include <atomic>
#include <memory>

namespace dlmsgw::observability {

namespace detail {
struct GaugeCell {
  std::atomic<double> value{0.0};
};
}  // namespace detail

class Gauge {
 public:
  using Cell = detail::GaugeCell;

  Gauge() : cell_(std::make_shared<Cell>()) {}  // detached: updates work, never exported
  explicit Gauge(std::shared_ptr<Cell> cell) : cell_(std::move(cell)) {}

  void set(double value) const { cell_->value.store(value, std::memory_order_relaxed); }
  void inc(double amount = 1.0) const { cell_->value.fetch_add(amount, std::memory_order_relaxed); }
  void dec(double amount = 1.0) const { cell_->value.fetch_sub(amount, std::memory_order_relaxed); }
  [[nodiscard]] double value() const { return cell_->value.load(std::memory_order_relaxed); }

 private:
  std::shared_ptr<Cell> cell_;
};

}  // namespace dlmsgw::observability
