// Session state-machine tests over real loopback TCP sockets against a scripted fake meter built
// from the protocol library's server-role pieces (see fake_meter.hpp). No mocks: every byte goes
// through the kernel, the HDLC codec and the deframer on both sides.
#include "client/session.hpp"

#include <gtest/gtest.h>

#include <set>

#include "client/fake_meter.hpp"
#include "client/hdlc_channel.hpp"
#include "client/invocation_counter_key.hpp"

namespace dlmsgw::client {
namespace {

using namespace fake;

const ObisCode kVoltageL1{1, 1, 32, 7, 0};
const ObisCode kCurrentL1{1, 1, 31, 7, 0};
const ObisCode kFrequency{1, 1, 14, 7, 0};
const ObisCode kClock{0, 0, 1, 0, 0};

xdlms::CosemAttributeDescriptor reg(const ObisCode& obis, std::int8_t attribute = 2) {
  return {3, obis, attribute};
}

// The user's meter: voltage 13500 with scaler -2, current 1300 with scaler -3, frequency in Hz.
MeterModel user_meter() {
  MeterModel model;
  model.add_register(kVoltageL1, axdr::Data::long_unsigned(13500), -2, 35);
  model.add_register(kCurrentL1, axdr::Data::long_unsigned(1300), -3, 33);
  model.add_register(kFrequency, axdr::Data::long_unsigned(5000), -2, 44);
  cosem::DateTime now;
  now.date = {2026, 5, 1, 5};
  now.time = {10, 0, 0, 0};
  now.deviation = -120;
  now.clock_status = 0;
  model.objects[{kClock, 2}] = axdr::Data::octet_string(now.encode());
  model.objects[{kCurrentAssociation, 1}] = axdr::Data::octet_string({0, 0, 40, 0, 0, 255});
  return model;
}

ConnectionSettings settings_for(const FakeMeter& meter, std::string name = "kitchen") {
  ConnectionSettings settings;
  settings.name = std::move(name);
  settings.endpoint = TcpTarget{"127.0.0.1", meter.port()};
  settings.timeouts.connect = 2s;
  settings.timeouts.response = 2s;
  return settings;
}

std::string prefix(const FakeMeter& meter) {
  return "meter 'kitchen' 127.0.0.1:" + std::to_string(meter.port()) + ": ";
}

TEST(Session, OpensWithLlsAndReadsARegisterWithScalerAndUnit) {
  asio::io_context io;
  FakeMeter meter(io);
  MeterModel model = user_meter();
  asio::co_spawn(io, meter.serve(model), asio::detached);
  Session session(settings_for(meter));
  auto opened = run(io, session.open());
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(session.negotiated_conformance(), xdlms::Conformance(0x00301D & 0x007E1F));
  EXPECT_EQ(session.server_max_pdu_size(), 1200);

  auto voltage = run(io, session.read(reg(kVoltageL1)));
  ASSERT_TRUE(voltage) << voltage.error().message;
  EXPECT_EQ(voltage->value_text(), "135");
  EXPECT_EQ(voltage->unit_symbol(), "V");
  auto frequency = run(io, session.read(reg(kFrequency)));
  ASSERT_TRUE(frequency);
  EXPECT_EQ(frequency->value_text(), "50");
  EXPECT_EQ(frequency->unit_symbol(), "Hz");  // not "corrected" to V as the old client did

  auto clock = run(io, session.read({8, kClock, 2}));
  ASSERT_TRUE(clock) << clock.error().message;
  EXPECT_EQ(clock->value_text(), "2026-05-01T10:00:00+02:00");
  EXPECT_EQ(clock->unit_symbol(), "");

  run(io, session.close());
  wait_until(io, [&] { return meter.disconnected(); });
  EXPECT_TRUE(model.released);
  EXPECT_FALSE(session.is_open());
}

TEST(Session, ReadsTheScalerOncePerAssociation) {
  asio::io_context io;
  FakeMeter meter(io);
  MeterModel model = user_meter();
  asio::co_spawn(io, meter.serve(model), asio::detached);
  Session session(settings_for(meter));
  ASSERT_TRUE(run(io, session.open()));
  for (int i = 0; i < 3; ++i) {
    auto value = run(io, session.read(reg(kVoltageL1)));
    ASSERT_TRUE(value) << value.error().message;
    EXPECT_EQ(value->value_text(), "135");
  }
  EXPECT_EQ(model.count(kVoltageL1, 3), 1);
  EXPECT_EQ(model.count(kVoltageL1, 2), 3);
  EXPECT_EQ(model.get_normal, 4);
  EXPECT_EQ(session.stats().scaler_reads, 1u);
  ASSERT_TRUE(session.cached_scaler_unit(3, kVoltageL1));
  EXPECT_EQ(session.cached_scaler_unit(3, kVoltageL1)->scaler, -2);
  run(io, session.close());
}

TEST(Session, FallsBackToOneGetPerObjectWithoutMultipleReferences) {
  asio::io_context io;
  FakeMeter meter(io);
  MeterModel model = user_meter();  // conformance 0x00301D: no multiple-references
  asio::co_spawn(io, meter.serve(model), asio::detached);
  Session session(settings_for(meter));
  ASSERT_TRUE(run(io, session.open()));
  EXPECT_FALSE(session.negotiated_conformance().has(xdlms::ConformanceBit::multiple_references));
  const std::vector<xdlms::CosemAttributeDescriptor> targets{reg(kVoltageL1), reg(kCurrentL1),
                                                             reg(kFrequency)};
  auto values = run(io, session.read_many(targets));
  ASSERT_TRUE(values) << values.error().message;
  ASSERT_EQ(values->size(), 3u);
  EXPECT_EQ((*values)[1]->value_text(), "1.3");
  EXPECT_EQ((*values)[1]->unit_symbol(), "A");
  EXPECT_EQ(model.get_with_list, 0);
  EXPECT_EQ(model.get_normal, 6);  // three scalers, three values
  values = run(io, session.read_many(targets));
  ASSERT_TRUE(values);
  EXPECT_EQ(model.get_normal, 9);  // then one GET per value
  run(io, session.close());
}

TEST(Session, UsesGetWithListWhenGranted) {
  asio::io_context io;
  FakeMeter meter(io);
  MeterModel model = user_meter();
  model.conformance = model.conformance.with(xdlms::ConformanceBit::multiple_references);
  asio::co_spawn(io, meter.serve(model), asio::detached);
  Session session(settings_for(meter));
  ASSERT_TRUE(run(io, session.open()));
  const ObisCode missing{1, 1, 99, 99, 0};
  const std::vector<xdlms::CosemAttributeDescriptor> targets{reg(kVoltageL1), reg(kCurrentL1),
                                                             reg(missing)};
  auto values = run(io, session.read_many(targets));
  ASSERT_TRUE(values) << values.error().message;
  EXPECT_EQ(model.get_with_list, 1);
  EXPECT_EQ(model.get_normal, 0);
  EXPECT_EQ((*values)[0]->value_text(), "135");
  ASSERT_FALSE((*values)[2]);
  EXPECT_EQ((*values)[2].error().message,
            prefix(meter) + "GET 1-1:99.99.0 attribute 2: object-undefined (4)");
  run(io, session.close());
}

TEST(Session, NamesTheMeterAndTheObjectWhenAGetIsRefused) {
  asio::io_context io;
  FakeMeter meter(io);
  MeterModel model = user_meter();
  asio::co_spawn(io, meter.serve(model), asio::detached);
  Session session(settings_for(meter));
  ASSERT_TRUE(run(io, session.open()));
  auto value = run(io, session.get(reg(ObisCode{1, 0, 32, 7, 0})));
  ASSERT_FALSE(value);
  EXPECT_EQ(value.error().code, ErrorCode::rejected);
  EXPECT_EQ(value.error().message,
            prefix(meter) + "GET 1-0:32.7.0 attribute 2: object-undefined (4)");
  run(io, session.close());
}

TEST(Session, RejectedAareGivesAClearMessage) {
  asio::io_context io;
  FakeMeter meter(io);
  MeterModel model = user_meter();
  model.password = "11111111";
  asio::co_spawn(io, meter.serve(model), asio::detached);
  Session session(settings_for(meter));
  auto opened = run(io, session.open());
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::rejected);
  EXPECT_EQ(opened.error().message,
            prefix(meter) + "AARQ: AARE rejected: authentication failure (diagnostic 13)");
  EXPECT_FALSE(session.is_open());
}

TEST(Session, ReadsTheObjectListByBlockTransfer) {
  asio::io_context io;
  FakeMeter meter(io);
  MeterModel model = user_meter();
  model.block_size = 40;
  std::vector<ObjectListEntry> objects;
  for (std::uint8_t i = 0; i < 12; ++i) {
    objects.push_back({3,
                       0,
                       ObisCode{1, 1, static_cast<std::uint8_t>(30 + i), 7, 0},
                       {{1, 1}, {2, 1}, {3, 1}},
                       {}});
  }
  objects.push_back({15, 2, kCurrentAssociation, {{1, 1}, {2, 1}}, {{1, 1}, {2, 2}}});
  model.objects[{kCurrentAssociation, 2}] = encode_object_list(objects);
  asio::co_spawn(io, meter.serve(model), asio::detached);
  Session session(settings_for(meter));
  ASSERT_TRUE(run(io, session.open()));
  auto list = run(io, session.read_object_list());
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_EQ(*list, objects);
  EXPECT_GE(model.get_next, 5);
  EXPECT_EQ(describe_access(list->back()), "1:R 2:R; m1:X m2:aX");
  run(io, session.close());
}

TEST(Session, InvokeIdsWrapWithoutEverProducing7E) {
  asio::io_context io;
  FakeMeter meter(io);
  MeterModel model = user_meter();
  asio::co_spawn(io, meter.serve(model), asio::detached);
  Session session(settings_for(meter));
  ASSERT_TRUE(run(io, session.open()));
  for (int i = 0; i < 140; ++i) ASSERT_TRUE(run(io, session.get(reg(kVoltageL1))));
  ASSERT_EQ(model.invoke_bytes.size(), 140u);
  std::set<std::uint8_t> seen(model.invoke_bytes.begin(), model.invoke_bytes.end());
  EXPECT_EQ(seen.size(), 16u);
  for (const std::uint8_t byte : model.invoke_bytes) {
    EXPECT_NE(byte, 0x7E);
    EXPECT_EQ(byte & 0xF0, 0xC0);
  }
  run(io, session.close());
}

TEST(Session, SurvivesAFrameSplitIntoSingleBytesWithGarbageBetweenFrames) {
  asio::io_context io;
  FakeMeter meter(io);
  MeterModel model = user_meter();
  WriteStyle style;
  style.byte_by_byte = true;
  style.garbage_before = {0x00, 0x7E, 0x7E, 0xA0, 0x55, 0x7E};
  asio::co_spawn(io, meter.serve(model, style), asio::detached);
  Session session(settings_for(meter));
  auto opened = run(io, session.open());
  ASSERT_TRUE(opened) << opened.error().message;
  auto value = run(io, session.read(reg(kVoltageL1)));
  ASSERT_TRUE(value) << value.error().message;
  EXPECT_EQ(value->value_text(), "135");
  run(io, session.close());
}

// Finds a value whose answer frame carries 0x7E in its FCS, to prove frames end by their length.
TEST(Session, Handles7EInsideDataAndFcs) {
  asio::io_context io;
  FakeMeter meter(io);
  MeterModel model = user_meter();
  const ObisCode serial{1, 0, 0, 0, 0};
  bool saw_fcs_flag = false;
  int reads = 0;
  auto script = [&]() -> asio::awaitable<void> {
    if (!co_await meter.accept()) co_return;
    while (auto request = co_await meter.receive_apdu()) {
      auto apdu = xdlms::decode_apdu(*request);
      if (apdu && std::holds_alternative<xdlms::GetRequestNormal>(*apdu)) {
        const auto& get = std::get<xdlms::GetRequestNormal>(*apdu);
        for (std::uint16_t nonce = 0;; ++nonce) {
          const Bytes value{0x7E, 0x7E, static_cast<std::uint8_t>(nonce >> 8),
                            static_cast<std::uint8_t>(nonce)};
          const Bytes answer =
              xdlms::GetResponseNormal{get.invoke, axdr::Data::octet_string(value)}.encode();
          hdlc::HdlcLink probe = meter.link();
          auto out = probe.send_apdu(answer);
          const Bytes& frame = out->frames.front();
          if (frame[frame.size() - 2] == 0x7E || frame[frame.size() - 3] == 0x7E) {
            saw_fcs_flag = true;
            model.objects[{serial, 2}] = axdr::Data::octet_string(value);
            co_await meter.send_apdu(answer);
            break;
          }
        }
        ++reads;
        continue;
      }
      co_await meter.send_apdu(model.answer(*request));
    }
  };
  asio::co_spawn(io, script(), asio::detached);
  Session session(settings_for(meter));
  ASSERT_TRUE(run(io, session.open()));
  for (int i = 0; i < 3; ++i) {
    auto value = run(io, session.get({1, serial, 2}));
    ASSERT_TRUE(value) << value.error().message;
    EXPECT_EQ(*value, (model.objects[{serial, 2}]));
  }
  EXPECT_TRUE(saw_fcs_flag);
  EXPECT_EQ(reads, 3);
  run(io, session.close());
}

TEST(Session, DropsALateReplyToAnEarlierRequest) {
  asio::io_context io;
  FakeMeter meter(io);
  MeterModel model = user_meter();
  auto script = [&]() -> asio::awaitable<void> {
    if (!co_await meter.accept()) co_return;
    while (auto request = co_await meter.receive_apdu()) {
      auto apdu = xdlms::decode_apdu(*request);
      if (apdu && std::holds_alternative<xdlms::GetRequestNormal>(*apdu)) {
        const auto& get = std::get<xdlms::GetRequestNormal>(*apdu);
        // First the answer to an earlier request (another invoke id, another value), then ours.
        const auto stale_invoke = *xdlms::InvokeIdAndPriority::make(
            static_cast<std::uint8_t>((get.invoke.invoke_id() + 15) & 15));
        const Bytes stale =
            xdlms::GetResponseNormal{stale_invoke, axdr::Data::long_unsigned(1)}.encode();
        co_await meter.send_apdu(stale);
      }
      co_await meter.send_apdu(model.answer(*request));
    }
  };
  asio::co_spawn(io, script(), asio::detached);
  ConnectionSettings settings = settings_for(meter);
  settings.timeouts.response = 300ms;
  Session session(settings);
  ASSERT_TRUE(run(io, session.open()));
  auto value = run(io, session.get(reg(kVoltageL1)));
  ASSERT_TRUE(value) << value.error().message;
  EXPECT_EQ(*value, axdr::Data::long_unsigned(13500));
  EXPECT_EQ(session.stats().stale_responses, 1u);
  run(io, session.close());
}

TEST(Session, WaitsWhileTheMeterSaysRnrThenReadsAfterRr) {
  asio::io_context io;
  FakeMeter meter(io);
  MeterModel model = user_meter();
  int polls = 0;
  auto script = [&]() -> asio::awaitable<void> {
    if (!co_await meter.accept()) co_return;
    while (auto request = co_await meter.receive_apdu()) {
      auto apdu = xdlms::decode_apdu(*request);
      if (apdu && std::holds_alternative<xdlms::GetRequestNormal>(*apdu)) {
        // Busy: RNR (F) acknowledging the request, twice, answering the client's RR polls.
        for (int i = 0; i < 2; ++i) {
          const hdlc::Frame rnr{*hdlc::HdlcAddress::client(1),
                                *hdlc::HdlcAddress::server_one_byte(0, 1),
                                hdlc::ControlField::supervisory(
                                    hdlc::FrameType::rnr, meter.link().receive_sequence(), true),
                                false,
                                {}};
          co_await meter.write_raw(*hdlc::encode_frame(rnr));
          const Bytes poll = co_await meter.read_raw();
          auto frame = hdlc::decode_frame(poll);
          if (frame && frame->control.type == hdlc::FrameType::rr) ++polls;
        }
      }
      co_await meter.send_apdu(model.answer(*request));
    }
  };
  asio::co_spawn(io, script(), asio::detached);
  Session session(settings_for(meter));
  ASSERT_TRUE(run(io, session.open()));
  auto value = run(io, session.get(reg(kVoltageL1, 3)));
  ASSERT_TRUE(value) << value.error().message;
  EXPECT_EQ(polls, 2);
  run(io, session.close());
}

TEST(Session, ConnectionResetMidExchangeIsAnError) {
  asio::io_context io;
  FakeMeter meter(io);
  MeterModel model = user_meter();
  auto script = [&]() -> asio::awaitable<void> {
    if (!co_await meter.accept()) co_return;
    while (auto request = co_await meter.receive_apdu()) {
      if (request->front() == xdlms::kGetRequestTag) {
        meter.reset();
        co_return;
      }
      co_await meter.send_apdu(model.answer(*request));
    }
  };
  asio::co_spawn(io, script(), asio::detached);
  Session session(settings_for(meter));
  ASSERT_TRUE(run(io, session.open()));
  auto value = run(io, session.get(reg(kVoltageL1)));
  ASSERT_FALSE(value);
  EXPECT_EQ(value.error().code, ErrorCode::connection_closed) << value.error().message;
  EXPECT_EQ(value.error().message.rfind(prefix(meter) + "GET 1-1:32.7.0 attribute 2: ", 0), 0u)
      << value.error().message;
  EXPECT_FALSE(session.is_open());
  run(io, session.close());
}

TEST(Session, SilentMeterTimesOutAfterBoundedRetransmissions) {
  asio::io_context io;
  FakeMeter meter(io);
  MeterModel model = user_meter();
  int get_frames = 0;
  auto script = [&]() -> asio::awaitable<void> {
    if (!co_await meter.accept()) co_return;
    while (auto request = co_await meter.receive_apdu()) {
      if (request->front() == xdlms::kGetRequestTag) {
        // Silence: count what the client repeats, answer nothing.
        get_frames = 1;
        while (!(co_await meter.read_raw(3s)).empty()) ++get_frames;
        co_return;
      }
      co_await meter.send_apdu(model.answer(*request));
    }
  };
  asio::co_spawn(io, script(), asio::detached);
  ConnectionSettings settings = settings_for(meter);
  settings.timeouts.response = 200ms;
  settings.timeouts.retries = 2;
  Session session(settings);
  ASSERT_TRUE(run(io, session.open()));
  auto value = run(io, session.get(reg(kVoltageL1)));
  ASSERT_FALSE(value);
  EXPECT_EQ(value.error().code, ErrorCode::timeout);
  EXPECT_EQ(value.error().message, prefix(meter) +
                                       "GET 1-1:32.7.0 attribute 2: HDLC: no answer within 200 ms "
                                       "(frame sent 3 times)");
  run(io, session.close());
  wait_until(io, [&] { return get_frames >= 3; });
  EXPECT_GE(get_frames, 3);
}

TEST(Session, MeterThatAcknowledgesButNeverAnswersTimesOut) {
  asio::io_context io;
  FakeMeter meter(io);
  MeterModel model = user_meter();
  auto script = [&]() -> asio::awaitable<void> {
    if (!co_await meter.accept()) co_return;
    while (auto request = co_await meter.receive_apdu()) {
      if (request->front() == xdlms::kGetRequestTag) {
        // The link layer keeps answering the client's polls with RR; the APDU never comes.
        while (co_await meter.receive_apdu(3s)) {
        }
        co_return;
      }
      co_await meter.send_apdu(model.answer(*request));
    }
  };
  asio::co_spawn(io, script(), asio::detached);
  ConnectionSettings settings = settings_for(meter);
  settings.timeouts.response = 200ms;
  settings.timeouts.retries = 2;
  Session session(settings);
  ASSERT_TRUE(run(io, session.open()));
  auto value = run(io, session.get(reg(kVoltageL1)));
  ASSERT_FALSE(value);
  EXPECT_EQ(value.error().code, ErrorCode::timeout);
  EXPECT_NE(value.error().message.find("the meter acknowledges but sent no answer within 600 ms"),
            std::string::npos)
      << value.error().message;
  run(io, session.close());
}

TEST(Session, SilentMeterDuringSnrmTimesOut) {
  asio::io_context io;
  FakeMeter meter(io);
  auto script = [&]() -> asio::awaitable<void> {
    if (!co_await meter.accept()) co_return;
    while (!(co_await meter.read_raw(3s)).empty()) {
    }
  };
  asio::co_spawn(io, script(), asio::detached);
  ConnectionSettings settings = settings_for(meter);
  settings.timeouts.response = 150ms;
  settings.timeouts.retries = 1;
  Session session(settings);
  auto opened = run(io, session.open());
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::timeout);
  EXPECT_NE(opened.error().message.find("connect: HDLC SNRM: HDLC: no answer"), std::string::npos)
      << opened.error().message;
}

