#pragma once
// Action-Request (tag 0xC3, Green Book xDLMS LN services), the forms this library writes and reads:
//
//   normal [1]  invoke-id-and-priority, Cosem-Method-Descriptor,
//               method-invocation-parameters Data OPTIONAL
//   with-first-pblock [4]  invoke-id-and-priority, Cosem-Method-Descriptor, pblock DataBlock-SA
//   with-pblock [6]  invoke-id-and-priority, pblock DataBlock-SA (blocks 2 and on)
//
// e.g. remote_disconnect (method 1) of the disconnect control 0-0:96.3.10 (class 70) with the
// parameter integer 0. The pblock forms carry parameters too long for one PDU (data_block_sa.hpp).
// next-pblock [2] (asking for the next block of a long answer) and the list forms [3], [5] are not
// implemented.

#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "core/expected.hpp"
#include "dlms/axdr/data.hpp"
#include "dlms/xdlms/cosem_descriptor.hpp"
#include "dlms/xdlms/data_block_sa.hpp"
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

struct ActionRequestWithFirstPblock {
  static constexpr std::uint8_t kChoice = 4;
  InvokeIdAndPriority invoke;
  CosemMethodDescriptor method;
  DataBlockSa block;

  [[nodiscard]] Bytes encode() const;
  static Expected<ActionRequestWithFirstPblock> decode(ByteView bytes);
  bool operator==(const ActionRequestWithFirstPblock&) const = default;
};

struct ActionRequestWithPblock {
  static constexpr std::uint8_t kChoice = 6;
  InvokeIdAndPriority invoke;
  DataBlockSa block;

  [[nodiscard]] Bytes encode() const;
  static Expected<ActionRequestWithPblock> decode(ByteView bytes);
  bool operator==(const ActionRequestWithPblock&) const = default;
};

}  // namespace dlmsgw::xdlms
