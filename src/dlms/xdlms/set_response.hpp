#pragma once
// Set-Response (tag 0xC5, Green Book xDLMS LN services), the forms answering the requests of
// set_request.hpp:
//
//   normal    [1]  invoke-id-and-priority, result Data-Access-Result
//   datablock [2]  invoke-id-and-priority, block-number Unsigned32 (block received, send the next)
//   last-datablock [3]  invoke-id-and-priority, result Data-Access-Result, block-number Unsigned32
//   with-list [5]  invoke-id-and-priority, SEQUENCE OF Data-Access-Result
//
// last-datablock-with-list [4] is not implemented, like the request that causes it.

#include <cstdint>
#include <vector>

#include "core/bytes.hpp"
#include "core/expected.hpp"
#include "dlms/xdlms/data_access_result.hpp"
#include "dlms/xdlms/invoke_id_and_priority.hpp"

namespace dlmsgw::xdlms {

inline constexpr std::uint8_t kSetResponseTag = 0xC5;

struct SetResponseNormal {
  static constexpr std::uint8_t kChoice = 1;
  InvokeIdAndPriority invoke;
  DataAccessResult result = DataAccessResult::success;

  [[nodiscard]] Bytes encode() const;
  static Expected<SetResponseNormal> decode(ByteView bytes);
  bool operator==(const SetResponseNormal&) const = default;
};

struct SetResponseDatablock {
  static constexpr std::uint8_t kChoice = 2;
  InvokeIdAndPriority invoke;
  std::uint32_t block_number = 0;

  [[nodiscard]] Bytes encode() const;
  static Expected<SetResponseDatablock> decode(ByteView bytes);
  bool operator==(const SetResponseDatablock&) const = default;
};

struct SetResponseLastDatablock {
  static constexpr std::uint8_t kChoice = 3;
  InvokeIdAndPriority invoke;
  DataAccessResult result = DataAccessResult::success;
  std::uint32_t block_number = 0;

  [[nodiscard]] Bytes encode() const;
  static Expected<SetResponseLastDatablock> decode(ByteView bytes);
  bool operator==(const SetResponseLastDatablock&) const = default;
};

struct SetResponseWithList {
  static constexpr std::uint8_t kChoice = 5;
  InvokeIdAndPriority invoke;
  std::vector<DataAccessResult> results;

  [[nodiscard]] Bytes encode() const;
  static Expected<SetResponseWithList> decode(ByteView bytes);
  bool operator==(const SetResponseWithList&) const = default;
};

}  // namespace dlmsgw::xdlms
