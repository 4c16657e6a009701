// Command-line forms of read targets and connection flags, and the measurement catalog.
#include "client/read_target.hpp"

#include <gtest/gtest.h>

#include <array>

#include "client/connection_flags.hpp"
#include "client/frame_trace.hpp"
#include "client/iec_mode_e.hpp"
#include "client/measurement_catalog.hpp"
#include "client/meter_value.hpp"
#include "client/object_list.hpp"
#include "core/hex.hpp"

namespace dlmsgw::client {
namespace {

TEST(ReadTarget, NamedMeasurementTakesTheBField) {
  auto target = parse_read_target("voltage_l1", 1);
  ASSERT_TRUE(target);
  EXPECT_EQ(target->attribute.to_string(), "class 3 1-1:32.7.0 attribute 2");
  EXPECT_EQ(target->label, "voltage_l1");
  target = parse_read_target("voltage_l1", 0);
  EXPECT_EQ(target->attribute.instance, ObisCode(1, 0, 32, 7, 0));
  // Identification and clock keep their codes.
  EXPECT_EQ(parse_read_target("serial_number", 1)->attribute.to_string(),
            "class 1 1-0:0.0.0 attribute 2");
  EXPECT_EQ(parse_read_target("clock", 1)->attribute.to_string(), "class 8 0-0:1.0.0 attribute 2");
}

TEST(ReadTarget, ObisAloneUsesTheDefaultClassRule) {
  EXPECT_EQ(parse_read_target("1-1:32.7.0", 1)->attribute.to_string(),
            "class 3 1-1:32.7.0 attribute 2");
  EXPECT_TRUE(parse_read_target("1-1:32.7.0", 1)->class_defaulted);
  EXPECT_EQ(parse_read_target("1-1:1.8.0*255", 1)->attribute.class_id, 3);
  EXPECT_EQ(parse_read_target("0-0:1.0.0", 1)->attribute.class_id, 8);
  EXPECT_EQ(parse_read_target("1-0:0.0.0", 1)->attribute.class_id, 1);
  EXPECT_EQ(parse_read_target("0-0:96.1.0", 1)->attribute.class_id, 1);
  EXPECT_EQ(parse_read_target("0-0:40.0.0", 1)->attribute.class_id, 1);
  EXPECT_EQ(parse_read_target("1.1.32.7.0.255", 1)->attribute.class_id, 3);
}

TEST(ReadTarget, ExplicitClassAndAttribute) {
  auto target = parse_read_target("1-1:32.7.0:3:3", 1);
  ASSERT_TRUE(target);
  EXPECT_EQ(target->attribute.to_string(), "class 3 1-1:32.7.0 attribute 3");
  EXPECT_FALSE(target->class_defaulted);
  target = parse_read_target("0-0:40.0.0:15", 1);
  ASSERT_TRUE(target);
  EXPECT_EQ(target->attribute.to_string(), "class 15 0-0:40.0.0 attribute 2");
  EXPECT_EQ(parse_read_target("1-1:99.1.0:7:-1", 1)->attribute.attribute_id, -1);
}

TEST(ReadTarget, RefusesWhatItCannotRead) {
  EXPECT_FALSE(parse_read_target("voltage", 1));
  EXPECT_FALSE(parse_read_target("1-1:32.7.0:x", 1));
  EXPECT_FALSE(parse_read_target("1-1:32.7.0:3:200", 1));
  EXPECT_FALSE(parse_read_target("1-1:32.7.0:70000", 1));
  auto bad = parse_read_target("1-1:32.7.0:3:", 1);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("target '1-1:32.7.0:3:'"), std::string::npos);
}

TEST(MeasurementCatalog, HasTheUserKeysWithTheirClasses) {
  for (const char* key :
       {"voltage_l1", "voltage_l2", "voltage_l3", "current_l1", "current_l2", "current_l3",
        "frequency", "active_power", "active_energy", "reactive_power", "apparent_power",
        "power_factor", "reactive_energy", "serial_number", "clock"}) {
    EXPECT_TRUE(find_measurement(key)) << key;
  }
  const auto check = [](const char* key, const char* expected) {
    EXPECT_EQ(descriptor_for(*find_measurement(key), kUserMeterBField).to_string(), expected)
        << key;
  };
  check("current_l3", "class 3 1-1:71.7.0 attribute 2");
  check("frequency", "class 3 1-1:14.7.0 attribute 2");
  check("active_energy", "class 3 1-1:1.8.0 attribute 2");
  check("reactive_power", "class 3 1-1:3.7.0 attribute 2");
  check("apparent_power", "class 3 1-1:9.7.0 attribute 2");
  check("power_factor", "class 3 1-1:13.7.0 attribute 2");
  check("reactive_energy", "class 3 1-1:3.8.0 attribute 2");
  EXPECT_FALSE(find_measurement("nonsense"));
  // Keys are unique.
  for (const auto& a : measurement_catalog()) {
    int count = 0;
    for (const auto& b : measurement_catalog()) count += a.key == b.key ? 1 : 0;
    EXPECT_EQ(count, 1) << a.key;
  }
}

TEST(ConnectionFlags, DefaultsAreTheUserMeter) {
  auto settings = to_settings(ConnectionFlags{});
  ASSERT_TRUE(settings) << settings.error().message;
  EXPECT_EQ(settings->peer(), "127.0.0.1:3333");
  EXPECT_EQ(settings->transport, Transport::hdlc);
  EXPECT_EQ(settings->authentication, Authentication::low);
  EXPECT_EQ(settings->password, "22222222");
  EXPECT_EQ(to_hex(settings->server_hdlc_address()->encode()), "03");
  EXPECT_EQ(settings->proposed_conformance.value(), 0x007E1Fu);
  EXPECT_EQ(settings->max_pdu_size, 1200);
}

TEST(ConnectionFlags, WrapperDefaultsAndExplicitAddresses) {
  ConnectionFlags flags;
  flags.transport = "wrapper";
  flags.host = "10.0.0.5";
  flags.authentication = "none";
  auto settings = to_settings(flags);
  ASSERT_TRUE(settings) << settings.error().message;
  EXPECT_EQ(settings->peer(), "10.0.0.5:4059");
  EXPECT_EQ(settings->server_logical, 1);

  flags = {};
  flags.address_size = 4;
  flags.server_logical = 1;
  flags.server_physical = 17;
  settings = to_settings(flags);
  ASSERT_TRUE(settings) << settings.error().message;
  EXPECT_EQ(to_hex(settings->server_hdlc_address()->encode()), "00 02 00 23");
}

TEST(ConnectionFlags, SecurityNeedsKeysAndParsesThem) {
  ConnectionFlags flags;
  flags.authentication = "high-gmac";
  flags.security = "auth-enc";
  EXPECT_FALSE(to_settings(flags));
  flags.system_title = "4D4D4D0000000001";
  flags.block_key = "000102030405060708090A0B0C0D0E0F";
  flags.authentication_key = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF";
  auto settings = to_settings(flags);
  ASSERT_TRUE(settings) << settings.error().message;
  EXPECT_EQ(settings->security, Security::authenticated_encrypted);
  flags.block_key = "0001";
  EXPECT_FALSE(to_settings(flags));
}

TEST(ConnectionFlags, FrameCounterObisNeedsCipheringAndAValidCode) {
  ConnectionFlags flags;
  flags.frame_counter_obis = "0-0:43.1.0";
  auto plain = to_settings(flags);
  ASSERT_FALSE(plain);
  EXPECT_NE(plain.error().message.find("--frame-counter-obis"), std::string::npos);
  flags.authentication = "high-gmac";
  flags.security = "auth-enc";
  flags.system_title = "4D4D4D0000000001";
  flags.block_key = "000102030405060708090A0B0C0D0E0F";
  flags.authentication_key = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF";
  auto settings = to_settings(flags);
  ASSERT_TRUE(settings) << settings.error().message;
  ASSERT_TRUE(settings->frame_counter_obis.has_value());
  EXPECT_EQ(settings->frame_counter_obis->to_string(), "0-0:43.1.0");
  EXPECT_EQ(settings->frame_counter_client, 16);
  flags.frame_counter_obis = "zero";
  EXPECT_FALSE(to_settings(flags));
  flags.frame_counter_obis = "0-0:43.1.0";
  flags.frame_counter_client = 200;
  EXPECT_FALSE(to_settings(flags));
}

TEST(ConnectionFlags, RefusesBadValuesNamingTheFlag) {
  ConnectionFlags flags;
  flags.port = 70000;
  EXPECT_EQ(to_settings(flags).error().message, "--port 70000: use 1..65535");
  flags = {};
  flags.transport = "udp";
  EXPECT_FALSE(to_settings(flags));
  flags = {};
  flags.address_size = 3;
  EXPECT_FALSE(to_settings(flags));
  flags = {};
  flags.host = "h";
  flags.serial_device = "/dev/ttyUSB0";
  EXPECT_FALSE(to_settings(flags));
  flags = {};
  flags.server_logical = 1;  // one byte: (1 << 7) | 1 does not fit 7 bits
  EXPECT_FALSE(to_settings(flags));
  flags = {};
  flags.conformance = "00301D";
  EXPECT_EQ(to_settings(flags)->proposed_conformance.value(), 0x00301Du);
  flags.conformance = "30";
  EXPECT_FALSE(to_settings(flags));
  flags = {};
  flags.serial_device = "/dev/ttyUSB0";
  flags.iec_mode_e = true;
  flags.parity = "even";
  auto serial = to_settings(flags);
  ASSERT_TRUE(serial) << serial.error().message;
  EXPECT_TRUE(std::get<SerialTarget>(serial->endpoint).iec_mode_e);
  EXPECT_EQ(serial->peer(), "/dev/ttyUSB0");
}

TEST(IecModeE, IdentificationAndAcknowledgement) {
  // IEC 62056-21 example identification "/ISk5\2MT382-1000": baud character 5 = 9600.
  auto id = parse_iec_identification("/ISk5\2MT382-1000\r\n");
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(id->baud, 9600u);
  EXPECT_EQ(to_hex(iec_mode_e_acknowledgement(id->baud_char)), "06 32 35 32 0D 0A");
  EXPECT_EQ(to_hex(iec_request_message()), "2F 3F 21 0D 0A");
  EXPECT_EQ(parse_iec_identification("/XYZ6abc")->baud, 19200u);
  EXPECT_FALSE(parse_iec_identification("XYZ5"));
  EXPECT_FALSE(parse_iec_identification("/XYZ9abc"));
}

TEST(MeterValue, FormatsValuesAsTheyArePublished) {
  MeterValue value{{3, ObisCode(1, 1, 31, 7, 0), 2},
                   axdr::Data::long_unsigned(1300),
                   cosem::ScalerUnit{-3, cosem::Unit::ampere}};
  EXPECT_EQ(value.value_text(), "1.3");
  EXPECT_EQ(value.unit_symbol(), "A");
  EXPECT_DOUBLE_EQ(*value.number(), 1.3);
  value.data = axdr::Data::double_long(-5);
  EXPECT_EQ(value.value_text(), "-0.005");
  value.data = axdr::Data::float32(2.5F);
  value.scaler_unit = cosem::ScalerUnit{1, cosem::Unit::watt};
  EXPECT_EQ(value.value_text(), "25");
  value.scaler_unit.reset();
  value.data = axdr::Data::octet_string({'M', 'S', '1', '2'});
  EXPECT_EQ(value.value_text(), "MS12");
  EXPECT_FALSE(value.number());
  value.data = axdr::Data::octet_string({0x01, 0xFF});
  EXPECT_EQ(value.value_text(), "01FF");
  value.data = axdr::Data::boolean(true);
  EXPECT_EQ(value.value_text(), "true");
  value.data = axdr::Data::enumerated(3);
  EXPECT_EQ(value.value_text(), "3");
  value.data = axdr::Data::visible_string("abc");
  EXPECT_EQ(value.value_text(), "abc");
  EXPECT_EQ(value.unit_symbol(), "");
  EXPECT_FALSE(decode_scaler_unit(axdr::Data::long_unsigned(1)));
  EXPECT_FALSE(decode_scaler_unit(axdr::Data::structure({axdr::Data::integer(1)})));
}

TEST(ObjectList, DecodesBothMethodAccessFormsAndRefusesGarbage) {
  // Version 0 of Association LN sends method access as a boolean.
  const axdr::Data list = axdr::Data::array({axdr::Data::structure(
      {axdr::Data::long_unsigned(70), axdr::Data::unsigned_integer(0),
       axdr::Data::octet_string({0, 0, 96, 3, 10, 255}),
       axdr::Data::structure(
           {axdr::Data::array({axdr::Data::structure(
                {axdr::Data::integer(2), axdr::Data::enumerated(3), axdr::Data::null()})}),
            axdr::Data::array(
                {axdr::Data::structure({axdr::Data::integer(1), axdr::Data::boolean(true)})})})})});
  auto entries = decode_object_list(list);
  ASSERT_TRUE(entries) << entries.error().message;
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ(describe_access(entries->front()), "2:RW; m1:X");
  EXPECT_FALSE(decode_object_list(axdr::Data::long_unsigned(1)));
  EXPECT_FALSE(decode_object_list(
      axdr::Data::array({axdr::Data::structure({axdr::Data::long_unsigned(1)})})));
  EXPECT_FALSE(decode_object_list(axdr::Data::array(
      {axdr::Data::structure({axdr::Data::long_unsigned(1), axdr::Data::unsigned_integer(0),
                              axdr::Data::octet_string({1, 2})})})));
  EXPECT_EQ(attribute_access_symbol(6), "aRW");
  EXPECT_EQ(attribute_access_symbol(9), "?9");
  EXPECT_EQ(method_access_symbol(2), "aX");
}

}  // namespace
}  // namespace dlmsgw::client

