#pragma once
// Counter: one labelled series of a counter family, a value that only goes up (reads done, frames
// sent). A handle is a shared pointer to the cell: copying it is cheap, updating it costs one
// relaxed atomic add, and it stays valid (but is no longer exported) after its label set is
// removed.

#include <atomic>
#include <memory>

namespace dlmsgw::observability {

namespace detail {
struct CounterCell {
  std::atomic<double> value{0.0};
};
}  // namespace detail

class Counter {
 public:
  using Cell = detail::CounterCell;

  // A counter that belongs to no registry: updates work and are never exported. Lets a component
  // hold its handles as plain members before (or without) registering them.
  Counter() : cell_(std::make_shared<Cell>()) {}
  explicit Counter(std::shared_ptr<Cell> cell) : cell_(std::move(cell)) {}

  // Negative and NaN amounts are ignored: a counter that went down would read as a restart.
  void inc(double amount = 1.0) const {
    if (amount >= 0.0) cell_->value.fetch_add(amount, std::memory_order_relaxed);
  }
  [[nodiscard]] double value() const { return cell_->value.load(std::memory_order_relaxed); }

 private:
  std::shared_ptr<Cell> cell_;
};

}  // namespace dlmsgw::observability