TEST(Session, ConnectionRefusedIsAnError) {
  asio::io_context io;
  std::uint16_t port = 0;
  {
    FakeMeter closed(io);
    port = closed.port();
  }
  ConnectionSettings settings;
  settings.endpoint = TcpTarget{"127.0.0.1", port};
  settings.timeouts.connect = 1s;
  Session session(settings);
  auto opened = run(io, session.open());
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::connection_closed) << opened.error().message;
}

TEST(Session, MeterDroppingTheLinkWithDmIsAnError) {
  asio::io_context io;
  FakeMeter meter(io);
  MeterModel model = user_meter();
  auto script = [&]() -> asio::awaitable<void> {
    if (!co_await meter.accept()) co_return;
    while (auto request = co_await meter.receive_apdu()) {
      if (request->front() == xdlms::kGetRequestTag) {
        // The meter's inactivity timeout fired: it answers with DM.
        const hdlc::Frame dm{*hdlc::HdlcAddress::client(1),
                             *hdlc::HdlcAddress::server_one_byte(0, 1),
                             hdlc::ControlField::unnumbered(hdlc::FrameType::dm),
                             false,
                             {}};
        co_await meter.write_raw(*hdlc::encode_frame(dm));
        continue;
      }
      co_await meter.send_apdu(model.answer(*request));
    }
  };
  asio::co_spawn(io, script(), asio::detached);
  Session session(settings_for(meter));
  ASSERT_TRUE(run(io, session.open()));
  auto value = run(io, session.get(reg(kVoltageL1)));
  ASSERT_FALSE(value);
  EXPECT_EQ(value.error().code, ErrorCode::connection_closed) << value.error().message;
  EXPECT_FALSE(session.is_open());
  run(io, session.close());
}

