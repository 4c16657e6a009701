#include "dlms/security/invocation_counter_guard.hpp"

#include <string>

namespace dlmsgw::security {

Expected<void> InvocationCounterGuard::accept(InvocationCounter counter) {
  if (last_ && counter <= *last_) {
    return make_error(ErrorCode::protocol_state,
                      "invocation counter " + std::to_string(counter.value()) +
                          " does not exceed the last accepted " + std::to_string(last_->value()) +
                          " (replayed or reordered APDU)");
  }
  last_ = counter;
  return {};
}

}  // namespace dlmsgw::security
