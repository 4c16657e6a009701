#include "dlms/xdlms/get_block_reassembler.hpp"

#include <string>

namespace dlmsgw::xdlms {

Expected<GetBlockReassembler::Step> GetBlockReassembler::feed(
    const GetResponseWithDatablock& block) {
  if (finished_) {
    return make_error(ErrorCode::protocol_state, "GET block transfer: block " +
                                                     std::to_string(block.block_number) +
                                                     " after the transfer ended");
  }
  auto step = accept(block);
  if (!step) {
    finished_ = true;
    return step.error().with_context("GET block transfer");
  }
  return step;
}

Expected<GetBlockReassembler::Step> GetBlockReassembler::accept(
    const GetResponseWithDatablock& block) {
  if (invoke_ && block.invoke != *invoke_) {
    return make_error(ErrorCode::protocol_state, "block " + std::to_string(block.block_number) +
                                                     " carries " + block.invoke.to_string() +
                                                     ", the transfer " + invoke_->to_string());
  }
  // In 64 bits: after block 2^32 - 1 no block number is the next one.
  const std::uint64_t expected = std::uint64_t{last_block_number_} + 1;
  if (block.block_number != expected) {
    return make_error(ErrorCode::protocol_state, "block " + std::to_string(block.block_number) +
                                                     " out of order, expected " +
                                                     std::to_string(expected));
  }
  if (const auto* refusal = std::get_if<DataAccessResult>(&block.result)) {
    return make_error(ErrorCode::rejected, "block " + std::to_string(block.block_number) +
                                               ": data-access-result " + describe(*refusal));
  }
  const Bytes& raw = std::get<Bytes>(block.result);
  // An empty block that is not the last one makes no progress: a meter answering every
  // Get-Request-Next that way would keep the transfer going for 2^32 round trips.
  if (raw.empty() && !block.last_block) {
    return make_error(ErrorCode::malformed,
                      "block " + std::to_string(block.block_number) +
                          " is empty and not the last: the transfer makes no progress");
  }
  if (raw.size() > max_total_size_ - buffer_.size()) {
    return make_error(ErrorCode::out_of_range,
                      "block " + std::to_string(block.block_number) + " brings the data to " +
                          std::to_string(buffer_.size() + raw.size()) + " bytes, above the " +
                          std::to_string(max_total_size_) + "-byte bound");
  }
  invoke_ = block.invoke;
  last_block_number_ = block.block_number;
  buffer_.insert(buffer_.end(), raw.begin(), raw.end());
  if (!block.last_block) return Step(GetRequestNext{block.invoke, block.block_number});

  finished_ = true;
  if (content_ == Content::result_list) {
    auto results = decode_get_data_results(buffer_);
    if (!results) {
      return results.error().with_context("reassembled " + std::to_string(buffer_.size()) +
                                          " bytes from " + std::to_string(last_block_number_) +
                                          " block(s)");
    }
    return Step(std::move(*results));
  }
  auto data = axdr::decode_single_data(buffer_, limits_);
  if (!data) {
    return data.error().with_context("reassembled " + std::to_string(buffer_.size()) +
                                     " bytes from " + std::to_string(last_block_number_) +
                                     " block(s)");
  }
  return Step(std::move(*data));
}

}  // namespace dlmsgw::xdlms
