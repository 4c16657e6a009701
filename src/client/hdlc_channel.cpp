#include "client/hdlc_channel.hpp"

// g++ 12 reports asio's coroutine frame allocator as mismatched new/delete after inlining (a known
// false positive: the frame is allocated and freed by the same awaitable_frame_base operators).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <algorithm>
#include <array>

#include "dlms/hdlc/frame.hpp"

namespace dlmsgw::client {

Expected<std::unique_ptr<HdlcChannel>> HdlcChannel::create(std::unique_ptr<net::ByteStream> stream,
                                                           hdlc::LinkConfig config,
                                                           HdlcChannelOptions options) {
  config.role = hdlc::LinkRole::client;
  const hdlc::HdlcAddress local = config.local;
  DLMSGW_TRY_ASSIGN(hdlc::HdlcLink link, hdlc::HdlcLink::create(std::move(config)));
  return std::unique_ptr<HdlcChannel>(
      new HdlcChannel(std::move(stream), std::move(link), local, options));
}

bool HdlcChannel::is_open() const {
  return stream_->is_open() && link_.state() == hdlc::LinkState::connected && !link_lost_;
}

Error HdlcChannel::fail(ErrorCode code, const std::string& what) {
  return make_error(code, what);
}

asio::awaitable<Expected<void>> HdlcChannel::write_frames(const std::vector<Bytes>& frames) {
  for (const Bytes& frame : frames) {
    if (trace_) trace_(TraceDirection::sent, frame);
    auto written = co_await stream_->write(frame, options_.response_timeout);
    if (!written) co_return written.error();
  }
  co_return Expected<void>{};
}

asio::awaitable<Expected<void>> HdlcChannel::handle(hdlc::LinkOutput output) {
  auto written = co_await write_frames(output.frames);
  if (!written) co_return written.error();
  for (hdlc::LinkEvent& event : output.events) {
    switch (event.kind) {
      case hdlc::LinkEvent::Kind::apdu_received:
        received_.push_back(std::move(event.data));
        break;
      case hdlc::LinkEvent::Kind::disconnected:
        if (link_.state() == hdlc::LinkState::disconnected) {
          link_lost_ = make_error(ErrorCode::connection_closed,
                                  "HDLC: the meter ended the link (DM or UA to no DISC)");
        }
        break;
      case hdlc::LinkEvent::Kind::rejected:
        link_lost_ = make_error(ErrorCode::rejected, event.detail);
        break;
      case hdlc::LinkEvent::Kind::connected:
      case hdlc::LinkEvent::Kind::protocol_error:
        // A frame the link could not use: it stays as it was; the deadline catches a stuck peer.
        break;
    }
  }
  co_return Expected<void>{};
}

asio::awaitable<Expected<void>> HdlcChannel::step(bool want_apdu) {
  using namespace std::chrono;
  const bool busy = link_.peer_busy();
  if (busy && !busy_) busy_since_ = steady_clock::now();
  busy_ = busy;
  const milliseconds wait =
      busy ? std::min(options_.busy_poll, options_.response_timeout) : options_.response_timeout;
  // Flags, format, two 4-byte addresses, control, HCS and FCS around the information field.
  constexpr std::size_t kFrameOverhead = 2047 - hdlc::kMaxInformationLength + 2;
  // A window of frames in one read when it fits in the 2 KB the channel read into before.
  const auto& negotiated = link_.parameters();
  const std::size_t frame = negotiated.max_info_receive + kFrameOverhead;
  const std::size_t wanted =
      std::max(frame, std::min<std::size_t>(frame * negotiated.window_receive, 2048));
  if (receive_buffer_.size() < wanted) receive_buffer_.resize(wanted);
  auto count = co_await stream_->read_some(receive_buffer_, wait);
  if (count) {
    silent_timeouts_ = 0;
    const ByteView bytes(receive_buffer_.data(), *count);
    if (trace_) trace_(TraceDirection::received, bytes);
    co_return co_await handle(link_.on_bytes(bytes));
  }
  if (count.error().code != ErrorCode::timeout) co_return count.error().with_context("HDLC");
  if (busy) {
    if (steady_clock::now() - busy_since_ > options_.response_timeout * (options_.retries + 1)) {
      co_return fail(
          ErrorCode::timeout,
          "HDLC: the meter stayed busy (RNR) for longer than " +
              std::to_string(options_.response_timeout.count() * (options_.retries + 1)) + " ms");
    }
    co_return co_await handle(link_.retransmit());  // polls with RR
  }
  if (silent_timeouts_ >= options_.retries) {
    co_return fail(ErrorCode::timeout,
                   "HDLC: no answer within " + std::to_string(options_.response_timeout.count()) +
                       " ms (frame sent " + std::to_string(options_.retries + 1) + " times)");
  }
  ++silent_timeouts_;
  if (link_.awaiting_response()) co_return co_await handle(link_.retransmit());
  if (want_apdu && link_.state() == hdlc::LinkState::connected) {
    // The meter answered our last poll but the APDU we wait for was left queued on its side (it
    // may send only when polled): ask with RR, P set. HdlcLink has no call for a bare poll, so the
    // frame is built here; its answer (I or RR with F) leaves the link's state consistent.
    const hdlc::Frame poll{
        *link_.peer(),
        local_,
        hdlc::ControlField::supervisory(hdlc::FrameType::rr, link_.receive_sequence(), true),
        false,
        {}};
    auto bytes = hdlc::encode_frame(poll);
    if (!bytes) co_return bytes.error();
    std::vector<Bytes> frames;
    frames.push_back(std::move(*bytes));
    co_return co_await write_frames(frames);
  }
  co_return Expected<void>{};
}

asio::awaitable<Expected<void>> HdlcChannel::open() {
  silent_timeouts_ = 0;
  auto output = link_.connect();
  if (!output) co_return output.error().with_context("HDLC connect");
  auto handled = co_await handle(std::move(*output));
  if (!handled) co_return handled.error().with_context("HDLC SNRM");
  while (link_.state() == hdlc::LinkState::connecting && !link_lost_) {
    auto stepped = co_await step(false);
    if (!stepped) co_return stepped.error().with_context("HDLC SNRM");
  }
  if (link_lost_) co_return link_lost_->with_context("HDLC SNRM");
  if (link_.state() != hdlc::LinkState::connected) {
    co_return fail(ErrorCode::protocol_state, "HDLC SNRM: link not connected");
  }
  co_return Expected<void>{};
}

asio::awaitable<Expected<void>> HdlcChannel::send(ByteView apdu) {
  if (link_lost_) co_return *link_lost_;
  silent_timeouts_ = 0;
  auto output = link_.send_apdu(apdu);
  if (!output) co_return output.error();
  auto handled = co_await handle(std::move(*output));
  if (!handled) co_return handled.error();
  while (link_.sending()) {
    if (link_lost_) co_return *link_lost_;
    auto stepped = co_await step(false);
    if (!stepped) co_return stepped.error();
  }
  co_return Expected<void>{};
}

asio::awaitable<Expected<Bytes>> HdlcChannel::receive() {
  using std::chrono::steady_clock;
  silent_timeouts_ = 0;
  // A meter whose link layer answers every poll with RR but whose application never answers would
  // otherwise be polled forever, holding the session: the whole wait is bounded, and only a new I
  // frame from the meter (its N(S) moves our N(R)) extends it. RNR has its own bound in step().
  const auto budget = options_.response_timeout * (options_.retries + 1);
  auto deadline = steady_clock::now() + budget;
  std::uint8_t last_sequence = link_.receive_sequence();
  while (received_.empty()) {
    if (link_lost_) co_return *link_lost_;
    if (link_.receive_sequence() != last_sequence) {
      last_sequence = link_.receive_sequence();
      deadline = steady_clock::now() + budget;
    }
    if (steady_clock::now() > deadline && !link_.peer_busy()) {
      co_return fail(ErrorCode::timeout, "HDLC: the meter acknowledges but sent no answer within " +
                                             std::to_string(budget.count()) + " ms");
    }
    auto stepped = co_await step(true);
    if (!stepped) co_return stepped.error();
  }
  Bytes apdu = std::move(received_.front());
  received_.erase(received_.begin());
  co_return apdu;
}

asio::awaitable<void> HdlcChannel::close() {
  if (stream_->is_open() && !link_lost_ && link_.state() != hdlc::LinkState::disconnected) {
    if (auto output = link_.disconnect()) {
      silent_timeouts_ = options_.retries;  // one try only: the meter may already be gone
      if (co_await handle(std::move(*output))) {
        while (link_.state() == hdlc::LinkState::disconnecting && !link_lost_) {
          if (!co_await step(false)) break;
        }
      }
    }
  }
  stream_->close();
}

}  // namespace dlmsgw::client
