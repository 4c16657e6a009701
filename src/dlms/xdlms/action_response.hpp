#pragma once
// Action-Response (tag 0xC7, Green Book xDLMS LN services):
//
//   normal [1]  invoke-id-and-priority, Action-Response-With-Optional-Data ::= SEQUENCE {
//                 result Action-Result, return-parameters Get-Data-Result OPTIONAL }
//   next-pblock [4]  invoke-id-and-priority, block-number Unsigned32 (the server received this
//                 block of the parameters: send the next)
//
// with-pblock [2] (return parameters in blocks) and with-list [3] are not implemented.

#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "core/expected.hpp"
#include "dlms/xdlms/action_result.hpp"
#include "dlms/xdlms/get_data_result.hpp"
#include "dlms/xdlms/invoke_id_and_priority.hpp"

namespace dlmsgw::xdlms {

inline constexpr std::uint8_t kActionResponseTag = 0xC7;

struct ActionResponseNormal {
  static constexpr std::uint8_t kChoice = 1;
  InvokeIdAndPriority invoke;
  ActionResult result = ActionResult::success;
  std::optional<GetDataResult> return_parameters;

  [[nodiscard]] Bytes encode() const;
  static Expected<ActionResponseNormal> decode(ByteView bytes);
  bool operator==(const ActionResponseNormal&) const = default;
};

struct ActionResponseNextPblock {
  static constexpr std::uint8_t kChoice = 4;
  InvokeIdAndPriority invoke;
  std::uint32_t block_number = 0;

  [[nodiscard]] Bytes encode() const;
  static Expected<ActionResponseNextPblock> decode(ByteView bytes);
  bool operator==(const ActionResponseNextPblock&) const = default;
};

}  // namespace dlmsgw::xdlms
