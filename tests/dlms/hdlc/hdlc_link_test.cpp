#include "dlms/hdlc/hdlc_link.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "core/hex.hpp"
#include "dlms/hdlc/hdlc_vectors.hpp"
#include "support/hex_bytes.hpp"

namespace dlmsgw::hdlc {
namespace {

using Kind = LinkEvent::Kind;

using ::dlmsgw::test::hex;

HdlcAddress meter_server() {
  return *HdlcAddress::server_one_byte(0, 1);
}

HdlcLink make_client(HdlcAddress local, HdlcAddress peer, LinkParameters proposed = {},
                     bool send_parameters = true) {
  LinkConfig config;
  config.role = LinkRole::client;
  config.local = local;
  config.peer = peer;
  config.parameters = proposed;
  config.send_snrm_parameters = send_parameters;
  return *HdlcLink::create(config);
}

HdlcLink make_server(HdlcAddress local, LinkParameters own = {}) {
  LinkConfig config;
  config.role = LinkRole::server;
  config.local = local;
  config.parameters = own;
  return *HdlcLink::create(config);
}

std::vector<Kind> kinds(const LinkOutput& out) {
  std::vector<Kind> result;
  for (const LinkEvent& e : out.events) result.push_back(e.kind);
  return result;
}

Frame decoded(const Bytes& bytes) {
  return *decode_frame(bytes);
}

TEST(HdlcLink, UserMeterConnectWithoutSnrmParameters) {
  HdlcLink client = make_client(*HdlcAddress::client(1), meter_server(), {}, false);
  auto out = client.connect();
  ASSERT_TRUE(out);
  ASSERT_EQ(out->frames.size(), 1u);
  const Frame snrm = decoded(out->frames[0]);
  EXPECT_EQ(to_hex(ByteView(out->frames[0]).first(6)), "7E A0 07 03 03 93");
  EXPECT_TRUE(snrm.information.empty());
  EXPECT_EQ(client.state(), LinkState::connecting);
  EXPECT_TRUE(client.awaiting_response());

  // The meter's UA with one-byte parameter values (built by hand per IEC 62056-46).
  const Frame ua{*HdlcAddress::client(1), meter_server(), ControlField::unnumbered(FrameType::ua),
                 false, hex("81 80 0C 05 01 80 06 01 80 07 01 01 08 01 01")};
  const LinkOutput connected = client.on_bytes(*encode_frame(ua));
  EXPECT_EQ(kinds(connected), std::vector<Kind>{Kind::connected});
  EXPECT_EQ(client.state(), LinkState::connected);
  EXPECT_EQ(client.parameters(), (LinkParameters{128, 128, 1, 1}));
  EXPECT_FALSE(client.awaiting_response());
}

TEST(HdlcLink, ReplaysARealMeterSession) {
  // Client 48 (0x61) and the meter 0x03 of the public trace in hdlc_vectors.hpp. Our SNRM encodes
  // the same proposal as the trace's (128 bytes, window 1), though in the shortest value widths.
  HdlcLink client = make_client(*HdlcAddress::client(48), *HdlcAddress::server(1, 0, 1));
  auto snrm = client.connect();
  ASSERT_TRUE(snrm);
  EXPECT_EQ(*decode_link_parameters(decoded(snrm->frames[0]).information),
            *decode_link_parameters(decoded(hex(vectors::kTraceSnrm)).information));

  EXPECT_EQ(kinds(client.on_bytes(hex(vectors::kTraceUa))), std::vector<Kind>{Kind::connected});

  auto aarq = client.send_apdu(hex(vectors::kTraceAarqApdu));
  ASSERT_TRUE(aarq);
  ASSERT_EQ(aarq->frames.size(), 1u);
  EXPECT_EQ(to_hex(aarq->frames[0]), to_hex(hex(vectors::kTraceAarqFrame)));

  // The AARE arrives in two reads, split inside the frame.
  const Bytes aare = hex(vectors::kTraceAareFrame);
  EXPECT_TRUE(client.on_bytes(ByteView(aare).first(50)).events.empty());
  const LinkOutput got = client.on_bytes(ByteView(aare).subspan(50));
  ASSERT_EQ(kinds(got), std::vector<Kind>{Kind::apdu_received});
  EXPECT_EQ(got.events[0].data[0], 0x61);  // AARE tag, LLC removed
  EXPECT_EQ(got.events[0].data.size(), aare.size() - 2 - 2 - 1 - 1 - 1 - 2 - 3 - 2);
  EXPECT_TRUE(got.frames.empty());

  // N(R) must be the received N(S) + 1: the trace's next request has control 0x32.
  auto action = client.send_apdu(hex(vectors::kTraceActionApdu));
  ASSERT_TRUE(action);
  EXPECT_EQ(to_hex(action->frames[0]), to_hex(hex(vectors::kTraceActionFrame)));
  EXPECT_EQ(kinds(client.on_bytes(hex(vectors::kTraceActionResponseFrame))),
            std::vector<Kind>{Kind::apdu_received});
  EXPECT_EQ(client.receive_sequence(), 2);
  EXPECT_EQ(client.send_sequence(), 2);

  auto disc = client.disconnect();
  ASSERT_TRUE(disc);
  EXPECT_EQ(decoded(disc->frames[0]).control.type, FrameType::disc);
  // The meter of the trace answers DISC with a UA (carrying parameters, as it happens).
  const Frame ua = decoded(hex(vectors::kTraceUa));
  EXPECT_EQ(kinds(client.on_frame(ua)), std::vector<Kind>{Kind::disconnected});
  EXPECT_EQ(client.state(), LinkState::disconnected);
}

TEST(HdlcLink, CosemAarqFromAPublicClient) {
  // dlms-cosem: client 16 -> server 1/17; the UA offers 154 bytes but we proposed the defaults.
  HdlcLink client =
      make_client(*HdlcAddress::client(16), *HdlcAddress::server(1, 17, 2), {}, false);
  auto snrm = client.connect();
  EXPECT_EQ(to_hex(snrm->frames[0]), to_hex(hex(vectors::kCosemSnrm)));
  client.on_bytes(hex(vectors::kCosemUa));
  EXPECT_EQ(client.parameters().max_info_transmit, 128u);
  const Bytes aarq_frame = hex(vectors::kCosemAarq);
  const Bytes aarq_apdu(aarq_frame.begin() + 12, aarq_frame.end() - 3);
  auto out = client.send_apdu(aarq_apdu);
  EXPECT_EQ(to_hex(out->frames[0]), to_hex(aarq_frame));
  const LinkOutput aare = client.on_bytes(hex(vectors::kCosemAare));
  ASSERT_EQ(kinds(aare), std::vector<Kind>{Kind::apdu_received});
  EXPECT_EQ(aare.events[0].data[0], 0x61);
}

// Wires a client and a server in memory. `drop` may lose frames in transit (true = lost).
struct Wire {
  Wire(HdlcLink& c, HdlcLink& s) : client(c), server(s) {}
  HdlcLink& client;
  HdlcLink& server;
  std::vector<LinkEvent> client_events;
  std::vector<LinkEvent> server_events;
  std::vector<Frame> to_server_log;
  std::vector<Frame> to_client_log;
  std::function<bool(const Frame&, bool to_server)> drop = [](const Frame&, bool) { return false; };

