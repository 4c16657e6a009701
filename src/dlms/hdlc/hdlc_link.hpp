#pragma once
// HdlcLink: the HDLC data link of IEC 62056-46 in normal response mode, as a sans-I/O state
// machine for either end: the client (primary station, sends SNRM/DISC and polls) or the server
// (secondary station, answers). Calls return the frames to write and the events that happened;
// nothing here reads a socket or a clock.
//
// What it does:
// - connect / disconnect (SNRM, DISC), answered with UA or DM; the server answers SNRM with UA
//   carrying its negotiated parameters and DISC with UA.
// - APDUs: send_apdu() prepends the LLC header (E6 E6 00 client->server, E6 E7 00 the other way),
//   cuts the result into I frames no longer than the negotiated max information length with the
//   segmentation bit on all but the last, and sends at most `window` unacknowledged frames,
//   the last of each burst carrying the P/F bit. Incoming segments are reassembled, each polled
//   segment answered with RR (or RNR while locally busy), and the APDU is delivered with its LLC
//   header checked and removed.
// - Sequence numbers: N(S) counts our I frames; N(R) = the next N(S) we expect, i.e. the last
//   received N(S) + 1 mod 8. A repeated I frame (old N(S)) is not delivered again; it is answered
//   by re-sending what the peer has not acknowledged, or by RR.
// - RR with an N(R) below what we sent makes us go back and resend from N(R); RNR holds our
//   transmission until the peer sends RR.
//
// Time is the caller's: when awaiting_response() is true and nothing came in time, call
// retransmit() (it resends SNRM/DISC, the unacknowledged I frames, or polls with RR); give up after
// the caller's own retry limit.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/expected.hpp"
#include "dlms/hdlc/deframer.hpp"
#include "dlms/hdlc/frame.hpp"
#include "dlms/hdlc/hdlc_address.hpp"
#include "dlms/hdlc/link_parameters.hpp"

namespace dlmsgw::hdlc {

enum class LinkRole { client, server };
enum class LinkState { disconnected, connecting, connected, disconnecting };

std::string_view to_string(LinkState state);

struct LinkConfig {
  LinkRole role = LinkRole::client;
  HdlcAddress local;
  // Client: the server's address (required). Server: the client to serve, or none to accept the
  // first client whose SNRM arrives.
  std::optional<HdlcAddress> peer;
  // Client: what SNRM proposes. Server: its own limits.
  LinkParameters parameters;
  // Client: put the parameters in SNRM. Without them (what the user's client does) the proposal is
  // the defaults, 128 bytes and window 1.
  bool send_snrm_parameters = true;
  // Upper bound on a reassembled incoming APDU, against a peer that never stops segmenting.
  std::size_t max_apdu_size = 1U << 20;
};

struct LinkEvent {
  enum class Kind {
    connected,       // UA to our SNRM (client) or SNRM answered (server)
    disconnected,    // DISC done, or DM from the peer
    apdu_received,   // `data` is a complete APDU without LLC header
    rejected,        // DM to our SNRM, or FRMR (`frame_type`, `data` = FRMR information)
    protocol_error,  // a frame we could not use; `detail` says why; the link state is unchanged
  };
  Kind kind;
  Bytes data;
  FrameType frame_type = FrameType::i;
  std::string detail;
};

struct LinkOutput {
  std::vector<Bytes> frames;  // encoded frames to write, in order
  std::vector<LinkEvent> events;

  void append(LinkOutput other);
};

struct LinkStats {
  std::uint64_t frames_sent = 0;
  std::uint64_t frames_received = 0;
  std::uint64_t duplicates = 0;       // repeated I frames not delivered again
  std::uint64_t retransmissions = 0;  // frames sent again (go-back or retransmit())
  std::uint64_t ignored_frames = 0;   // valid frames with no meaning in the current state
};

class HdlcLink {
 public:
  // Errors when a client has no peer address.
  static Expected<HdlcLink> create(LinkConfig config);

  // Client only, from disconnected: the SNRM.
  Expected<LinkOutput> connect();
  // Client only, from connected (or connecting): the DISC.
  Expected<LinkOutput> disconnect();
  // Queues an APDU (without LLC header) and sends what the window and the poll rules allow now.
  Expected<LinkOutput> send_apdu(ByteView apdu);

