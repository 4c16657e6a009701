#pragma once
// Action-Request (tag 0xC3, Green Book xDLMS LN services), normal form only:
//
//   normal [1]  invoke-id-and-priority, Cosem-Method-Descriptor,
//               method-invocation-parameters Data OPTIONAL
//
// e.g. remote_disconnect (method 1) of the disconnect control 0-0:96.3.10 (class 70) with the
// parameter integer 0. The list and parameter-block forms are not implemented.

#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "core/expected.hpp"
#include "dlms/axdr/data.hpp"
#include "dlms/xdlms/cosem_descriptor.hpp"
#include "dlms/xdlms/invoke_id_and_priority.hpp"

namespace dlmsgw::xdlms {

inline constexpr std::uint8_t kActionRequestTag = 0xC3;

struct ActionRequestNormal {
  static constexpr std::uint8_t kChoice = 1;
  InvokeIdAndPriority invoke;
  CosemMethodDescriptor method;
  std::optional<axdr::Data> parameters;

  [[nodiscard]] Bytes encode() const;
  static Expected<ActionRequestNormal> decode(ByteView bytes);
  bool operator==(const ActionRequestNormal&) const = default;
};

}  // namespace dlmsgw::xdlms