  void run(LinkOutput from_client, LinkOutput from_server = {}) {
    collect(client_events, from_client);
    collect(server_events, from_server);
    std::vector<Bytes> to_server = std::move(from_client.frames);
    std::vector<Bytes> to_client = std::move(from_server.frames);
    for (int round = 0; round < 1000 && (!to_server.empty() || !to_client.empty()); ++round) {
      std::vector<Bytes> next_to_server;
      std::vector<Bytes> next_to_client;
      for (const Bytes& bytes : to_server) {
        to_server_log.push_back(decoded(bytes));
        if (drop(to_server_log.back(), true)) continue;
        LinkOutput out = server.on_bytes(bytes);
        collect(server_events, out);
        for (Bytes& b : out.frames) next_to_client.push_back(std::move(b));
      }
      for (const Bytes& bytes : to_client) {
        to_client_log.push_back(decoded(bytes));
        if (drop(to_client_log.back(), false)) continue;
        LinkOutput out = client.on_bytes(bytes);
        collect(client_events, out);
        for (Bytes& b : out.frames) next_to_server.push_back(std::move(b));
      }
      to_server = std::move(next_to_server);
      to_client = std::move(next_to_client);
    }
  }

  static void collect(std::vector<LinkEvent>& into, LinkOutput& out) {
    for (LinkEvent& e : out.events) into.push_back(std::move(e));
  }