namespace dlmsgw::client {
namespace {

TEST(ConnectionSettings, NamesAndParsesEveryChoice) {
  for (const Transport value : {Transport::hdlc, Transport::wrapper}) {
    EXPECT_EQ(*parse_transport(to_string(value)), value);
  }
  for (const Authentication value :
       {Authentication::none, Authentication::low, Authentication::high_gmac}) {
    EXPECT_EQ(*parse_authentication(to_string(value)), value);
  }
  for (const Security value : {Security::none, Security::authenticated, Security::encrypted,
                               Security::authenticated_encrypted}) {
    EXPECT_EQ(*parse_security(to_string(value)), value);
    const std::array<std::uint8_t, 4> policies{0x00, 0x10, 0x20, 0x30};
    EXPECT_EQ(static_cast<std::uint8_t>(to_policy(value)),
              policies[static_cast<std::size_t>(value)]);
  }
  EXPECT_FALSE(parse_authentication("hls"));
  EXPECT_FALSE(parse_security("full"));
  ConnectionSettings settings;
  settings.name = "kitchen";
  EXPECT_EQ(settings.describe(), "meter 'kitchen' 127.0.0.1:3333");
  settings.password.clear();
  EXPECT_EQ(settings.validate().error().message,
            "meter 'kitchen' 127.0.0.1:3333: LLS needs a password");
  settings.password = "x";
  settings.max_pdu_size = 10;
  EXPECT_FALSE(settings.validate());
  settings.max_pdu_size = 1200;
  settings.timeouts.response = std::chrono::milliseconds(0);
  EXPECT_FALSE(settings.validate());
}

// `dlmsgw read --trace` printed the LLS password of the AARQ in clear while the gateway's trace
// masked it: the same frame as in authentication_redaction_test.cpp (password "22222222").
TEST(FrameTrace, MasksTheLlsPasswordOfASentAarq) {
  const Bytes aarq = *parse_hex(
      "7E A0 44 02 21 03 10 FB AF E6 E6 00 60 36 A1 09 06 07 60 85 74 05 08 01 01 8A 02 07 80 8B "
      "07 60 85 74 05 08 02 01 AC 0A 80 08 32 32 32 32 32 32 32 32 BE 10 04 0E 01 00 00 00 06 5F "
      "1F 04 00 00 7E 1F 04 B0 3F 59 7E");
  const std::string sent = format_trace_line(TraceDirection::sent, aarq);
  EXPECT_EQ(sent.find("32 32 32 32 32 32 32 32"), std::string::npos) << sent;
  EXPECT_NE(sent.find("80 08 2A 2A 2A 2A 2A 2A 2A 2A"), std::string::npos) << sent;
  EXPECT_TRUE(sent.ends_with(" (password masked)")) << sent;
}

TEST(FrameTrace, PrintsDirectionTimeAndHex) {
  const Bytes frame{0x7E, 0xA0, 0x07};
  const std::string sent = format_trace_line(TraceDirection::sent, frame);
  EXPECT_NE(sent.find(" -> 7E A0 07"), std::string::npos) << sent;
  EXPECT_EQ(sent[4], '-');  // 2026-...
  EXPECT_NE(format_trace_line(TraceDirection::received, frame).find(" <- "), std::string::npos);
}

}  // namespace
}  // namespace dlmsgw::client
