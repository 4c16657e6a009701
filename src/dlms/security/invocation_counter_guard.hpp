#pragma once
// InvocationCounterGuard: replay protection for what a peer sends. It remembers the last accepted
// invocation counter and accepts only strictly greater ones; a fresh guard accepts any value, 0
// included (a meter's counter may legitimately start at 0 after a key change).

#include <optional>

#include "core/expected.hpp"
#include "dlms/security/invocation_counter.hpp"

namespace dlmsgw::security {

class InvocationCounterGuard {
 public:
  InvocationCounterGuard() = default;
  // Starts from a counter already seen (e.g. persisted across sessions).
  explicit InvocationCounterGuard(InvocationCounter last_accepted) : last_(last_accepted) {}

  // Accepts and records `counter`, or returns `protocol_state` naming both values when it does not
  // increase (a replayed or reordered APDU). A rejected counter leaves the guard unchanged.
  Expected<void> accept(InvocationCounter counter);

  [[nodiscard]] std::optional<InvocationCounter> last_accepted() const { return last_; }

 private:
  std::optional<InvocationCounter> last_;
};

}  // namespace dlmsgw::security
