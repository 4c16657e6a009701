#include "connectors/dlms/report_filter.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace dlmsgw::connectors::dlms {

bool ReportFilter::same(std::size_t slot, const gateway::TelemetryValue& value) const {
  const auto& last = last_[slot];
  switch (last.kind) {
    case Kind::none:
      return false;
    case Kind::boolean:
      return std::holds_alternative<bool>(value) && std::get<bool>(value) == (last.bits != 0);
    case Kind::integer:
      return std::holds_alternative<std::int64_t>(value) &&
             std::get<std::int64_t>(value) == static_cast<std::int64_t>(last.bits);
    case Kind::real: {
      if (!std::holds_alternative<double>(value)) return false;
      const double x = std::bit_cast<double>(last.bits);
      const double y = std::get<double>(value);
      return x == y || (std::isnan(x) && std::isnan(y));
    }
    case Kind::text:
      return std::holds_alternative<std::string>(value) &&
             std::get<std::string>(value) == texts_[slot];
  }
  return false;
}

void ReportFilter::store(std::size_t slot, const gateway::TelemetryValue& value) {
  auto& last = last_[slot];
  if (const auto* text = std::get_if<std::string>(&value)) {
    if (slot >= texts_.size()) texts_.resize(slot + 1);
    texts_[slot] = *text;
    last.kind = Kind::text;
    return;
  }
  if (last.kind == Kind::text) std::string().swap(texts_[slot]);
  if (const auto* flag = std::get_if<bool>(&value)) {
    last.bits = *flag ? 1 : 0;
    last.kind = Kind::boolean;
  } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
    last.bits = static_cast<std::uint64_t>(*integer);
    last.kind = Kind::integer;
  } else {
    last.bits = std::bit_cast<std::uint64_t>(std::get<double>(value));
    last.kind = Kind::real;
  }
}

bool ReportFilter::should_report(std::size_t slot, const ReportStrategy& strategy,
                                 const gateway::TelemetryValue& value, SteadyTime now) {
  if (slot >= last_.size()) {
    // At once, not by doubling: a meter's slots are all known before its first poll.
    last_.reserve(std::max<std::size_t>(slot + 1, points_));
    last_.resize(slot + 1);
  }
  auto& last = last_[slot];
  bool report = true;
  if (last.kind != Kind::none) {
    const bool changed = !same(slot, value);
    const bool period_passed =
        now - SteadyTime(SteadyTime::duration(last.at)) >= strategy.report_period;
    switch (strategy.type) {
      case ReportStrategyType::on_received:
        report = true;
        break;
      case ReportStrategyType::on_change:
        report = changed;
        break;
      case ReportStrategyType::on_report_period:
        report = period_passed;
        break;
      case ReportStrategyType::on_change_or_report_period:
        report = changed || period_passed;
        break;
    }
  }
  if (!report) return false;
  store(slot, value);
  last.at = now.time_since_epoch().count();
  return true;
}

void ReportFilter::forget(std::size_t slot) {
  if (slot >= last_.size()) return;
  if (last_[slot].kind == Kind::text) std::string().swap(texts_[slot]);
  last_[slot] = Published{};
}

std::size_t ReportFilter::size() const {
  return static_cast<std::size_t>(std::count_if(
      last_.begin(), last_.end(), [](const Published& last) { return last.kind != Kind::none; }));
}

void ReportFilter::clear() {
  std::vector<Published>().swap(last_);
  std::vector<std::string>().swap(texts_);
}

}  // namespace dlmsgw::connectors::dlms