TEST(Session, CloseToleratesAMalformedRlre) {
  asio::io_context io;
  FakeMeter meter(io);
  MeterModel model = user_meter();
  model.malformed_rlre = true;
  asio::co_spawn(io, meter.serve(model), asio::detached);
  Session session(settings_for(meter));
  ASSERT_TRUE(run(io, session.open()));
  run(io, session.close());
  EXPECT_TRUE(model.released);
  wait_until(io, [&] { return meter.disconnected(); });
  run(io, session.close());  // twice is harmless
}

TEST(Session, SendsAKeepAliveWhenIdle) {
  asio::io_context io;
  FakeMeter meter(io);
  MeterModel model = user_meter();
  asio::co_spawn(io, meter.serve(model), asio::detached);
  ConnectionSettings settings = settings_for(meter);
  settings.keep_alive_interval = 150ms;
  Session session(settings);
  ASSERT_TRUE(run(io, session.open()));
  std::optional<Expected<void>> keep_alive;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { keep_alive.emplace(co_await session.run_keep_alive()); },
      asio::detached);
  wait_until(io, [&] { return model.count(kCurrentAssociation, 1) >= 2; });
  EXPECT_GE(session.stats().keep_alives, 2u);
  // Requests and keep-alives never interleave on the link.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(run(io, session.get(reg(kVoltageL1))));
  run(io, session.close());
  wait_until(io, [&] { return keep_alive.has_value(); });
  EXPECT_TRUE(*keep_alive);
}

