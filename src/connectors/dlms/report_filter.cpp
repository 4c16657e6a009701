#include "connectors/dlms/report_filter.hpp"

#include <cmath>

namespace dlmsgw::connectors::dlms {
namespace {

bool same_value(const gateway::TelemetryValue& a, const gateway::TelemetryValue& b) {
  if (a.index() != b.index()) return false;
  if (const auto* x = std::get_if<double>(&a)) {
    const double y = std::get<double>(b);
    return *x == y || (std::isnan(*x) && std::isnan(y));
  }
  return a == b;
}

}  // namespace

bool ReportFilter::should_report(const std::string& key, const ReportStrategy& strategy,
                                 const gateway::TelemetryValue& value, SteadyTime now) {
  const auto found = last_.find(key);
  bool report = true;
  if (found != last_.end()) {
    const bool changed = !same_value(found->second.value, value);
    const bool period_passed = now - found->second.at >= strategy.report_period;
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
  if (found != last_.end()) {
    found->second = Published{value, now};
  } else {
    last_.emplace(key, Published{value, now});
  }
  return true;
}

void ReportFilter::forget(const std::string& key) {
  last_.erase(key);
}

void ReportFilter::clear() {
  last_.clear();
}

}  // namespace dlmsgw::connectors::dlms
