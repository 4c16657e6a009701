#include "dlms/wrapper/wrapper_reassembler.hpp"

#include <string>

namespace dlmsgw::wrapper {

Expected<void> WrapperReassembler::feed(ByteView bytes) {
  if (failure_) return *failure_;
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  auto extracted = extract_frames();
  if (!extracted) {
    failure_ = extracted.error();
    buffer_.clear();
    buffer_.shrink_to_fit();
  }
  return extracted;
}

std::optional<WrapperFrame> WrapperReassembler::pop() {
  if (frames_.empty()) return std::nullopt;
  WrapperFrame frame = std::move(frames_.front());
  frames_.pop_front();
  return frame;
}

Expected<void> WrapperReassembler::extract_frames() {
  std::size_t offset = 0;
  while (buffer_.size() - offset >= kHeaderSize) {
    const ByteView rest = ByteView(buffer_).subspan(offset);
    auto header = decode_wrapper_header(rest);
    if (!header) return header.error().with_context("wrapper stream");
    if (header->length == 0 || header->length > max_apdu_size_) {
      return make_error(ErrorCode::out_of_range,
                        "wrapper stream: frame length " + std::to_string(header->length) +
                            " outside 1.." + std::to_string(max_apdu_size_) +
                            " (stream out of step?)");
    }
    const std::size_t frame_size = kHeaderSize + header->length;
    if (rest.size() < frame_size) break;
    const ByteView apdu = rest.subspan(kHeaderSize, header->length);
    frames_.push_back(WrapperFrame{header->source_wport, header->destination_wport,
                                   Bytes(apdu.begin(), apdu.end())});
    offset += frame_size;
  }
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(offset));
  return {};
}

}  // namespace dlmsgw::wrapper
