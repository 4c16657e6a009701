#include "dlms/hdlc/hdlc_link.hpp"

#include <algorithm>
#include <array>

namespace dlmsgw::hdlc {
namespace {

constexpr std::array<std::uint8_t, 3> kLlcClientToServer{0xE6, 0xE6, 0x00};
constexpr std::array<std::uint8_t, 3> kLlcServerToClient{0xE6, 0xE7, 0x00};

std::uint8_t next(std::uint8_t sequence) {
  return static_cast<std::uint8_t>((sequence + 1) & 7U);
}
std::uint8_t distance(std::uint8_t from, std::uint8_t to) {
  return static_cast<std::uint8_t>((to - from) & 7U);
}

LinkEvent event(LinkEvent::Kind kind) {
  return LinkEvent{kind, {}, FrameType::i, {}};
}

LinkEvent protocol_error(std::string detail) {
  LinkEvent e = event(LinkEvent::Kind::protocol_error);
  e.detail = std::move(detail);
  return e;
}

}  // namespace

std::string_view to_string(LinkState state) {
  switch (state) {
    case LinkState::disconnected:
      return "disconnected";
    case LinkState::connecting:
      return "connecting";
    case LinkState::connected:
      return "connected";
    case LinkState::disconnecting:
      return "disconnecting";
  }
  return "?";
}

void LinkOutput::append(LinkOutput other) {
  // Taken whole when empty (the common case: one frame in, one event out), without a reallocation.
  if (frames.empty()) {
    frames = std::move(other.frames);
  } else {
    for (Bytes& frame : other.frames) frames.push_back(std::move(frame));
  }
  if (events.empty()) {
    events = std::move(other.events);
  } else {
    for (LinkEvent& e : other.events) events.push_back(std::move(e));
  }
}

Expected<HdlcLink> HdlcLink::create(LinkConfig config) {
  if (config.role == LinkRole::client && !config.peer) {
    return make_error(ErrorCode::invalid_argument, "HDLC client link needs the server address");
  }
  return HdlcLink(std::move(config));
}

HdlcLink::HdlcLink(LinkConfig config) : config_(std::move(config)), peer_(config_.peer) {
  deframer_.expect_addresses(config_.local, config_.peer);
}

void HdlcLink::reset_sequences() {
  vs_ = vr_ = va_ = 0;
  tx_queue_.clear();
  unacked_.clear();
  reassembly_.clear();
  reassembly_overflow_ = false;
  awaiting_ = polled_ = peer_busy_ = sent_rnr_ = false;
}

void HdlcLink::send(LinkOutput& out, const Frame& frame) {
  // Our frames are built from checked parts and segments no longer than kMaxInformationLength, so
  // encoding cannot fail; an empty result would only mean a bug here.
  auto bytes = encode_frame(frame);
  if (!bytes) {
    out.events.push_back(protocol_error(bytes.error().message));
    return;
  }
  ++stats_.frames_sent;
  if (frame.control.poll_final) {
    if (is_client()) {
      awaiting_ = true;
    } else {
      polled_ = false;
    }
  }
  if (frame.control.type == FrameType::i) {
    unacked_.push_back({frame.control.send_sequence, *bytes});
  }
  out.frames.push_back(std::move(*bytes));
}

void HdlcLink::send_unnumbered(LinkOutput& out, FrameType type, Bytes information) {
  send(out,
       Frame{*peer_, config_.local, ControlField::unnumbered(type), false, std::move(information)});
}

void HdlcLink::send_dm(LinkOutput& out, const HdlcAddress& to) {
  // Addressed to whoever asked: a server that has not been connected yet knows no peer.
  send(out, Frame{to, config_.local, ControlField::unnumbered(FrameType::dm), false, {}});
}

void HdlcLink::send_supervisory(LinkOutput& out) {
  sent_rnr_ = local_busy_;
  send(out, Frame{*peer_,
                  config_.local,
                  ControlField::supervisory(local_busy_ ? FrameType::rnr : FrameType::rr, vr_),
                  false,
                  {}});
}

Expected<LinkOutput> HdlcLink::connect() {
  if (!is_client()) {
    return make_error(ErrorCode::protocol_state, "HDLC server does not send SNRM");
  }
  if (state_ != LinkState::disconnected) {
    return make_error(ErrorCode::protocol_state,
                      std::string("HDLC connect while ") + std::string(to_string(state_)));
  }
  reset_sequences();
  proposed_ = config_.send_snrm_parameters ? config_.parameters : LinkParameters{};
  LinkOutput out;
  send_unnumbered(out, FrameType::snrm,
                  config_.send_snrm_parameters ? encode_link_parameters(proposed_) : Bytes{});
  last_command_ = out.frames.back();
  state_ = LinkState::connecting;
  return out;
}

Expected<LinkOutput> HdlcLink::disconnect() {
  if (!is_client()) {
    return make_error(ErrorCode::protocol_state, "HDLC server does not send DISC");
  }
  if (state_ == LinkState::disconnected) {
    return make_error(ErrorCode::protocol_state, "HDLC disconnect while disconnected");
  }
  LinkOutput out;
  send_unnumbered(out, FrameType::disc);
  last_command_ = out.frames.back();
  state_ = LinkState::disconnecting;
  return out;
}

Expected<LinkOutput> HdlcLink::send_apdu(ByteView apdu) {
  if (state_ != LinkState::connected) {
    return make_error(ErrorCode::protocol_state,
                      "HDLC send while " + std::string(to_string(state_)));
  }
  const auto& llc = is_client() ? kLlcClientToServer : kLlcServerToClient;
  Bytes data;
  data.reserve(llc.size() + apdu.size());
  data.insert(data.end(), llc.begin(), llc.end());
  data.insert(data.end(), apdu.begin(), apdu.end());
  const std::size_t max = std::max<std::size_t>(1, parameters_.max_info_transmit);
  if (data.size() <= max) {
    tx_queue_.push_back({std::move(data), false});  // one segment: queued as it is, no copy
  } else {
    for (std::size_t at = 0; at < data.size(); at += max) {
      const std::size_t size = std::min(max, data.size() - at);
      const auto first = data.begin() + static_cast<std::ptrdiff_t>(at);
      tx_queue_.push_back(
          {Bytes(first, first + static_cast<std::ptrdiff_t>(size)), at + size < data.size()});
    }
  }
  LinkOutput out;
  pump(out);
  return out;
}

bool HdlcLink::may_transmit() const {
  if (state_ != LinkState::connected || peer_busy_) return false;
  return is_client() ? !awaiting_ : polled_;
}

void HdlcLink::pump(LinkOutput& out) {
  const std::size_t window = std::max<std::uint32_t>(1, parameters_.window_transmit);
  while (may_transmit() && !tx_queue_.empty() && unacked_.size() < window) {
    Segment segment = std::move(tx_queue_.front());
    tx_queue_.erase(tx_queue_.begin());
    const bool last_of_burst = tx_queue_.empty() || unacked_.size() + 1 == window;
    send(out, Frame{*peer_, config_.local, ControlField::information(vs_, vr_, last_of_burst),
                    segment.segmented, std::move(segment.information)});
    vs_ = next(vs_);
  }
}

void HdlcLink::resend_unacked(LinkOutput& out) {
  for (const SentFrame& sent : unacked_) {
    out.frames.push_back(sent.bytes);
    ++stats_.frames_sent;
    ++stats_.retransmissions;
  }
  if (!unacked_.empty()) {
    if (is_client()) {
      awaiting_ = true;
    } else {
      polled_ = false;
    }
  }
}

bool HdlcLink::acknowledge(std::uint8_t nr, LinkOutput& out) {
  if (distance(va_, nr) > distance(va_, vs_)) {
    out.events.push_back(protocol_error("HDLC N(R)=" + std::to_string(nr) +
                                        " acknowledges frames never sent (next N(S) is " +
                                        std::to_string(vs_) + ")"));
    return false;
  }
  while (va_ != nr && !unacked_.empty()) {
    unacked_.erase(unacked_.begin());
    va_ = next(va_);
  }
  va_ = nr;
  return true;
}

void HdlcLink::note_poll(const Frame& frame) {
  if (!frame.control.poll_final) return;
  if (is_client()) {
    awaiting_ = false;
  } else {
    polled_ = true;
  }
}

LinkOutput HdlcLink::on_bytes(ByteView bytes) {
  LinkOutput out;
  for (const Frame& frame : deframer_.feed(bytes)) out.append(on_frame(frame));
  return out;
}

LinkOutput HdlcLink::on_frame(const Frame& frame) {
  LinkOutput out;
  ++stats_.frames_received;
  const FrameType type = frame.control.type;
  if (type == FrameType::ui) {
    ++stats_.ignored_frames;
    return out;
  }
  if (!is_client() && type == FrameType::snrm) {
    on_server_unnumbered(frame, out);
    return out;
  }
  if (peer_ && frame.source != *peer_) {
    ++stats_.ignored_frames;
    return out;
  }
  switch (type) {
    case FrameType::i:
    case FrameType::rr:
    case FrameType::rnr:
      if (state_ != LinkState::connected) {
        // A secondary out of the connection answers polls with DM, so the client learns the link
        // is gone (for example after the meter's inactivity timeout).
        if (!is_client() && frame.control.poll_final) send_dm(out, frame.source);
        ++stats_.ignored_frames;
        return out;
      }
      if (type == FrameType::i) {
        on_information(frame, out);
      } else {
        on_receive_ready(frame, out);
      }
      return out;
    default:
      if (is_client()) {
        on_client_unnumbered(frame, out);
      } else {
        on_server_unnumbered(frame, out);
      }
      return out;
  }
}

void HdlcLink::on_information(const Frame& frame, LinkOutput& out) {
  if (!acknowledge(frame.control.receive_sequence, out)) return;
  const bool poll = frame.control.poll_final;
  note_poll(frame);
  if (frame.control.send_sequence != vr_) {
    // A repeat (our acknowledgement was lost) or a frame after a gap: not delivered again. If the
    // peer still lacks some of ours, resend them; otherwise tell it what we expect next.
    ++stats_.duplicates;
    if (!poll) return;
    if (!unacked_.empty()) {
      resend_unacked(out);
    } else {
      send_supervisory(out);
    }
    return;
  }
  vr_ = next(vr_);
  peer_busy_ = false;
  if (!reassembly_overflow_) {
    if (reassembly_.size() + frame.information.size() > config_.max_apdu_size) {
      reassembly_overflow_ = true;
      reassembly_.clear();
      out.events.push_back(protocol_error("HDLC reassembled APDU exceeds " +
                                          std::to_string(config_.max_apdu_size) +
                                          " bytes; discarded"));
    } else {
      reassembly_.insert(reassembly_.end(), frame.information.begin(), frame.information.end());
    }
  }
  if (frame.segmented) {
    // More segments follow: a polled segment must be answered so the peer sends the next ones.
    if (poll) send_supervisory(out);
    return;
  }
  deliver(out);
  pump(out);
}

void HdlcLink::deliver(LinkOutput& out) {
  const bool overflow = reassembly_overflow_;
  Bytes data = std::move(reassembly_);
  reassembly_.clear();
  reassembly_overflow_ = false;
  if (overflow) return;
  const auto& llc = is_client() ? kLlcServerToClient : kLlcClientToServer;
  if (data.size() < llc.size() || !std::equal(llc.begin(), llc.end(), data.begin())) {
    out.events.push_back(
        protocol_error(std::string("HDLC information field does not start with the LLC header ") +
                       (is_client() ? "E6 E7 00" : "E6 E6 00")));
    return;
  }
  LinkEvent e = event(LinkEvent::Kind::apdu_received);
  e.data.assign(data.begin() + static_cast<std::ptrdiff_t>(llc.size()), data.end());
  out.events.push_back(std::move(e));
}

void HdlcLink::on_receive_ready(const Frame& frame, LinkOutput& out) {
  if (!acknowledge(frame.control.receive_sequence, out)) return;
  note_poll(frame);
  peer_busy_ = frame.control.type == FrameType::rnr;
  if (!frame.control.poll_final) return;
  if (!peer_busy_ && !unacked_.empty()) {
    // The peer acknowledged less than we sent: go back to its N(R) and resend from there.
    resend_unacked(out);
    return;
  }
  pump(out);
  // A server must answer every poll; with nothing to send that answer is RR (or RNR).
  if (!is_client() && polled_) send_supervisory(out);
}

void HdlcLink::on_client_unnumbered(const Frame& frame, LinkOutput& out) {
  const FrameType type = frame.control.type;
  if (type == FrameType::frmr) {
    LinkEvent e = event(LinkEvent::Kind::rejected);
    e.frame_type = type;
    e.data = frame.information;
    e.detail = "HDLC peer rejected a frame (FRMR)";
    out.events.push_back(std::move(e));
    become_disconnected(out, false);
    return;
  }
  switch (state_) {
    case LinkState::connecting:
      if (type == FrameType::ua) {
        auto answered = decode_link_parameters(frame.information);
        if (!answered) {
          out.events.push_back(protocol_error(answered.error().message));
          return;
        }
        parameters_ = negotiate_client(proposed_, *answered);
        state_ = LinkState::connected;
        awaiting_ = false;
        out.events.push_back(event(LinkEvent::Kind::connected));
      } else if (type == FrameType::dm) {
        LinkEvent e = event(LinkEvent::Kind::rejected);
        e.frame_type = type;
        e.detail = "HDLC server refused the connection (DM to SNRM)";
        out.events.push_back(std::move(e));
        become_disconnected(out, false);
      } else {
        ++stats_.ignored_frames;
      }
      return;
    case LinkState::connected:
    case LinkState::disconnecting:
      if (type == FrameType::ua || type == FrameType::dm) {
        // DM while connected: the server dropped the link (e.g. its inactivity timeout).
        if (state_ == LinkState::connected && type == FrameType::ua) {
          ++stats_.ignored_frames;
          return;
        }
        become_disconnected(out, true);
        return;
      }
      ++stats_.ignored_frames;
      return;
    case LinkState::disconnected:
      ++stats_.ignored_frames;
      return;
  }
}

void HdlcLink::on_server_unnumbered(const Frame& frame, LinkOutput& out) {
  switch (frame.control.type) {
    case FrameType::snrm: {
      if (config_.peer && frame.source != *config_.peer) {
        ++stats_.ignored_frames;
        return;
      }
      auto proposed = decode_link_parameters(frame.information);
      peer_ = frame.source;
      if (!proposed) {
        out.events.push_back(protocol_error(proposed.error().message));
        send_dm(out, frame.source);
        return;
      }
      const bool was_connected = state_ == LinkState::connected;
      reset_sequences();
      parameters_ = negotiate_server(config_.parameters, *proposed);
      state_ = LinkState::connected;
      send_unnumbered(out, FrameType::ua, encode_link_parameters(parameters_));
      if (was_connected) out.events.push_back(event(LinkEvent::Kind::disconnected));
      out.events.push_back(event(LinkEvent::Kind::connected));
      return;
    }
    case FrameType::disc:
      if (state_ == LinkState::connected) {
        send_unnumbered(out, FrameType::ua);
        become_disconnected(out, true);
      } else {
        send_dm(out, frame.source);
      }
      return;
    default:
      ++stats_.ignored_frames;
      return;
  }
}

void HdlcLink::become_disconnected(LinkOutput& out, bool notify) {
  state_ = LinkState::disconnected;
  reset_sequences();
  if (notify) out.events.push_back(event(LinkEvent::Kind::disconnected));
}

LinkOutput HdlcLink::set_receive_busy(bool busy) {
  LinkOutput out;
  const bool was_busy = local_busy_;
  local_busy_ = busy;
  // A client that told the server RNR must say RR to get the rest; a server waits to be polled.
  if (was_busy && !busy && is_client() && sent_rnr_ && state_ == LinkState::connected) {
    send_supervisory(out);
  }
  return out;
}

bool HdlcLink::awaiting_response() const {
  if (!is_client()) return false;
  return state_ == LinkState::connecting || state_ == LinkState::disconnecting ||
         (state_ == LinkState::connected && (awaiting_ || peer_busy_));
}

LinkOutput HdlcLink::retransmit() {
  LinkOutput out;
  if (!is_client()) return out;
  switch (state_) {
    case LinkState::connecting:
    case LinkState::disconnecting:
      out.frames.push_back(last_command_);
      ++stats_.frames_sent;
      ++stats_.retransmissions;
      return out;
    case LinkState::connected:
      if (!unacked_.empty() && !peer_busy_) {
        resend_unacked(out);
      } else if (awaiting_ || peer_busy_) {
        // Poll: the server answers with what it has, or RNR while it is still busy.
        send_supervisory(out);
        ++stats_.retransmissions;
      }
      return out;
    case LinkState::disconnected:
      return out;
  }
  return out;
}

}  // namespace dlmsgw::hdlc
