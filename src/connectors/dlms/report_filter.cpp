#include "connectors/dlms/report_filter.hpp"

#include <algorithm>
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

std::vector<ReportFilter::Published>::iterator ReportFilter::find(const std::string& key) {
  return std::lower_bound(
      last_.begin(), last_.end(), key,
      [](const Published& entry, const std::string& k) { return entry.key < k; });
}

bool ReportFilter::should_report(const std::string& key, const ReportStrategy& strategy,
                                 const gateway::TelemetryValue& value, SteadyTime now) {
  auto found = find(key);
  const bool known = found != last_.end() && found->key == key;
  bool report = true;
  if (known) {
    const bool changed = !same_value(found->value, value);
    const bool period_passed = now - found->at >= strategy.report_period;
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
  if (known) {
    found->value = value;
    found->at = now;
    return true;
  }
  if (last_.size() == last_.capacity()) {
    const auto at = found - last_.begin();
    last_.reserve(last_.size() + 1 + last_.size() / 8);
    found = last_.begin() + at;
  }
  last_.insert(found, Published{key, value, now});
  return true;
}

void ReportFilter::forget(const std::string& key) {
  if (const auto found = find(key); found != last_.end() && found->key == key) last_.erase(found);
}

void ReportFilter::clear() {
  std::vector<Published>().swap(last_);
}

}  // namespace dlmsgw::connectors::dlms