TEST(Session, SetAndActionRoundTrip) {
  asio::io_context io;
  FakeMeter meter(io);
  MeterModel model = user_meter();
  asio::co_spawn(io, meter.serve(model), asio::detached);
  Session session(settings_for(meter));
  ASSERT_TRUE(run(io, session.open()));
  const ObisCode threshold{0, 0, 17, 0, 0};
  ASSERT_TRUE(run(io, session.set({71, threshold, 3}, axdr::Data::double_long_unsigned(5000))));
  EXPECT_EQ((model.objects[{threshold, 3}]), axdr::Data::double_long_unsigned(5000));
  auto done = run(io, session.action({70, ObisCode{0, 0, 96, 3, 10}, 1}, axdr::Data::integer(0)));
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_FALSE(done->has_value());
  run(io, session.close());
}

TEST(Session, ReadsAProfileWithSelectiveAccess) {
  asio::io_context io;
  FakeMeter meter(io);
  MeterModel model = user_meter();
  const ObisCode profile{1, 0, 99, 1, 0};
  model.objects[{profile, 2}] =
      axdr::Data::array({axdr::Data::structure({axdr::Data::long_unsigned(1)})});
  asio::co_spawn(io, meter.serve(model), asio::detached);
  Session session(settings_for(meter));
  ASSERT_TRUE(run(io, session.open()));
  auto rows = run(io, session.read_profile(profile, xdlms::EntryDescriptor{1, 10, 1, 0}));
  ASSERT_TRUE(rows) << rows.error().message;
  auto request = xdlms::GetRequestNormal::decode(model.plain_requests.back());
  ASSERT_TRUE(request);
  ASSERT_TRUE(request->access);
  EXPECT_EQ(request->access->selector, xdlms::kEntryDescriptorSelector);
  run(io, session.close());
}

