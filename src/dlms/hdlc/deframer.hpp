#pragma once
// Deframer: cuts a byte stream (TCP or serial, split anywhere) into valid HDLC frames.
//
// A frame ends where its format field's length says, never at the next 0x7E, so 0x7E bytes inside
// data, HCS or FCS are harmless. Bytes before an opening flag are skipped as garbage. When a
// candidate frame turns out bad (format type, impossible length, HCS, FCS, missing closing flag),
// only its opening flag is dropped and the search resumes on the next 0x7E, so a valid frame hidden
// behind a false start is still found. A closing flag may also open the next frame.
//
// With addresses set, frames not addressed from the peer to us are skipped; those going the other
// way (our own transmissions echoed back on half-duplex lines) are counted apart.
//
// Memory is bounded: the buffer never holds more than one maximal frame (2049 bytes).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.hpp"
#include "dlms/hdlc/frame.hpp"
#include "dlms/hdlc/hdlc_address.hpp"

namespace dlmsgw::hdlc {

struct DeframerStats {
  std::uint64_t frames = 0;          // valid frames delivered
  std::uint64_t garbage_bytes = 0;   // bytes skipped outside any frame candidate
  std::uint64_t bad_frames = 0;      // candidates rejected (each cost one dropped flag)
  std::uint64_t echoes = 0;          // our own frames seen back
  std::uint64_t foreign_frames = 0;  // valid frames for or from other stations
};

class Deframer {
 public:
  Deframer() = default;

  // Deliver only frames with destination `local` (and source `peer` when given); frames with
  // destination `peer` and source `local` are echoes.
  void expect_addresses(const HdlcAddress& local, std::optional<HdlcAddress> peer);
  void accept_any_address();

  // Appends `bytes` and returns every frame completed by them, in stream order.
  std::vector<Frame> feed(ByteView bytes);

  // Forget buffered bytes (e.g. after reconnecting); the statistics are kept.
  void reset();

  [[nodiscard]] const DeframerStats& stats() const { return stats_; }
  // Bytes waiting for the rest of a frame.
  [[nodiscard]] std::size_t buffered() const { return buffer_.size() - start_; }

 private:
  // Tries to take one frame from the buffer; returns false when more bytes are needed.
  bool extract(std::vector<Frame>& out);
  void drop(std::size_t count) { start_ += count; }
  void deliver(Frame frame, std::vector<Frame>& out);
  void compact();

  Bytes buffer_;
  std::size_t start_ = 0;
  std::optional<HdlcAddress> local_;
  std::optional<HdlcAddress> peer_;
  DeframerStats stats_;
};

}  // namespace dlmsgw::hdlc
