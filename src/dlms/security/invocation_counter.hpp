#pragma once
// InvocationCounter: the 32-bit counter that makes each AES-GCM IV unique (IV = system title ||
// IC). A sender must never reuse a value under the same key, so `next()` refuses to wrap around.

#include <compare>
#include <cstdint>

#include "core/expected.hpp"

namespace dlmsgw::security {

class InvocationCounter {
 public:
  constexpr InvocationCounter() = default;
  constexpr explicit InvocationCounter(std::uint32_t value) : value_(value) {}

  [[nodiscard]] constexpr std::uint32_t value() const { return value_; }
  // The following counter, or `out_of_range` at 0xFFFFFFFF: the key must be changed then.
  [[nodiscard]] Expected<InvocationCounter> next() const;

  friend constexpr auto operator<=>(const InvocationCounter&, const InvocationCounter&) = default;

 private:
  std::uint32_t value_ = 0;
};

}  // namespace dlmsgw::security
