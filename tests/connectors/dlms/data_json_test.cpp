// to_rpc_json, to_telemetry and data_from_json: each A-XDR type out to JSON and back, scaling
// and rounding of published values, inference and range errors.

#include "connectors/dlms/data_json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>

#include "connectors/dlms/object_request.hpp"
#include "core/hex.hpp"

namespace dlmsgw::connectors::dlms {
namespace {

using axdr::Data;
using axdr::DataType;
using nlohmann::json;

const ObisCode kVoltage(1, 1, 32, 7, 0);
const ObisCode kClock(0, 0, 1, 0, 0);

client::MeterValue meter_value(Data data, std::optional<cosem::ScalerUnit> scaler_unit = {},
                               std::uint16_t class_id = 1,
                               ObisCode obis = ObisCode(0, 0, 96, 1, 0)) {
  return client::MeterValue{xdlms::CosemAttributeDescriptor{class_id, obis, 2}, std::move(data),
                            scaler_unit};
}

client::MeterValue voltage(std::uint16_t raw, std::int8_t scaler = -2) {
  return meter_value(Data::long_unsigned(raw), cosem::ScalerUnit{scaler, cosem::Unit::volt}, 3,
                     kVoltage);
}

PointConfig point(double multiplier = 1, double divider = 1, std::optional<int> round = {}) {
  PointConfig config;
  config.key = "voltage_l1";
  config.multiplier = multiplier;
  config.divider = divider;
  config.round = round;
  return config;
}

Bytes bytes(std::string_view hex) {
  return *parse_hex(hex);
}

// 2026-11-24 14:27:34.50, UTC+01:00 (deviation -60), status 0.
cosem::DateTime sample_time() {
  return cosem::DateTime::from_unix_ms(1'795'526'854'500, 60);
}

// ---- to_rpc_json ----------------------------------------------------------------------------

TEST(ToRpcJson, RegisterWithScalerAndUnit) {
  EXPECT_EQ(to_rpc_json(voltage(23015)),
            json::parse(R"({"value":230.15,"unit":"V","type":"long-unsigned"})"));
  EXPECT_EQ(to_rpc_json(voltage(23, 1)),
            json::parse(R"({"value":230.0,"unit":"V","type":"long-unsigned"})"));
}

TEST(ToRpcJson, IntegersWithoutScalerStayExact) {
  EXPECT_EQ(to_rpc_json(meter_value(Data::long64_unsigned(UINT64_MAX)))["value"], json(UINT64_MAX));
  EXPECT_EQ(to_rpc_json(meter_value(Data::long64(INT64_MIN)))["value"], json(INT64_MIN));
  EXPECT_EQ(to_rpc_json(meter_value(Data::enumerated(3))),
            json::parse(R"({"value":3,"type":"enum"})"));
  // A count has no unit symbol: no "unit" key.
  const auto counted = to_rpc_json(
      meter_value(Data::double_long(-5), cosem::ScalerUnit{0, cosem::Unit::count}, 3, kVoltage));
  EXPECT_EQ(counted, json::parse(R"({"value":-5,"type":"double-long"})"));
}

TEST(ToRpcJson, ScalarKinds) {
  EXPECT_EQ(to_rpc_json(meter_value(Data::boolean(true))),
            json::parse(R"({"value":true,"type":"boolean"})"));
  EXPECT_EQ(to_rpc_json(meter_value(Data::null())),
            json::parse(R"({"value":null,"type":"null-data"})"));
  EXPECT_EQ(to_rpc_json(meter_value(Data::visible_string("MS123456")))["value"], "MS123456");
  EXPECT_EQ(to_rpc_json(meter_value(Data::utf8_string("Zähler")))["value"], "Zähler");
  EXPECT_EQ(to_rpc_json(meter_value(Data::float64(1.25)))["value"], 1.25);
  EXPECT_EQ(to_rpc_json(meter_value(Data::bit_string({{0xA0}, 3})))["value"], "101");
  EXPECT_EQ(to_rpc_json(meter_value(Data::date(sample_time().date)))["value"], "2026-11-24");
  EXPECT_EQ(to_rpc_json(meter_value(Data::time(cosem::Time{14, 27, 34, 0})))["value"], "14:27:34");
  EXPECT_EQ(to_rpc_json(meter_value(Data::compact_array({{0x12}, {0x01, 0x02}})))["value"], "0102");
}

TEST(ToRpcJson, FloatsWithScalerAndNonFinite) {
  EXPECT_EQ(to_rpc_json(meter_value(Data::float32(1.1f), cosem::ScalerUnit{-1, cosem::Unit::hertz},
                                    3, kVoltage)),
            json::parse(R"({"value":0.11,"unit":"Hz","type":"float32"})"));
  EXPECT_EQ(to_rpc_json(meter_value(Data::float64(std::nan(""))))["value"], "NaN");
  EXPECT_EQ(to_rpc_json(meter_value(Data::float64(-INFINITY)))["value"], "-Infinity");
}

TEST(ToRpcJson, OctetStringsAsTextHexOrDateTime) {
  EXPECT_EQ(to_rpc_json(meter_value(Data::octet_string(bytes("4D53313233"))))["value"], "MS123");
  EXPECT_EQ(to_rpc_json(meter_value(Data::octet_string(bytes("00 01 FF 0A"))))["value"],
            "0001FF0A");
  EXPECT_EQ(to_rpc_json(meter_value(Data::octet_string({})))["value"], "");
  // The clock's time attribute, and a 12-byte date-time elsewhere (a billing date).
  const Data clock_time = Data::octet_string(sample_time().encode());
  EXPECT_EQ(to_rpc_json(meter_value(clock_time, {}, 8, kClock)),
            json::parse(R"({"value":"2026-11-24T14:27:34.50+01:00","type":"octet-string"})"));
  EXPECT_EQ(to_rpc_json(meter_value(clock_time))["value"], "2026-11-24T14:27:34.50+01:00");
  // 12 bytes that are not a date-time stay hex.
  EXPECT_EQ(
      to_rpc_json(meter_value(Data::octet_string(bytes("FFFFFFFFFFFFFFFFFFFFFFFF"))))["value"],
      "FFFFFFFFFFFFFFFFFFFFFFFF");
  EXPECT_EQ(to_rpc_json(meter_value(Data::date_time(sample_time())))["value"],
            "2026-11-24T14:27:34.50+01:00");
}

TEST(ToRpcJson, StructuresAndArraysRecursively) {
  // A profile buffer row: {capture time, energy, status}.
  const Data row = Data::structure({Data::octet_string(sample_time().encode()),
                                    Data::double_long_unsigned(123456), Data::unsigned_integer(8)});
  const Data buffer = Data::array({row, Data::array({}), Data::structure({Data::null()})});
  EXPECT_EQ(to_rpc_json(meter_value(buffer)), json::parse(R"({"value":[
      ["2026-11-24T14:27:34.50+01:00",123456,8],[],[null]],"type":"array"})"));
}

// ---- to_telemetry ---------------------------------------------------------------------------

gateway::TelemetryValue telemetry(const client::MeterValue& value,
                                  const PointConfig& config = point()) {
  auto result = to_telemetry(value, config);
  EXPECT_TRUE(result) << result.error().message;
  return result ? *result : gateway::TelemetryValue{};
}

TEST(ToTelemetry, IntegersWithoutScalerOrPositiveScalerStayInt64) {
  EXPECT_EQ(telemetry(meter_value(Data::double_long(-42))),
            gateway::TelemetryValue(std::int64_t{-42}));
  EXPECT_EQ(telemetry(voltage(23, 1)), gateway::TelemetryValue(std::int64_t{230}));
  EXPECT_EQ(telemetry(meter_value(Data::long64(INT64_MAX))),
            gateway::TelemetryValue(std::int64_t{INT64_MAX}));
  EXPECT_EQ(telemetry(meter_value(Data::enumerated(7))), gateway::TelemetryValue(std::int64_t{7}));
  EXPECT_EQ(telemetry(meter_value(Data::bcd(0x25))), gateway::TelemetryValue(std::int64_t{0x25}));
  // Beyond int64: the nearest double.
  EXPECT_EQ(telemetry(meter_value(Data::long64_unsigned(UINT64_MAX))),
            gateway::TelemetryValue(18446744073709551615.0));
}

TEST(ToTelemetry, NegativeScalerIsAlwaysDouble) {
  EXPECT_EQ(telemetry(voltage(23015)), gateway::TelemetryValue(230.15));
  // Whole by chance, still a double: the key keeps one type.
  EXPECT_EQ(telemetry(voltage(23000)), gateway::TelemetryValue(230.0));
}

TEST(ToTelemetry, MultiplierDividerAndRound) {
  // 23015e-2 V * 1 / 1000 = 0.23015 kV, rounded to 3 places.
  EXPECT_EQ(telemetry(voltage(23015), point(1, 1000, 3)), gateway::TelemetryValue(0.23));
  EXPECT_EQ(telemetry(voltage(23015), point(2, 1)), gateway::TelemetryValue(460.3));
  EXPECT_EQ(telemetry(voltage(23015), point(1, 1, 1)), gateway::TelemetryValue(230.2));
  EXPECT_EQ(telemetry(voltage(23015), point(1, 1, 0)), gateway::TelemetryValue(230.0));
  // Rounding to tens.
  EXPECT_EQ(telemetry(voltage(23015), point(1, 1, -1)), gateway::TelemetryValue(230.0));
  EXPECT_EQ(telemetry(meter_value(Data::double_long(1234)), point(1, 1, -2)),
            gateway::TelemetryValue(1200.0));
  // A multiplier makes an integer a double.
  EXPECT_EQ(telemetry(meter_value(Data::double_long(1234)), point(0.5, 1)),
            gateway::TelemetryValue(617.0));
  // Whole-number rounding leaves integers integers.
  EXPECT_EQ(telemetry(meter_value(Data::double_long(1234)), point(1, 1, 2)),
            gateway::TelemetryValue(std::int64_t{1234}));
  // Huge precision: the value as is.
  EXPECT_EQ(telemetry(meter_value(Data::float64(1e300)), point(1, 1, 20)),
            gateway::TelemetryValue(1e300));
  EXPECT_EQ(telemetry(meter_value(Data::enumerated(7)), point(2, 1)),
            gateway::TelemetryValue(14.0));
}

TEST(ToTelemetry, FloatsTextBoolAndTime) {
  EXPECT_EQ(telemetry(meter_value(Data::float32(49.95f), cosem::ScalerUnit{0, cosem::Unit::hertz},
                                  3, kVoltage)),
            gateway::TelemetryValue(49.95));
  EXPECT_EQ(telemetry(meter_value(Data::boolean(false))), gateway::TelemetryValue(false));
  EXPECT_EQ(telemetry(meter_value(Data::visible_string("MS1"))),
            gateway::TelemetryValue(std::string("MS1")));
  EXPECT_EQ(telemetry(meter_value(Data::octet_string(bytes("4D5331")))),
            gateway::TelemetryValue(std::string("MS1")));
  EXPECT_EQ(telemetry(meter_value(Data::octet_string(bytes("0001")))),
            gateway::TelemetryValue(std::string("0001")));
  EXPECT_EQ(telemetry(meter_value(Data::octet_string(sample_time().encode()), {}, 8, kClock)),
            gateway::TelemetryValue(std::string("2026-11-24T14:27:34.50+01:00")));
  EXPECT_EQ(telemetry(meter_value(Data::date_time(sample_time()))),
            gateway::TelemetryValue(std::string("2026-11-24T14:27:34.50+01:00")));
  EXPECT_EQ(telemetry(meter_value(Data::date(sample_time().date))),
            gateway::TelemetryValue(std::string("2026-11-24")));
  EXPECT_EQ(telemetry(meter_value(Data::bit_string({{0x40}, 2}))),
            gateway::TelemetryValue(std::string("01")));
}

TEST(ToTelemetry, Errors) {
  const auto error = [](const client::MeterValue& value, const PointConfig& config = point()) {
    auto result = to_telemetry(value, config);
    EXPECT_FALSE(result);
    return result ? std::string() : result.error().message;
  };
  EXPECT_EQ(error(meter_value(Data::structure({Data::integer(1)}))),
            "key 'voltage_l1': a structure cannot be published as one value; configure one of "
            "its elements or read it with the get RPC");
  EXPECT_NE(error(meter_value(Data::array({}))).find("key 'voltage_l1': an array"),
            std::string::npos);
  EXPECT_NE(error(meter_value(Data::compact_array({}))).find("a compact-array"), std::string::npos);
  EXPECT_EQ(error(meter_value(Data::null())),
            "key 'voltage_l1': the meter sent null-data, not a value");
  EXPECT_NE(error(voltage(1), point(1, 0)).find("divider not 0"), std::string::npos);
  EXPECT_NE(error(meter_value(Data::float64(std::nan("")))).find("not a finite number (NaN)"),
            std::string::npos);
  EXPECT_NE(error(meter_value(Data::float64(1e308)), point(10, 1)).find("(Infinity)"),
            std::string::npos);
}

// ---- data_from_json -------------------------------------------------------------------------

Data from_json(const json& value, std::optional<DataType> type = {},
               const Data* current = nullptr) {
  auto result = data_from_json(value, type, current);
  EXPECT_TRUE(result) << value.dump() << ": " << result.error().message;
  return result ? *result : Data::dont_care();
}

std::string from_json_error(const json& value, std::optional<DataType> type = {},
                            const Data* current = nullptr) {
  auto result = data_from_json(value, type, current);
  EXPECT_FALSE(result) << value.dump();
  return result ? std::string() : result.error().message;
}

TEST(DataFromJson, InferredTypes) {
  EXPECT_EQ(from_json(nullptr), Data::null());
  EXPECT_EQ(from_json(true), Data::boolean(true));
  EXPECT_EQ(from_json(230), Data::double_long(230));
  EXPECT_EQ(from_json(-5), Data::double_long(-5));
  EXPECT_EQ(from_json(INT32_MAX), Data::double_long(INT32_MAX));
  EXPECT_EQ(from_json(INT32_MIN), Data::double_long(INT32_MIN));
  EXPECT_EQ(from_json(std::int64_t{INT32_MIN} - 1), Data::long64(std::int64_t{INT32_MIN} - 1));
  EXPECT_EQ(from_json(std::uint64_t{INT32_MAX} + 1),
            Data::double_long_unsigned(std::uint32_t{INT32_MAX} + 1));
  EXPECT_EQ(from_json(UINT32_MAX), Data::double_long_unsigned(UINT32_MAX));
  EXPECT_EQ(from_json(std::uint64_t{UINT32_MAX} + 1),
            Data::long64_unsigned(std::uint64_t{UINT32_MAX} + 1));
  EXPECT_EQ(from_json(1.5), Data::float64(1.5));
  EXPECT_EQ(from_json("MS123"), Data::visible_string("MS123"));
  EXPECT_EQ(from_json("Zähler"), Data::utf8_string("Zähler"));
  EXPECT_EQ(from_json("0x0A1b"), Data::octet_string(bytes("0A1B")));
  EXPECT_EQ(from_json(json::parse("[1, [true, \"x\"]]")),
            Data::array({Data::double_long(1),
                         Data::array({Data::boolean(true), Data::visible_string("x")})}));
  EXPECT_NE(from_json_error(json::parse(R"({"a":1})")).find("a JSON object has no A-XDR form"),
            std::string::npos);
}

TEST(DataFromJson, ExplicitTypes) {
  EXPECT_EQ(from_json(230, DataType::long_unsigned), Data::long_unsigned(230));
  EXPECT_EQ(from_json("230", DataType::long_unsigned), Data::long_unsigned(230));
  EXPECT_EQ(from_json(230.0, DataType::long_unsigned), Data::long_unsigned(230));
  EXPECT_EQ(from_json("-7", DataType::integer), Data::integer(-7));
  EXPECT_EQ(from_json(0, DataType::integer), Data::integer(0));
  EXPECT_EQ(from_json(1, DataType::boolean), Data::boolean(true));
  EXPECT_EQ(from_json(2, DataType::float32), Data::float32(2.0f));
  EXPECT_EQ(from_json("NaN", DataType::float64).type(), DataType::float64);
  EXPECT_EQ(from_json("Infinity", DataType::float32), Data::float32(INFINITY));
  EXPECT_EQ(from_json("-Infinity", DataType::float64), Data::float64(-INFINITY));
  EXPECT_EQ(from_json(nullptr, DataType::null_data), Data::null());
  EXPECT_EQ(from_json("0x", DataType::octet_string), Data::octet_string({}));
  EXPECT_EQ(from_json("MS1", DataType::octet_string), Data::octet_string(bytes("4D5331")));
  EXPECT_EQ(from_json("0A1B", DataType::octet_string), Data::octet_string(bytes("30413142")));
  EXPECT_EQ(from_json(json::parse("[1,255]"), DataType::octet_string),
            Data::octet_string(bytes("01FF")));
  EXPECT_EQ(from_json("2026-11-24T14:27:34.50+01:00", DataType::octet_string),
            Data::octet_string(sample_time().encode()));
  EXPECT_EQ(from_json(json::parse("[5, \"a\"]"), DataType::structure),
            Data::structure({Data::double_long(5), Data::visible_string("a")}));
  EXPECT_EQ(from_json("101", DataType::bit_string), Data::bit_string({{0xA0}, 3}));
  EXPECT_EQ(from_json("", DataType::bit_string), Data::bit_string({{}, 0}));
}

TEST(DataFromJson, IntegerRangesAtTheEdges) {
  struct Case {
    DataType type;
    json lowest, highest, below, above;
  };
  const Case cases[] = {
      {DataType::integer, -128, 127, -129, 128},
      {DataType::long_integer, -32768, 32767, -32769, 32768},
      {DataType::double_long, INT32_MIN, INT32_MAX, std::int64_t{INT32_MIN} - 1,
       std::int64_t{INT32_MAX} + 1},
      {DataType::long64, INT64_MIN, INT64_MAX, "-9223372036854775809",
       std::uint64_t{INT64_MAX} + 1},
      {DataType::unsigned_integer, 0, 255, -1, 256},
      {DataType::long_unsigned, 0, 65535, -1, 65536},
      {DataType::double_long_unsigned, 0, UINT32_MAX, -1, std::uint64_t{UINT32_MAX} + 1},
      {DataType::long64_unsigned, 0, UINT64_MAX, -1, "18446744073709551616"},
      {DataType::enumerated, 0, 255, -1, 256},
      {DataType::bcd, 0, 255, -1, 256},
  };
  for (const Case& c : cases) {
    const std::string name(axdr::to_string(c.type));
    EXPECT_EQ(from_json(c.lowest, c.type).type(), c.type) << name;
    EXPECT_EQ(from_json(c.highest, c.type).type(), c.type) << name;
    EXPECT_FALSE(data_from_json(c.below, c.type, nullptr)) << name;
    EXPECT_FALSE(data_from_json(c.above, c.type, nullptr)) << name;
  }
  EXPECT_EQ(from_json(INT64_MIN, DataType::long64), Data::long64(INT64_MIN));
  EXPECT_EQ(from_json(UINT64_MAX, DataType::long64_unsigned), Data::long64_unsigned(UINT64_MAX));
}

TEST(DataFromJson, RangeAndTypeErrors) {
  EXPECT_EQ(from_json_error(300, DataType::unsigned_integer), "300 does not fit unsigned (0..255)");
  EXPECT_EQ(from_json_error(-1, DataType::long_unsigned),
            "-1 does not fit long-unsigned (0..65535)");
  EXPECT_EQ(from_json_error(-129, DataType::integer), "-129 does not fit integer (-128..127)");
  EXPECT_EQ(from_json_error(70000, DataType::long_integer),
            "70000 does not fit long (-32768..32767)");
  EXPECT_EQ(data_from_json(300, DataType::enumerated, nullptr).error().code,
            ErrorCode::out_of_range);
  EXPECT_EQ(from_json_error(1.5, DataType::long_unsigned),
            "long-unsigned takes an integer, got 1.5");
  EXPECT_EQ(from_json_error("abc", DataType::double_long),
            "double-long takes an integer, got \"abc\"");
  EXPECT_EQ(from_json_error(true, DataType::double_long), "double-long takes an integer, got true");
  EXPECT_EQ(from_json_error(2, DataType::boolean), "boolean takes true or false, got 2");
  EXPECT_EQ(from_json_error(1, DataType::null_data), "null-data takes null, got 1");
  EXPECT_EQ(from_json_error("x", DataType::float64), "float64 takes a number, got \"x\"");
  EXPECT_EQ(from_json_error(1e39, DataType::float32),
            "1e+39 does not fit float32 (+-3.4028235e38)");
  EXPECT_EQ(from_json_error(5, DataType::octet_string), "octet-string takes a string, got 5");
  EXPECT_NE(from_json_error("0xZZ", DataType::octet_string).find("octet-string \"0xZZ\""),
            std::string::npos);
  EXPECT_NE(from_json_error(json::parse("[1,256]"), DataType::octet_string)
                .find("octet-string byte: 256 does not fit unsigned"),
            std::string::npos);
  EXPECT_EQ(from_json_error("Zähler", DataType::visible_string),
            "visible-string takes ASCII text (use utf8-string for other text), got \"Zähler\"");
  EXPECT_EQ(from_json_error(1, DataType::visible_string), "visible-string takes a string, got 1");
  EXPECT_EQ(from_json_error(1, DataType::utf8_string), "utf8-string takes a string, got 1");
  EXPECT_EQ(from_json_error("102", DataType::bit_string),
            "bit-string takes a string of 0 and 1, got \"102\"");
  EXPECT_EQ(from_json_error(1, DataType::bit_string),
            "bit-string takes a string of 0 and 1, got 1");
  EXPECT_NE(
      from_json_error("2026-02-30T10:00:00", DataType::date_time).find("date-time takes an ISO"),
      std::string::npos);
  EXPECT_NE(from_json_error(1, DataType::date_time).find("date-time takes"), std::string::npos);
  EXPECT_NE(from_json_error("2026-13-01", DataType::date).find("date takes a date"),
            std::string::npos);
  EXPECT_NE(from_json_error("25:00:00", DataType::time).find("time takes a time"),
            std::string::npos);
  EXPECT_NE(from_json_error(1, DataType::time).find("time takes a time"), std::string::npos);
  EXPECT_EQ(from_json_error(1, DataType::array), "array takes a JSON array, got 1");
  EXPECT_EQ(from_json_error(json::parse("[1, 300]"), DataType::array,
                            std::make_unique<Data>(Data::array({Data::unsigned_integer(1)})).get()),
            "array element 1: 300 does not fit unsigned (0..255)");
  EXPECT_EQ(from_json_error(1, DataType::compact_array),
            "cannot build a compact-array value from JSON");
  EXPECT_EQ(data_from_json(1, DataType::dont_care, nullptr).error().code, ErrorCode::unsupported);
}

TEST(DataFromJson, DeepNestingIsBounded) {
  json deep = 1;
  for (int i = 0; i < 100; ++i) deep = json::array({deep});
  EXPECT_NE(from_json_error(deep).find("nested deeper than 32 levels"), std::string::npos);
  EXPECT_NE(from_json_error(deep, DataType::array).find("nested deeper"), std::string::npos);
}

TEST(DataFromJson, IsoDateTimeForms) {
  const auto parsed = [](const char* text) {
    auto data = data_from_json(text, DataType::date_time, nullptr);
    EXPECT_TRUE(data) << text << ": " << data.error().message;
    return data ? data->as_date_time()->to_iso8601() : std::string();
  };
  EXPECT_EQ(parsed("2026-11-24T14:27:34+01:00"), "2026-11-24T14:27:34+01:00");
  EXPECT_EQ(parsed("2026-11-24T14:27:34+0100"), "2026-11-24T14:27:34+01:00");
  EXPECT_EQ(parsed("2026-11-24T14:27:34+01"), "2026-11-24T14:27:34+01:00");
  EXPECT_EQ(parsed("2026-11-24T14:27:34-05:30"), "2026-11-24T14:27:34-05:30");
  EXPECT_EQ(parsed("2026-11-24 14:27:34Z"), "2026-11-24T14:27:34Z");
  EXPECT_EQ(parsed("2026-11-24T14:27"), "2026-11-24T14:27:00");
  EXPECT_EQ(parsed("2026-11-24T14:27:34.5"), "2026-11-24T14:27:34.50");
  EXPECT_EQ(parsed("2026-11-24T14:27:34.123456Z"), "2026-11-24T14:27:34.12Z");
  EXPECT_EQ(parsed("2024-02-29T00:00:00"), "2024-02-29T00:00:00");
  // No offset: the deviation is "not specified", the day of week is filled in (a Tuesday).
  const Data local = from_json("2026-11-24T14:27:34", DataType::date_time);
  EXPECT_EQ(local.as_date_time()->deviation, cosem::kDeviationNotSpecified);
  EXPECT_EQ(local.as_date_time()->date.day_of_week, 2);
  EXPECT_EQ(local.as_date_time()->clock_status, 0);
  for (const char* bad : {"2026-11-24", "2026-11-24T", "2026-11-24T14", "2026-11-24T14:27:60",
                          "2026-11-24T14:27:34+15:00", "2026-11-24T14:27:34+01:",
                          "2025-02-29T00:00", "2026-00-10T00:00", "2026-11-24T14:27:34.",
                          "2026-11-24T14:27:34 junk", "26-11-24T14:27:34"}) {
    EXPECT_FALSE(data_from_json(bad, DataType::date_time, nullptr)) << bad;
  }
}

TEST(DataFromJson, TypeOfTheCurrentValue) {
  const Data current_u8 = Data::unsigned_integer(4);
  EXPECT_EQ(from_json(5, {}, &current_u8), Data::unsigned_integer(5));
  EXPECT_EQ(from_json_error(256, {}, &current_u8), "256 does not fit unsigned (0..255)");
  // An explicit type wins over the current one.
  EXPECT_EQ(from_json(256, DataType::long_unsigned, &current_u8), Data::long_unsigned(256));
  // A structure's elements take their types pairwise.
  const Data current_struct =
      Data::structure({Data::long_unsigned(1), Data::enumerated(2), Data::octet_string({})});
  EXPECT_EQ(from_json(json::parse(R"([10, 3, "0x01"])"), {}, &current_struct),
            Data::structure(
                {Data::long_unsigned(10), Data::enumerated(3), Data::octet_string(bytes("01"))}));
  // Another size: inferred.
  EXPECT_EQ(from_json(json::parse("[10]"), {}, &current_struct),
            Data::structure({Data::double_long(10)}));
  // An array's elements take the type of the current first element.
  const Data current_array = Data::array({Data::long_unsigned(1)});
  EXPECT_EQ(from_json(json::parse("[7, 8]"), {}, &current_array),
            Data::array({Data::long_unsigned(7), Data::long_unsigned(8)}));
  const Data empty_array = Data::array({});
  EXPECT_EQ(from_json(json::parse("[7]"), {}, &empty_array), Data::array({Data::double_long(7)}));
  // A null current value says nothing about the type.
  const Data current_null = Data::null();
  EXPECT_EQ(from_json(7, {}, &current_null), Data::double_long(7));
  // A current value of another type than the explicit one is no shape.
  EXPECT_EQ(from_json(json::parse("[7]"), DataType::array, &current_struct),
            Data::array({Data::double_long(7)}));
  // Structure elements with a null counterpart are inferred.
  const Data mixed = Data::structure({Data::null(), Data::unsigned_integer(1)});
  EXPECT_EQ(from_json(json::parse("[true, 2]"), {}, &mixed),
            Data::structure({Data::boolean(true), Data::unsigned_integer(2)}));
}

TEST(DataFromJson, OctetStringsFollowTheCurrentValue) {
  // The meter holds binary bytes: plain hex is read as hex (as to_rpc_json showed it).
  const Data binary = Data::octet_string(bytes("0001FF"));
  EXPECT_EQ(from_json("0A0B0C", {}, &binary), Data::octet_string(bytes("0A0B0C")));
  EXPECT_EQ(from_json("0A 0B", {}, &binary), Data::octet_string(bytes("0A0B")));
  EXPECT_EQ(from_json("hello", {}, &binary), Data::octet_string(bytes("68656C6C6F")));
  // The meter holds text: digits are text.
  const Data text = Data::octet_string(bytes("3132"));
  EXPECT_EQ(from_json("1234", {}, &text), Data::octet_string(bytes("31323334")));
  // The clock holds a 12-byte date-time: ISO text is encoded as one.
  const Data clock = Data::octet_string(sample_time().encode());
  EXPECT_EQ(from_json("2026-11-24T14:27:34.50+01:00", {}, &clock),
            Data::octet_string(sample_time().encode()));
  // A 5-byte octet string is not a date-time: the ISO text stays text.
  const Data five = Data::octet_string(bytes("3132333435"));
  EXPECT_EQ(from_json("2026-11-24T14:27:34Z", {}, &five).as_bytes()->size(), 20U);
}

// Every type: read value -> to_rpc_json -> data_from_json(type name, current) gives it back.
TEST(DataJsonRoundTrip, EveryType) {
  const Data values[] = {
      Data::null(),
      Data::boolean(true),
      Data::boolean(false),
      Data::integer(-128),
      Data::long_integer(-32768),
      Data::double_long(INT32_MIN),
      Data::long64(INT64_MIN),
      Data::unsigned_integer(255),
      Data::long_unsigned(65535),
      Data::double_long_unsigned(UINT32_MAX),
      Data::long64_unsigned(UINT64_MAX),
      Data::enumerated(3),
      Data::bcd(0x99),
      Data::float32(0.1f),
      Data::float32(-3.4e38f),
      Data::float64(230.15),
      Data::float64(-0.0),
      Data::float64(INFINITY),
      Data::octet_string(bytes("4D5331323334")),
      Data::octet_string(bytes("00FF10")),
      Data::octet_string({}),
      Data::octet_string(sample_time().encode()),
      Data::visible_string("MS123456"),
      Data::visible_string(""),
      Data::utf8_string("Zähler"),
      Data::bit_string({{0xA5, 0x80}, 9}),
      Data::date_time(sample_time()),
      Data::date_time(cosem::DateTime::from_unix_ms(1'700'000'000'000, -300)),
      Data::date(sample_time().date),
      Data::time(cosem::Time{23, 59, 59, 0}),
      Data::time(cosem::Time{0, 0, 0, 5}),
      Data::array({Data::long_unsigned(1), Data::long_unsigned(2)}),
      Data::structure({Data::octet_string(sample_time().encode()), Data::double_long_unsigned(7),
                       Data::structure({Data::integer(-2), Data::enumerated(30)})}),
  };
  for (const Data& data : values) {
    const json reply = to_rpc_json(meter_value(data));
    const auto type = parse_data_type_name(reply["type"].get<std::string>());
    ASSERT_TRUE(type) << reply.dump();
    auto back = data_from_json(reply["value"], type, &data);
    ASSERT_TRUE(back) << reply.dump() << ": " << back.error().message;
    EXPECT_EQ(*back, data) << reply.dump();
    // With the current value alone (no type name) as well.
    if (!data.is_null()) {
      auto by_current = data_from_json(reply["value"], std::nullopt, &data);
      ASSERT_TRUE(by_current) << reply.dump();
      EXPECT_EQ(*by_current, data) << reply.dump();
    }
  }
}

}  // namespace
}  // namespace dlmsgw::connectors::dlms