TEST(Session, WrapperTransportReadsARegister) {
  asio::io_context io;
  FakeMeter meter(io, FakeMeter::Framing::wrapper);
  MeterModel model = user_meter();
  asio::co_spawn(io, meter.serve(model), asio::detached);
  ConnectionSettings settings = settings_for(meter);
  settings.transport = Transport::wrapper;
  settings.server_logical = 1;
  Session session(settings);
  ASSERT_TRUE(run(io, session.open()));
  auto value = run(io, session.read(reg(kCurrentL1)));
  ASSERT_TRUE(value) << value.error().message;
  EXPECT_EQ(value->value_text(), "1.3");
  run(io, session.close());
}

TEST(Session, WrapperDropsALateReplyAndTimesOutWhenSilent) {
  asio::io_context io;
  FakeMeter meter(io, FakeMeter::Framing::wrapper);
  MeterModel model = user_meter();
  int gets = 0;
  auto script = [&]() -> asio::awaitable<void> {
    if (!co_await meter.accept()) co_return;
    while (auto request = co_await meter.receive_apdu()) {
      if (request->front() == xdlms::kGetRequestTag && ++gets == 2) {
        const Bytes stale = xdlms::GetResponseNormal{*xdlms::InvokeIdAndPriority::make(9),
                                                     axdr::Data::long_unsigned(7)}
                                .encode();
        co_await meter.send_apdu(stale);
      }
      if (gets == 3) continue;  // silent
      co_await meter.send_apdu(model.answer(*request));
    }
  };
  asio::co_spawn(io, script(), asio::detached);
  ConnectionSettings settings = settings_for(meter);
  settings.transport = Transport::wrapper;
  settings.server_logical = 1;
  settings.timeouts.response = 200ms;
  Session session(settings);
  ASSERT_TRUE(run(io, session.open()));
  ASSERT_TRUE(run(io, session.get(reg(kVoltageL1))));
  auto second = run(io, session.get(reg(kVoltageL1)));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(*second, axdr::Data::long_unsigned(13500));
  EXPECT_EQ(session.stats().stale_responses, 1u);
  auto third = run(io, session.get(reg(kVoltageL1)));
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, ErrorCode::timeout);
  run(io, session.close());
}