  std::vector<Bytes> apdus(const std::vector<LinkEvent>& events) const {
    std::vector<Bytes> result;
    for (const LinkEvent& e : events) {
      if (e.kind == Kind::apdu_received) result.push_back(e.data);
    }
    return result;
  }
};

Bytes pattern(std::size_t size, std::uint8_t seed) {
  Bytes data(size);
  for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<std::uint8_t>(seed + i * 31);
  return data;
}

std::size_t count(const std::vector<Frame>& frames, FrameType type) {
  return static_cast<std::size_t>(std::count_if(
      frames.begin(), frames.end(), [&](const Frame& f) { return f.control.type == type; }));
}

TEST(HdlcLink, ClientAndServerExchangeSegmentedApdus) {
  for (std::uint32_t window : {1U, 3U, 7U}) {
    SCOPED_TRACE(window);
    const HdlcAddress client_address = *HdlcAddress::client(1);
    const HdlcAddress server_address = *HdlcAddress::server(1, 0x11, 4);
    HdlcLink client = make_client(client_address, server_address, {40, 48, window, window});
    HdlcLink server = make_server(server_address, {32, 64, 7, 2});
    Wire wire{client, server};
    wire.run(*client.connect());
    ASSERT_EQ(client.state(), LinkState::connected);
    ASSERT_EQ(server.state(), LinkState::connected);
    EXPECT_EQ(server.peer(), client_address);
    // Client sends <= min(40, 64) and receives <= min(48, 32); windows min'ed the same way.
    EXPECT_EQ(client.parameters(), (LinkParameters{40, 32, std::min(window, 2U), window}));
    EXPECT_EQ(server.parameters(), (LinkParameters{32, 40, window, std::min(window, 2U)}));

    // Ten requests and responses, long enough to wrap the 3-bit sequence numbers many times.
    for (int round = 0; round < 10; ++round) {
      const Bytes request = pattern(200 + static_cast<std::size_t>(round), 0x7E);
      wire.run(*client.send_apdu(request));
      const auto requests = wire.apdus(wire.server_events);
      ASSERT_EQ(requests.size(), static_cast<std::size_t>(round + 1));
      EXPECT_EQ(requests.back(), request);

      const Bytes response = pattern(500 + static_cast<std::size_t>(round), 0x13);
      wire.run({}, *server.send_apdu(response));
      const auto responses = wire.apdus(wire.client_events);
      ASSERT_EQ(responses.size(), static_cast<std::size_t>(round + 1));
      EXPECT_EQ(responses.back(), response);
      // The final response frame stays unacknowledged until the next request's N(R).
      EXPECT_FALSE(client.sending());
      EXPECT_FALSE(client.awaiting_response());
    }
    for (const Frame& f : wire.to_server_log) EXPECT_LE(f.information.size(), 40u);
    for (const Frame& f : wire.to_client_log) EXPECT_LE(f.information.size(), 32u);
    // Every segmented response burst was acknowledged by an RR from the client.
    EXPECT_GT(count(wire.to_server_log, FrameType::rr), 0u);
    EXPECT_EQ(client.stats().duplicates + server.stats().duplicates, 0u);

    wire.run(*client.disconnect());
    EXPECT_EQ(client.state(), LinkState::disconnected);
    EXPECT_EQ(server.state(), LinkState::disconnected);
  }
}

TEST(HdlcLink, SegmentFramingAndRrSequence) {
  // Window 1, 32-byte segments: 100 bytes + LLC = 103 -> 4 segments (S, S, S, final), each
  // polled one answered by RR with N(R) = next expected N(S).
  const HdlcAddress c = *HdlcAddress::client(1);
  const HdlcAddress s = meter_server();
  HdlcLink client = make_client(c, s, {32, 32, 1, 1});
  HdlcLink server = make_server(s, {32, 32, 1, 1});
  Wire wire{client, server};
  wire.run(*client.connect());
  wire.run(*client.send_apdu(pattern(10, 1)));
  wire.to_server_log.clear();
  wire.to_client_log.clear();
  wire.run({}, *server.send_apdu(pattern(100, 2)));
  ASSERT_EQ(wire.to_client_log.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    const Frame& f = wire.to_client_log[i];
    EXPECT_EQ(f.segmented, i < 3);
    EXPECT_EQ(f.control, ControlField::information(static_cast<std::uint8_t>(i), 1, true));
  }
  ASSERT_EQ(wire.to_server_log.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(wire.to_server_log[i].control,
              ControlField::supervisory(FrameType::rr, static_cast<std::uint8_t>(i + 1), true));
  }
  // The first segment carries the server->client LLC header.
  EXPECT_EQ(to_hex(ByteView(wire.to_client_log[0].information).first(3)), "E6 E7 00");
}

TEST(HdlcLink, ServerBusyMakesTheClientHold) {
  const HdlcAddress c = *HdlcAddress::client(1);
  const HdlcAddress s = meter_server();
  HdlcLink client = make_client(c, s, {32, 32, 1, 1});
  HdlcLink server = make_server(s, {32, 32, 1, 1});
  Wire wire{client, server};
  wire.run(*client.connect());
  server.set_receive_busy(true);
  const Bytes request = pattern(150, 9);
  wire.run(*client.send_apdu(request));
  // The first segment went through and was answered RNR: the client holds the rest.
  EXPECT_EQ(wire.to_client_log.back().control.type, FrameType::rnr);
  EXPECT_TRUE(client.peer_busy());
  EXPECT_TRUE(client.sending());
  EXPECT_TRUE(client.awaiting_response());
  // Polling while still busy: RNR again.
  wire.run(client.retransmit());
  EXPECT_EQ(wire.to_client_log.back().control.type, FrameType::rnr);
  // Busy cleared: the next poll gets RR and the transfer completes.
  EXPECT_TRUE(server.set_receive_busy(false).frames.empty());
  wire.run(client.retransmit());
  ASSERT_EQ(wire.apdus(wire.server_events).size(), 1u);
  EXPECT_EQ(wire.apdus(wire.server_events)[0], request);
  EXPECT_FALSE(client.peer_busy());
  EXPECT_EQ(client.stats().duplicates + server.stats().duplicates, 0u);
}

TEST(HdlcLink, ClientBusyWhileReceivingASegmentedResponse) {
  const HdlcAddress c = *HdlcAddress::client(1);
  const HdlcAddress s = meter_server();
  HdlcLink client = make_client(c, s, {32, 32, 1, 1});
  HdlcLink server = make_server(s, {32, 32, 1, 1});
  Wire wire{client, server};
  wire.run(*client.connect());
  wire.run(*client.send_apdu(pattern(5, 1)));
  client.set_receive_busy(true);
  const Bytes response = pattern(120, 3);
  wire.run({}, *server.send_apdu(response));
  EXPECT_EQ(wire.to_server_log.back().control.type, FrameType::rnr);
  EXPECT_TRUE(server.sending());
  wire.run(client.set_receive_busy(false));
  ASSERT_EQ(wire.apdus(wire.client_events).size(), 1u);
  EXPECT_EQ(wire.apdus(wire.client_events)[0], response);
}

TEST(HdlcLink, RecoversLostFramesByRetransmission) {
  const HdlcAddress c = *HdlcAddress::client(1);
  const HdlcAddress s = meter_server();
  HdlcLink client = make_client(c, s, {32, 32, 1, 1});
  HdlcLink server = make_server(s, {32, 32, 1, 1});
  Wire wire{client, server};
  // Lose the first SNRM.
  int snrms = 0;
  wire.drop = [&](const Frame& f, bool to_server) {
    return to_server && f.control.type == FrameType::snrm && snrms++ == 0;
  };
  wire.run(*client.connect());
  EXPECT_EQ(client.state(), LinkState::connecting);
  wire.run(client.retransmit());
  ASSERT_EQ(client.state(), LinkState::connected);

  // Lose the second response segment once, and then an RR once: the client's timer resends its
  // RR (poll) and the server goes back to the segment asked for; duplicates are not re-delivered.
  int seen_segments = 0;
  int seen_rr = 0;
  wire.drop = [&](const Frame& f, bool to_server) {
    if (!to_server && f.control.type == FrameType::i && ++seen_segments == 2) return true;
    if (to_server && f.control.type == FrameType::rr && ++seen_rr == 3) return true;
    return false;
  };
  wire.run(*client.send_apdu(pattern(20, 5)));
  const Bytes response = pattern(150, 6);
  wire.run({}, *server.send_apdu(response));
  for (int attempt = 0; attempt < 5 && client.awaiting_response(); ++attempt) {
    wire.run(client.retransmit());
  }
  ASSERT_EQ(wire.apdus(wire.client_events).size(), 1u);
  EXPECT_EQ(wire.apdus(wire.client_events)[0], response);
  EXPECT_GT(client.stats().retransmissions, 0u);
  EXPECT_GT(server.stats().retransmissions + client.stats().duplicates, 0u);

  // Lose a whole response: the client resends its request, the server sees the old N(S), does not
  // deliver it again, and resends its unacknowledged response.
  int responses = 0;
  wire.drop = [&](const Frame& f, bool to_server) {
    return !to_server && f.control.type == FrameType::i && responses++ == 0;
  };
  const std::size_t requests_before = wire.apdus(wire.server_events).size();
  wire.run(*client.send_apdu(pattern(10, 7)));
  wire.run({}, *server.send_apdu(pattern(10, 8)));
  EXPECT_TRUE(client.awaiting_response());
  wire.run(client.retransmit());
  EXPECT_EQ(wire.apdus(wire.server_events).size(), requests_before + 1);
  EXPECT_EQ(wire.apdus(wire.client_events).size(), 2u);
  EXPECT_EQ(wire.apdus(wire.client_events)[1], pattern(10, 8));
  EXPECT_GE(server.stats().duplicates, 1u);
}

TEST(HdlcLink, DuplicateIFrameIsNotDeliveredTwice) {
  HdlcLink client = make_client(*HdlcAddress::client(48), *HdlcAddress::server(1, 0, 1));
  (void)client.connect();
  client.on_bytes(hex(vectors::kTraceUa));
  (void)client.send_apdu(hex(vectors::kTraceAarqApdu));
  EXPECT_EQ(kinds(client.on_bytes(hex(vectors::kTraceAareFrame))),
            std::vector<Kind>{Kind::apdu_received});
  const LinkOutput again = client.on_bytes(hex(vectors::kTraceAareFrame));
  EXPECT_TRUE(again.events.empty());
  ASSERT_EQ(again.frames.size(), 1u);  // re-acknowledged
  EXPECT_EQ(decoded(again.frames[0]).control, ControlField::supervisory(FrameType::rr, 1));
  EXPECT_EQ(client.stats().duplicates, 1u);
}

TEST(HdlcLink, RejectionsAndDisconnects) {
  const HdlcAddress c = *HdlcAddress::client(1);
  const HdlcAddress s = meter_server();
  // DM to SNRM.
  HdlcLink client = make_client(c, s);
  (void)client.connect();
  const LinkOutput dm = client.on_frame({c, s, ControlField::unnumbered(FrameType::dm), false, {}});
  ASSERT_EQ(kinds(dm), std::vector<Kind>{Kind::rejected});
  EXPECT_EQ(dm.events[0].frame_type, FrameType::dm);
  EXPECT_EQ(client.state(), LinkState::disconnected);

  // FRMR while connected.
  (void)client.connect();
  client.on_frame({c, s, ControlField::unnumbered(FrameType::ua), false, {}});
  ASSERT_EQ(client.state(), LinkState::connected);
  const LinkOutput frmr =
      client.on_frame({c, s, ControlField::unnumbered(FrameType::frmr), false, hex("10 00 01")});
  ASSERT_EQ(kinds(frmr), std::vector<Kind>{Kind::rejected});
  EXPECT_EQ(frmr.events[0].data, hex("10 00 01"));
  EXPECT_EQ(client.state(), LinkState::disconnected);

  // DM while connected: the meter dropped the link (inactivity timeout).
  (void)client.connect();
  client.on_frame({c, s, ControlField::unnumbered(FrameType::ua), false, {}});
  EXPECT_EQ(kinds(client.on_frame({c, s, ControlField::unnumbered(FrameType::dm), false, {}})),
            std::vector<Kind>{Kind::disconnected});

  // Server: DISC while disconnected -> DM; I frame while disconnected -> DM; DISC -> UA.
  HdlcLink server = make_server(s);
  const LinkOutput disc_dm =
      server.on_frame({s, c, ControlField::unnumbered(FrameType::disc), false, {}});
  EXPECT_EQ(decoded(disc_dm.frames.at(0)).control.type, FrameType::dm);
  const LinkOutput i_dm =
      server.on_frame({s, c, ControlField::information(0, 0), false, hex("E6 E6 00 01")});
  EXPECT_EQ(decoded(i_dm.frames.at(0)).control.type, FrameType::dm);
  server.on_frame({s, c, ControlField::unnumbered(FrameType::snrm), false, {}});
  EXPECT_EQ(server.state(), LinkState::connected);
  // A second SNRM resets the link.
  EXPECT_EQ(kinds(server.on_frame({s, c, ControlField::unnumbered(FrameType::snrm), false, {}})),
            (std::vector<Kind>{Kind::disconnected, Kind::connected}));
  const LinkOutput ua =
      server.on_frame({s, c, ControlField::unnumbered(FrameType::disc), false, {}});
  EXPECT_EQ(decoded(ua.frames.at(0)).control.type, FrameType::ua);
  EXPECT_EQ(kinds(ua), std::vector<Kind>{Kind::disconnected});
}

TEST(HdlcLink, ServerAnswersAnSnrmWithoutParametersWithItsOwn) {
  const HdlcAddress c = *HdlcAddress::client(1);
  const HdlcAddress s = meter_server();
  HdlcLink server = make_server(s, {256, 256, 7, 7});
  const Frame snrm =
      decoded(*encode_frame({s, c, ControlField::unnumbered(FrameType::snrm), false, {}}));
  const LinkOutput out = server.on_frame(snrm);
  const Frame ua = decoded(out.frames.at(0));
  EXPECT_EQ(ua.destination, c);
  EXPECT_EQ(ua.source, s);
  EXPECT_TRUE(ua.control.poll_final);
  EXPECT_EQ(*decode_link_parameters(ua.information), LinkParameters{});
  // Bad parameters in SNRM: DM and a protocol error.
  const LinkOutput bad = server.on_frame(
      {s, c, ControlField::unnumbered(FrameType::snrm), false, hex("81 80 03 05 01 00")});
  EXPECT_EQ(decoded(bad.frames.at(0)).control.type, FrameType::dm);
  EXPECT_EQ(kinds(bad), std::vector<Kind>{Kind::protocol_error});
}

TEST(HdlcLink, MisuseAndHostileFrames) {
  const HdlcAddress c = *HdlcAddress::client(1);
  const HdlcAddress s = meter_server();
  LinkConfig no_peer;
  EXPECT_FALSE(HdlcLink::create(no_peer));
  HdlcLink client = make_client(c, s);
  EXPECT_FALSE(client.send_apdu(hex("01")));
  EXPECT_FALSE(client.disconnect());
  ASSERT_TRUE(client.connect());
  EXPECT_FALSE(client.connect());
  // UA with bad parameters: protocol error, still connecting.
  EXPECT_EQ(kinds(client.on_frame(
                {c, s, ControlField::unnumbered(FrameType::ua), false, hex("81 80 03 05 07 00")})),
            std::vector<Kind>{Kind::protocol_error});
  EXPECT_EQ(client.state(), LinkState::connecting);
  client.on_frame({c, s, ControlField::unnumbered(FrameType::ua), false, {}});
  ASSERT_EQ(client.state(), LinkState::connected);
  // Frames from another station, UI frames, unexpected commands: ignored.
  const HdlcAddress other = *HdlcAddress::server(5, 0, 1);
  EXPECT_TRUE(
      client.on_frame({c, other, ControlField::information(0, 0), false, hex("E6 E7 00 01")})
          .events.empty());
  EXPECT_TRUE(
      client.on_frame({c, s, ControlField::unnumbered(FrameType::ui), false, {}}).events.empty());
  EXPECT_TRUE(
      client.on_frame({c, s, ControlField::unnumbered(FrameType::snrm), false, {}}).events.empty());
  EXPECT_TRUE(
      client.on_frame({c, s, ControlField::unnumbered(FrameType::ua), false, {}}).events.empty());
  EXPECT_GE(client.stats().ignored_frames, 4u);
  // N(R) acknowledging frames never sent.
  EXPECT_EQ(
      kinds(client.on_frame({c, s, ControlField::information(0, 5), false, hex("E6 E7 00 01")})),
      std::vector<Kind>{Kind::protocol_error});
  EXPECT_EQ(kinds(client.on_frame({c, s, ControlField::supervisory(FrameType::rr, 3), false, {}})),
            std::vector<Kind>{Kind::protocol_error});
  // Wrong LLC header.
  EXPECT_EQ(
      kinds(client.on_frame({c, s, ControlField::information(0, 0), false, hex("E6 E6 00 01")})),
      std::vector<Kind>{Kind::protocol_error});
  // Server-only and client-only calls.
  HdlcLink server = make_server(s);
  EXPECT_FALSE(server.connect());
  EXPECT_FALSE(server.disconnect());
  EXPECT_TRUE(server.retransmit().frames.empty());
  EXPECT_FALSE(server.awaiting_response());
  EXPECT_EQ(to_string(LinkState::disconnecting), "disconnecting");
  EXPECT_EQ(to_string(LinkState::connecting), "connecting");
}

TEST(HdlcLink, ReassemblyIsBounded) {
  const HdlcAddress c = *HdlcAddress::client(1);
  const HdlcAddress s = meter_server();
  LinkConfig config;
  config.local = c;
  config.peer = s;
  config.max_apdu_size = 100;
  HdlcLink client = *HdlcLink::create(config);
  (void)client.connect();
  client.on_frame({c, s, ControlField::unnumbered(FrameType::ua), false, {}});
  (void)client.send_apdu(hex("C0 01"));
  std::vector<Kind> all;
  for (std::uint8_t ns = 0; ns < 4; ++ns) {
    const LinkOutput out =
        client.on_frame({c, s, ControlField::information(ns, 1), ns < 3,
                         Bytes(40, static_cast<std::uint8_t>(ns == 0 ? 0xE6 : 0))});
    for (Kind k : kinds(out)) all.push_back(k);
  }
  EXPECT_EQ(all, std::vector<Kind>{Kind::protocol_error});
  // The link goes on: the next APDU is delivered.
  (void)client.send_apdu(hex("C0 01"));
  EXPECT_EQ(
      kinds(client.on_frame({c, s, ControlField::information(4, 2), false, hex("E6 E7 00 C4")})),
      std::vector<Kind>{Kind::apdu_received});
}

}  // namespace
}  // namespace dlmsgw::hdlc
