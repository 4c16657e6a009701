#pragma once
// GetBlockReassembler: joins the blocks of a long GET (Get-Response-With-Datablock) into the value
// they carry. Sans-I/O: the caller sends the requests and feeds each response; the reassembler
// checks it and says what to send next.
//
// Green Book block transfer with GET: the server answers the Get-Request with block 1; the client
// acknowledges block N with Get-Request-Next(N) until a block has last-block set. The raw data of
// all blocks, concatenated, is the A-XDR encoding of one Data; for the answer to a
// Get-Request-With-List, the SEQUENCE OF Get-Data-Result that Get-Response-With-List carries.
//
// Refused (the transfer is then over; start a new one): a block number that is not the next one
// (the first must be 1), a different invoke id, a data-access-result in any block (the server gave
// up: the error names it), more bytes than the configured bound (16 MiB by default; a meter's
// whole load profile is far below that), a feed after the end, and concatenated bytes that are
// not exactly one Data.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <variant>

#include "core/bytes.hpp"
#include "core/expected.hpp"
#include "dlms/axdr/data.hpp"
#include "dlms/axdr/data_codec.hpp"
#include "dlms/xdlms/get_request.hpp"
#include "dlms/xdlms/get_response.hpp"

namespace dlmsgw::xdlms {

class GetBlockReassembler {
 public:
  static constexpr std::size_t kDefaultMaxTotalSize = std::size_t{16} * 1024 * 1024;

  // What the blocks carry: the answer to a Get-Request-Normal or to a Get-Request-With-List.
  enum class Content : std::uint8_t { one_value, result_list };

  // After a block: the request to send for the next block, or the value (the results, for a
  // list) once the last arrived.
  using Step = std::variant<GetRequestNext, axdr::Data, std::vector<GetDataResult>>;

  explicit GetBlockReassembler(std::size_t max_total_size = kDefaultMaxTotalSize,
                               axdr::DecodeLimits limits = {}, Content content = Content::one_value)
      : max_total_size_(max_total_size), limits_(limits), content_(content) {}

  Expected<Step> feed(const GetResponseWithDatablock& block);

  // True once the value was returned or an error ended the transfer.
  [[nodiscard]] bool finished() const { return finished_; }
  [[nodiscard]] std::uint32_t blocks_received() const { return last_block_number_; }
  [[nodiscard]] std::size_t bytes_received() const { return buffer_.size(); }

 private:
  Expected<Step> accept(const GetResponseWithDatablock& block);

  std::size_t max_total_size_;
  axdr::DecodeLimits limits_;
  Content content_;
  Bytes buffer_;
  std::uint32_t last_block_number_ = 0;
  std::optional<InvokeIdAndPriority> invoke_;
  bool finished_ = false;
};

}  // namespace dlmsgw::xdlms
