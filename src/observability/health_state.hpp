#pragma once
// HealthState: named checks ("uplink", "storage", ...) each either ok or failing with a reason that
// an operator can act on. The process is healthy when every check is ok (and when there are none).
// Components report transitions as they happen (push, not poll), so reading the state for /health
// or the systemd watchdog costs nothing. Used on the event-loop thread only.

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace dlmsgw::observability {

struct HealthCheck {
  std::string name;
  bool ok = true;
  std::string reason;  // empty when ok
  bool operator==(const HealthCheck&) const = default;
};

class HealthState {
 public:
  void set_ok(std::string_view check);
  void set_failing(std::string_view check, std::string_view reason);
  // Forgets a check (e.g. a component that was switched off).
  bool remove(std::string_view check);

  [[nodiscard]] bool healthy() const;
  // Sorted by name.
  [[nodiscard]] std::vector<HealthCheck> checks() const;
  [[nodiscard]] std::vector<HealthCheck> failing() const;

 private:
  std::map<std::string, HealthCheck, std::less<>> checks_;
};

}  // namespace dlmsgw::observability
