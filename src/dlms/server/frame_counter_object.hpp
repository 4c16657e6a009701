#pragma once
// FrameCounterObject: class 1 "Data" at 0-0:43.1.0, the invocation (frame) counter the meter last
// accepted from a ciphering client, as double-long-unsigned (0 before any). Meters expose it to the
// public client so that a client whose own record of the counter was lost can continue above it.
// Read-only; the value lives in the SimulatedMeter and moves with every ciphered request.

#include <cstdint>
#include <optional>

#include "dlms/server/cosem_object.hpp"

namespace dlmsgw::server {

inline constexpr ObisCode kFrameCounterCode{0, 0, 43, 1, 0};

class FrameCounterObject final : public CosemObject {
 public:
  explicit FrameCounterObject(const std::optional<std::uint32_t>& last_accepted)
      : CosemObject(1, 0, kFrameCounterCode), last_accepted_(last_accepted) {}

  [[nodiscard]] std::vector<AttributeDefinition> attributes() const override {
    return {{1, AttributeAccess::read_only, {}}, {2, AttributeAccess::read_only, {}}};
  }

 protected:
  xdlms::GetDataResult read(std::int8_t, const std::optional<xdlms::SelectiveAccess>&,
                            const RequestContext&) const override {
    return axdr::Data::double_long_unsigned(last_accepted_.value_or(0));
  }

 private:
  const std::optional<std::uint32_t>& last_accepted_;
};

}  // namespace dlmsgw::server
