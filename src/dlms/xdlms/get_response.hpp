#pragma once
// Get-Response (tag 0xC4, Green Book xDLMS LN services):
//
//   normal          [1]  invoke-id-and-priority, Get-Data-Result
//   with-datablock  [2]  invoke-id-and-priority, DataBlock-G ::= SEQUENCE {
//                          last-block BOOLEAN, block-number Unsigned32,
//                          result CHOICE { raw-data [0] OCTET STRING,
//                                          data-access-result [1] Data-Access-Result } }
//   with-list       [3]  invoke-id-and-priority, SEQUENCE OF Get-Data-Result
//
// The raw data of a block is a slice of the A-XDR encoding of the whole value; see
// GetBlockReassembler for joining them.

#include <cstdint>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/expected.hpp"
#include "dlms/xdlms/get_data_result.hpp"
#include "dlms/xdlms/invoke_id_and_priority.hpp"

namespace dlmsgw::xdlms {

inline constexpr std::uint8_t kGetResponseTag = 0xC4;

struct GetResponseNormal {
  static constexpr std::uint8_t kChoice = 1;
  InvokeIdAndPriority invoke;
  GetDataResult result;

  [[nodiscard]] Bytes encode() const;
  static Expected<GetResponseNormal> decode(ByteView bytes);
  bool operator==(const GetResponseNormal&) const = default;
};

struct GetResponseWithDatablock {
  static constexpr std::uint8_t kChoice = 2;
  InvokeIdAndPriority invoke;
  bool last_block = false;
  std::uint32_t block_number = 0;
  std::variant<Bytes, DataAccessResult> result;  // raw-data or data-access-result

  [[nodiscard]] Bytes encode() const;
  static Expected<GetResponseWithDatablock> decode(ByteView bytes);
  bool operator==(const GetResponseWithDatablock&) const = default;
};

struct GetResponseWithList {
  static constexpr std::uint8_t kChoice = 3;
  InvokeIdAndPriority invoke;
  std::vector<GetDataResult> results;

  [[nodiscard]] Bytes encode() const;
  static Expected<GetResponseWithList> decode(ByteView bytes);
  bool operator==(const GetResponseWithList&) const = default;
};

}  // namespace dlmsgw::xdlms
