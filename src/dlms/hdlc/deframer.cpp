#include "dlms/hdlc/deframer.hpp"

#include <algorithm>

namespace dlmsgw::hdlc {

void Deframer::expect_addresses(const HdlcAddress& local, std::optional<HdlcAddress> peer) {
  local_ = local;
  peer_ = std::move(peer);
}

void Deframer::accept_any_address() {
  local_.reset();
  peer_.reset();
}

void Deframer::reset() {
  buffer_.clear();
  start_ = 0;
}

std::vector<Frame> Deframer::feed(ByteView bytes) {
  std::vector<Frame> out;
  // Append in slices so the buffer never grows past one maximal frame, whatever the caller feeds.
  while (!bytes.empty()) {
    compact();
    const std::size_t room = kMaxEncodedFrameSize - buffered();
    const std::size_t take = std::min(room, bytes.size());
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
    bytes = bytes.subspan(take);
    while (extract(out)) {
    }
  }
  compact();
  return out;
}

void Deframer::compact() {
  if (start_ == 0) return;
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
  start_ = 0;
}

bool Deframer::extract(std::vector<Frame>& out) {
  const ByteView data = ByteView(buffer_).subspan(start_);
  if (data.empty()) return false;
  if (data[0] != kFlag) {
    const auto flag = std::find(data.begin(), data.end(), kFlag);
    const auto skipped = static_cast<std::size_t>(flag - data.begin());
    stats_.garbage_bytes += skipped;
    drop(skipped);
    return flag != data.end();
  }
  // Two flags in a row: the first closes nothing or only separates frames.
  if (data.size() >= 2 && data[1] == kFlag) {
    drop(1);
    return true;
  }
  if (data.size() < 3) return false;
  auto length = frame_length_from_format(data[1], data[2]);
  // A header that is already certainly wrong is rejected before waiting for the whole length, so a
  // false start claiming 2000 bytes does not hold up the real frames behind it.
  if (!length || !check_frame_header(data)) {
    ++stats_.bad_frames;
    drop(1);
    return true;
  }
  const std::size_t total = *length + 2;
  if (data.size() < total) return false;
  auto frame = decode_frame(data.first(total));
  if (!frame) {
    ++stats_.bad_frames;
    drop(1);
    return true;
  }
  // Keep the closing flag: it may be the opening flag of the next frame.
  drop(total - 1);
  deliver(std::move(*frame), out);
  return true;
}

void Deframer::deliver(Frame frame, std::vector<Frame>& out) {
  if (local_) {
    const bool for_us = frame.destination == *local_ && (!peer_ || frame.source == *peer_);
    if (!for_us) {
      const bool echo = frame.source == *local_ && (!peer_ || frame.destination == *peer_);
      ++(echo ? stats_.echoes : stats_.foreign_frames);
      return;
    }
  }
  ++stats_.frames;
  out.push_back(std::move(frame));
}

}  // namespace dlmsgw::hdlc
