#include "dlms/security/invocation_counter.hpp"

#include <limits>

namespace dlmsgw::security {

Expected<InvocationCounter> InvocationCounter::next() const {
  if (value_ == std::numeric_limits<std::uint32_t>::max()) {
    return make_error(ErrorCode::out_of_range,
                      "invocation counter exhausted (0xFFFFFFFF): a new key is needed");
  }
  return InvocationCounter(value_ + 1);
}

}  // namespace dlmsgw::security
