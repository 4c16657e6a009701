#include "observability/health_state.hpp"

#include <algorithm>

namespace dlmsgw::observability {

void HealthState::set_ok(std::string_view check) {
  checks_.insert_or_assign(std::string(check), HealthCheck{std::string(check), true, {}});
}

void HealthState::set_failing(std::string_view check, std::string_view reason) {
  checks_.insert_or_assign(std::string(check),
                           HealthCheck{std::string(check), false, std::string(reason)});
}

bool HealthState::remove(std::string_view check) {
  const auto it = checks_.find(check);
  if (it == checks_.end()) return false;
  checks_.erase(it);
  return true;
}

bool HealthState::healthy() const {
  return std::all_of(checks_.begin(), checks_.end(),
                     [](const auto& entry) { return entry.second.ok; });
}

std::vector<HealthCheck> HealthState::checks() const {
  std::vector<HealthCheck> result;
  result.reserve(checks_.size());
  for (const auto& [name, check] : checks_) result.push_back(check);
  return result;
}

std::vector<HealthCheck> HealthState::failing() const {
  std::vector<HealthCheck> result;
  for (const auto& [name, check] : checks_) {
    if (!check.ok) result.push_back(check);
  }
  return result;
}

}  // namespace dlmsgw::observability