  // Bytes from the transport, in any split.
  LinkOutput on_bytes(ByteView bytes);
  // One decoded frame (already known to be addressed to us).
  LinkOutput on_frame(const Frame& frame);

  // Local receiver busy: answer polls with RNR until cleared. Clearing it lets a client ask for
  // more with RR.
  LinkOutput set_receive_busy(bool busy);

  // The caller's response timer expired: send again what awaits an answer.
  LinkOutput retransmit();
  // True when a client waits for the peer to answer (SNRM, DISC, a poll); the caller should run a
  // response timer and call retransmit() when it expires.
  [[nodiscard]] bool awaiting_response() const;

  [[nodiscard]] LinkState state() const { return state_; }
  [[nodiscard]] LinkRole role() const { return config_.role; }
  // Effective parameters from this station's point of view (valid once connected).
  [[nodiscard]] const LinkParameters& parameters() const { return parameters_; }
  [[nodiscard]] const std::optional<HdlcAddress>& peer() const { return peer_; }
  // N(S) of our next I frame, and N(R) we send (the next N(S) we expect).
  [[nodiscard]] std::uint8_t send_sequence() const { return vs_; }
  [[nodiscard]] std::uint8_t receive_sequence() const { return vr_; }
  // APDU bytes queued or sent but not acknowledged yet.
  [[nodiscard]] bool sending() const { return !tx_queue_.empty() || !unacked_.empty(); }
  [[nodiscard]] bool peer_busy() const { return peer_busy_; }
  [[nodiscard]] const LinkStats& stats() const { return stats_; }
  [[nodiscard]] const DeframerStats& deframer_stats() const { return deframer_.stats(); }

 private:
  explicit HdlcLink(LinkConfig config);

  struct Segment {
    Bytes information;
    bool segmented;
  };
  struct SentFrame {
    std::uint8_t send_sequence;
    Bytes bytes;
  };

  bool is_client() const { return config_.role == LinkRole::client; }
  void reset_sequences();
  void send(LinkOutput& out, const Frame& frame);
  void send_unnumbered(LinkOutput& out, FrameType type, Bytes information = {});
  void send_supervisory(LinkOutput& out);
  void send_dm(LinkOutput& out, const HdlcAddress& to);
  void pump(LinkOutput& out);
  bool may_transmit() const;
  void resend_unacked(LinkOutput& out);
  bool acknowledge(std::uint8_t nr, LinkOutput& out);
  void note_poll(const Frame& frame);

  void on_information(const Frame& frame, LinkOutput& out);
  void on_receive_ready(const Frame& frame, LinkOutput& out);
  void on_client_unnumbered(const Frame& frame, LinkOutput& out);
  void on_server_unnumbered(const Frame& frame, LinkOutput& out);
  void deliver(LinkOutput& out);
  void become_disconnected(LinkOutput& out, bool notify);

  LinkConfig config_;
  Deframer deframer_;
  LinkState state_ = LinkState::disconnected;
  std::optional<HdlcAddress> peer_;
  LinkParameters proposed_;
  LinkParameters parameters_;
  std::uint8_t vs_ = 0;  // next N(S) to send
  std::uint8_t vr_ = 0;  // next N(S) expected
  std::uint8_t va_ = 0;  // oldest N(S) not acknowledged
  // Vectors, not deques: a few entries at most (the window), and an empty std::deque still holds
  // a 512-byte block, kilobytes per meter at scale.
  std::vector<Segment> tx_queue_;
  std::vector<SentFrame> unacked_;
  Bytes reassembly_;
  bool reassembly_overflow_ = false;
  bool awaiting_ = false;  // client: a P frame is out, the F answer has not come
  bool polled_ = false;    // server: the client polled and we have not answered with F yet
  bool peer_busy_ = false;
  bool local_busy_ = false;
  bool sent_rnr_ = false;
  Bytes last_command_;  // SNRM or DISC, for retransmit()
  LinkStats stats_;
};

}  // namespace dlmsgw::hdlc
