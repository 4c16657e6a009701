#pragma once
// HdlcChannel: APDUs over HDLC (IEC 62056-46) on a ByteStream, driving the sans-I/O HdlcLink in the
// client role. Frames end where their length field says (never at the next 0x7E), so a frame split
// over many reads, garbage between frames or 0x7E inside data and FCS are all harmless.
//
// Timing is here: each read waits at most the response timeout; when it expires the link repeats
// what awaits an answer (SNRM, DISC, unacknowledged I frames) or polls with RR, at most `retries`
// times in a row before the call fails with a timeout. While the meter says RNR (busy) it is polled
// every `busy_poll` until it says RR, for no longer than the response timeout times (retries + 1).
// A DM or FRMR from the meter, or the stream closing, ends the call with connection_closed.

#include <chrono>
#include <memory>
#include <vector>

#include "client/apdu_channel.hpp"
#include "dlms/hdlc/hdlc_link.hpp"
#include "net/byte_stream.hpp"

namespace dlmsgw::client {

struct HdlcChannelOptions {
  std::chrono::milliseconds response_timeout{5'000};
  unsigned retries = 2;
  std::chrono::milliseconds busy_poll{200};
};

class HdlcChannel final : public ApduChannel {
 public:
  // `config` is a client-role link configuration (local = client address, peer = server address).
  static Expected<std::unique_ptr<HdlcChannel>> create(std::unique_ptr<net::ByteStream> stream,
                                                       hdlc::LinkConfig config,
                                                       HdlcChannelOptions options);

  asio::awaitable<Expected<void>> open() override;
  asio::awaitable<Expected<void>> send(ByteView apdu) override;
  asio::awaitable<Expected<Bytes>> receive() override;
  asio::awaitable<void> close() override;
  void abort() override { stream_->close(); }

  [[nodiscard]] bool is_open() const override;
  [[nodiscard]] const std::string& peer() const override { return stream_->peer(); }
  void set_trace(FrameTrace trace) override { trace_ = std::move(trace); }

  [[nodiscard]] const hdlc::HdlcLink& link() const { return link_; }

 private:
  HdlcChannel(std::unique_ptr<net::ByteStream> stream, hdlc::HdlcLink link, hdlc::HdlcAddress local,
              HdlcChannelOptions options)
      : stream_(std::move(stream)), link_(std::move(link)), local_(local), options_(options) {}

  // Reads once (or handles the deadline) and processes what came. `want_apdu`: the caller waits for
  // an APDU, so a silent meter is polled even when the link itself expects nothing.
  asio::awaitable<Expected<void>> step(bool want_apdu);
  asio::awaitable<Expected<void>> write_frames(const std::vector<Bytes>& frames);
  asio::awaitable<Expected<void>> handle(hdlc::LinkOutput output);
  Error fail(ErrorCode code, const std::string& what);

  std::unique_ptr<net::ByteStream> stream_;
  hdlc::HdlcLink link_;
  hdlc::HdlcAddress local_;
  HdlcChannelOptions options_;
  FrameTrace trace_;
  // APDUs received and not taken yet, oldest first (rarely more than one). A vector, not a deque:
  // an empty std::deque holds a 576-byte block, per meter.
  std::vector<Bytes> received_;
  unsigned silent_timeouts_ = 0;
  std::chrono::steady_clock::time_point busy_since_{};
  bool busy_ = false;
  std::optional<Error> link_lost_;
  // Reused by every read: keeps step()'s coroutine frame under the ~1 KB asio recycles (bench/read
  // counted no fewer allocations per GET for it: asio's two-slot frame cache is the limit there).
  // One window of frames of the negotiated length, at most 2 KB unless one frame is longer (145
  // bytes with the default 128-byte information field and window 1, not 2 KB a meter): allocated at
  // the first read and grown only if a later UA allows more, never per GET. More bytes than it
  // holds just take more than one read.
  Bytes receive_buffer_;
};

}  // namespace dlmsgw::client
