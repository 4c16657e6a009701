#pragma once
// WrapperReassembler: turns a TCP byte stream, split anywhere, into complete wrapper frames.
// Feed it whatever the socket returned; take the frames out with pop(). A bad version or a length
// beyond the configured maximum means the stream is out of step (or not a wrapper stream at all):
// the reassembler then fails for good and the connection must be dropped, since no byte in a
// wrapper stream marks where the next frame starts.

#include <cstddef>
#include <deque>
#include <optional>

#include "core/bytes.hpp"
#include "core/expected.hpp"
#include "dlms/wrapper/wrapper_frame.hpp"

namespace dlmsgw::wrapper {

class WrapperReassembler {
 public:
  // `max_apdu_size`: the largest APDU accepted, normally the negotiated max receive PDU size (or
  // a little more); a frame announcing more is refused before any of it is buffered.
  explicit WrapperReassembler(std::size_t max_apdu_size = kMaxApduSize)
      : max_apdu_size_(max_apdu_size) {}

  // Appends `bytes` and extracts every frame now complete. Once an error was returned, every later
  // call returns it again.
  Expected<void> feed(ByteView bytes);
  // The oldest complete frame, if any.
  std::optional<WrapperFrame> pop();

  // Bytes held for a frame not complete yet.
  [[nodiscard]] std::size_t buffered() const { return buffer_.size(); }
  [[nodiscard]] bool failed() const { return failure_.has_value(); }

 private:
  Expected<void> extract_frames();

  std::size_t max_apdu_size_;
  Bytes buffer_;
  std::deque<WrapperFrame> frames_;
  std::optional<Error> failure_;
};

}  // namespace dlmsgw::wrapper