ConnectionSettings secured(ConnectionSettings settings, Authentication authentication,
                           Security security) {
  settings.authentication = authentication;
  settings.security = security;
  settings.system_title = kClientTitle;
  settings.block_key = kBlockKey;
  settings.authentication_key = kAuthKey;
  return settings;
}

TEST(Session, HlsGmacWithAuthenticatedEncryptedApdus) {
  asio::io_context io;
  FakeMeter meter(io);
  MeterModel model = user_meter();
  model.ciphered = true;
  model.hls = true;
  asio::co_spawn(io, meter.serve(model), asio::detached);
  MemoryInvocationCounterStore counters;
  Session session(
      secured(settings_for(meter), Authentication::high_gmac, Security::authenticated_encrypted),
      &counters);
  auto opened = run(io, session.open());
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_TRUE(model.hls_verified);
  auto value = run(io, session.read(reg(kVoltageL1)));
  ASSERT_TRUE(value) << value.error().message;
  EXPECT_EQ(value->value_text(), "135");
  run(io, session.close());
  // AARQ initiate, f(StoC), ACTION, scaler GET, value GET: our counter is now 5.
  EXPECT_EQ(*counters.load(invocation_counter_key(kClientTitle, kBlockKey)), 5u);
  EXPECT_TRUE(counters.load(kMeterTitle.to_hex() + ":rx")->has_value());
}

TEST(Session, HlsGmacRefusesAMeterThatCannotProveItHoldsTheKey) {
  asio::io_context io;
  FakeMeter meter(io);
  MeterModel model = user_meter();
  model.hls = true;
  model.authentication_key = key("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");
  asio::co_spawn(io, meter.serve(model), asio::detached);
  Session session(secured(settings_for(meter), Authentication::high_gmac, Security::none));
  auto opened = run(io, session.open());
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::checksum) << opened.error().message;
  EXPECT_NE(opened.error().message.find(
                "HLS-GMAC reply_to_HLS_authentication: the meter's f(CtoS) does not verify"),
            std::string::npos)
      << opened.error().message;
}

TEST(Session, LlsWithAuthenticatedCipheringAndCountersKeptBetweenSessions) {
  MemoryInvocationCounterStore counters;
  for (int round = 0; round < 2; ++round) {
    asio::io_context io;
    FakeMeter meter(io);
    MeterModel model = user_meter();
    model.ciphered = true;
    model.policy = security::SecurityPolicy::authenticated;
    asio::co_spawn(io, meter.serve(model), asio::detached);
    Session session(secured(settings_for(meter), Authentication::low, Security::authenticated),
                    &counters);
    auto opened = run(io, session.open());
    if (round == 0) {
      ASSERT_TRUE(opened) << opened.error().message;
      auto value = run(io, session.get(reg(kVoltageL1)));
      ASSERT_TRUE(value) << value.error().message;
      EXPECT_EQ(*value, axdr::Data::long_unsigned(13500));
      EXPECT_EQ(*counters.load(invocation_counter_key(kClientTitle, kBlockKey)),
                2u);                                                // AARQ and GET
      EXPECT_EQ(*counters.load(kMeterTitle.to_hex() + ":rx"), 1u);  // AARE 0 and GET 1
      run(io, session.close());
    } else {
      // This fake meter restarts its counter at 0; the counter kept from the first session makes
      // that a replay, refused. Our own counter continued from 2.
      ASSERT_FALSE(opened);
      EXPECT_EQ(opened.error().code, ErrorCode::protocol_state) << opened.error().message;
      EXPECT_EQ(*counters.load(invocation_counter_key(kClientTitle, kBlockKey)), 3u);
    }
  }
}

}  // namespace
}  // namespace dlmsgw::client
