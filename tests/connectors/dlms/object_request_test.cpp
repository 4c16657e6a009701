// parse_object_request: both params forms of the reserved get/set/action RPCs, defaults, and an
// error for every wrong param.

#include "connectors/dlms/object_request.hpp"

#include <gtest/gtest.h>

namespace dlmsgw::connectors::dlms {
namespace {

using nlohmann::json;

ObjectRequest parse_ok(RpcKind kind, const json& params) {
  auto request = parse_object_request(kind, params);
  EXPECT_TRUE(request) << params.dump() << ": " << request.error().message;
  return request ? *request : ObjectRequest{};
}

std::string parse_error(RpcKind kind, const json& params) {
  auto request = parse_object_request(kind, params);
  EXPECT_FALSE(request) << params.dump();
  if (request) return {};
  EXPECT_EQ(request.error().code, ErrorCode::invalid_argument);
  // Every error shows the expected form.
  EXPECT_NE(request.error().message.find("expected e.g. \"obis="), std::string::npos)
      << request.error().message;
  return request.error().message;
}

TEST(ObjectRequest, StringFormWithEverything) {
  const auto request =
      parse_ok(RpcKind::set, "obis=1-1:32.7.0;classId=3;attribute=2;value=230;type=long-unsigned;");
  EXPECT_EQ(request.kind, RpcKind::set);
  EXPECT_EQ(request.class_id, 3);
  EXPECT_EQ(request.obis, ObisCode(1, 1, 32, 7, 0));
  EXPECT_EQ(request.id, 2);
  EXPECT_EQ(request.value, json(230));
  EXPECT_EQ(request.type, axdr::DataType::long_unsigned);
}

TEST(ObjectRequest, StringFormKeysCaseInsensitiveSpacesTrimmedNoTrailingSemicolon) {
  const auto request = parse_ok(RpcKind::get, "  OBIS = 1-1:32.7.0 ; CLASSID= 3 ;Attribute =3");
  EXPECT_EQ(request.obis, ObisCode(1, 1, 32, 7, 0));
  EXPECT_EQ(request.class_id, 3);
  EXPECT_EQ(request.id, 3);
  EXPECT_FALSE(request.value);
  EXPECT_FALSE(request.type);
}

TEST(ObjectRequest, StringFormValueIsJsonWhenValidElseText) {
  EXPECT_EQ(parse_ok(RpcKind::set, "obis=0-0:96.1.0;value=true").value, json(true));
  EXPECT_EQ(parse_ok(RpcKind::set, "obis=0-0:96.1.0;value=-5").value, json(-5));
  EXPECT_EQ(parse_ok(RpcKind::set, "obis=0-0:96.1.0;value=1.5").value, json(1.5));
  EXPECT_EQ(parse_ok(RpcKind::set, "obis=0-0:96.1.0;value=[1, 2]").value, json({1, 2}));
  EXPECT_EQ(parse_ok(RpcKind::set, "obis=0-0:96.1.0;value=null").value, json(nullptr));
  EXPECT_EQ(parse_ok(RpcKind::set, R"(obis=0-0:96.1.0;value="42")").value, json("42"));
  EXPECT_EQ(parse_ok(RpcKind::set, "obis=0-0:96.1.0;value=MS123456").value, json("MS123456"));
  EXPECT_EQ(parse_ok(RpcKind::set, "obis=0-0:96.1.0;value=0x0A1B").value, json("0x0A1B"));
  EXPECT_EQ(parse_ok(RpcKind::set, "obis=0-0:1.0.0;value=2026-05-01T10:00:00+02:00").value,
            json("2026-05-01T10:00:00+02:00"));
  EXPECT_EQ(parse_ok(RpcKind::set, "obis=0-0:96.1.0;value=").value, json(""));
}

TEST(ObjectRequest, JsonObjectForm) {
  const auto request = parse_ok(RpcKind::action, json::parse(R"({"obis":"0-0:96.3.10",
      "classId":70,"method":2,"value":0,"type":"integer"})"));
  EXPECT_EQ(request.kind, RpcKind::action);
  EXPECT_EQ(request.class_id, 70);
  EXPECT_EQ(request.obis, ObisCode(0, 0, 96, 3, 10));
  EXPECT_EQ(request.id, 2);
  EXPECT_EQ(request.value, json(0));
  EXPECT_EQ(request.type, axdr::DataType::integer);
}

TEST(ObjectRequest, JsonObjectFormAliasesAndStringNumbers) {
  const auto request = parse_ok(RpcKind::set, json::parse(R"({"OBIS":"1.0.1.8.0.255",
      "class_id":"3","attribute_id":"2","Value":{"nested":true},"TYPE":"structure"})"));
  EXPECT_EQ(request.obis, ObisCode(1, 0, 1, 8, 0));
  EXPECT_EQ(request.class_id, 3);
  EXPECT_EQ(request.id, 2);
  EXPECT_EQ(request.value, json::parse(R"({"nested":true})"));
  EXPECT_EQ(request.type, axdr::DataType::structure);
}

TEST(ObjectRequest, JsonObjectSentAsAString) {
  const auto request = parse_ok(RpcKind::get, R"( {"obis":"0-0:1.0.0","attribute":3} )");
  EXPECT_EQ(request.obis, ObisCode(0, 0, 1, 0, 0));
  EXPECT_EQ(request.id, 3);
  EXPECT_EQ(request.class_id, 8);
}

TEST(ObjectRequest, Defaults) {
  // Class by the OBIS code's usual class, attribute 2, method 1.
  EXPECT_EQ(parse_ok(RpcKind::get, "obis=1-1:32.7.0").class_id, 3);  // register
  EXPECT_EQ(parse_ok(RpcKind::get, "obis=0-0:1.0.0").class_id, 8);   // clock
  EXPECT_EQ(parse_ok(RpcKind::get, "obis=0-0:96.1.0").class_id, 1);  // data
  EXPECT_EQ(parse_ok(RpcKind::get, "obis=1-1:32.7.0").id, 2);
  EXPECT_EQ(parse_ok(RpcKind::set, json{{"obis", "0-0:96.1.0"}, {"value", 1}}).id, 2);
  const auto action = parse_ok(RpcKind::action, "obis=0-0:96.3.10;classId=70");
  EXPECT_EQ(action.id, 1);
  EXPECT_FALSE(action.value);  // an action may take no argument
  EXPECT_FALSE(action.type);
}

TEST(ObjectRequest, ManufacturerSpecificNegativeIds) {
  EXPECT_EQ(parse_ok(RpcKind::get, "obis=0-0:96.1.0;attribute=-1").id, -1);
  EXPECT_EQ(parse_ok(RpcKind::get, "obis=0-0:96.1.0;attribute=-128").id, -128);
  EXPECT_EQ(parse_ok(RpcKind::get, "obis=0-0:96.1.0;attribute=127").id, 127);
}

TEST(ObjectRequest, TypeNames) {
  EXPECT_EQ(parse_data_type_name("long-unsigned"), axdr::DataType::long_unsigned);
  EXPECT_EQ(parse_data_type_name("LONG_UNSIGNED"), axdr::DataType::long_unsigned);
  EXPECT_EQ(parse_data_type_name(" octet-string "), axdr::DataType::octet_string);
  EXPECT_EQ(parse_data_type_name("enum"), axdr::DataType::enumerated);
  EXPECT_EQ(parse_data_type_name("enumerated"), axdr::DataType::enumerated);
  EXPECT_EQ(parse_data_type_name("long"), axdr::DataType::long_integer);
  EXPECT_EQ(parse_data_type_name("long-integer"), axdr::DataType::long_integer);
  EXPECT_EQ(parse_data_type_name("unsigned"), axdr::DataType::unsigned_integer);
  EXPECT_EQ(parse_data_type_name("unsigned_integer"), axdr::DataType::unsigned_integer);
  EXPECT_EQ(parse_data_type_name("null"), axdr::DataType::null_data);
  EXPECT_EQ(parse_data_type_name("date-time"), axdr::DataType::date_time);
  EXPECT_FALSE(parse_data_type_name("uint16"));
  EXPECT_FALSE(parse_data_type_name(""));
  // Every name the project prints parses back.
  for (int tag = 0; tag <= 255; ++tag) {
    if (auto type = axdr::data_type_from_tag(static_cast<std::uint8_t>(tag))) {
      EXPECT_EQ(parse_data_type_name(axdr::to_string(*type)), type) << tag;
    }
  }
}

TEST(ObjectRequest, ParamErrors) {
  EXPECT_NE(parse_error(RpcKind::get, json()).find("get params: missing"), std::string::npos);
  EXPECT_NE(parse_error(RpcKind::get, json(5)).find("must be a string or an object, got 5"),
            std::string::npos);
  EXPECT_NE(parse_error(RpcKind::get, json::array()).find("must be a string or an object"),
            std::string::npos);
  EXPECT_NE(parse_error(RpcKind::get, "").find("obis is missing"), std::string::npos);
  EXPECT_NE(parse_error(RpcKind::get, "classId=3").find("obis is missing"), std::string::npos);
  EXPECT_NE(parse_error(RpcKind::get, "obis=1-1:32.7").find("obis: "), std::string::npos);
  EXPECT_NE(parse_error(RpcKind::get, json{{"obis", 5}}).find("obis: 5 is not a string"),
            std::string::npos);
  EXPECT_NE(parse_error(RpcKind::get, "obis=1-1:32.7.0;classId=abc")
                .find(R"(classId: "abc" is not an integer)"),
            std::string::npos);
  EXPECT_NE(parse_error(RpcKind::get, "obis=1-1:32.7.0;classId=70000")
                .find("classId: 70000 is out of range (0..65535)"),
            std::string::npos);
  EXPECT_NE(parse_error(RpcKind::get, json{{"obis", "1-1:32.7.0"}, {"classId", -1}})
                .find("classId: -1 is out of range"),
            std::string::npos);
  EXPECT_NE(parse_error(RpcKind::get, json{{"obis", "1-1:32.7.0"}, {"classId", 1.5}})
                .find("classId: 1.5 is not an integer"),
            std::string::npos);
  EXPECT_NE(parse_error(RpcKind::get, json{{"obis", "1-1:32.7.0"}, {"classId", UINT64_MAX}})
                .find("is out of range"),
            std::string::npos);
  EXPECT_NE(parse_error(RpcKind::get, "obis=1-1:32.7.0;attribute=0")
                .find("attribute: 0 is out of range (1..127"),
            std::string::npos);
  EXPECT_NE(parse_error(RpcKind::get, "obis=1-1:32.7.0;attribute=128")
                .find("attribute: 128 is out of range"),
            std::string::npos);
  EXPECT_NE(parse_error(RpcKind::action, "obis=0-0:96.3.10;method=-129")
                .find("method: -129 is out of range"),
            std::string::npos);
  EXPECT_NE(parse_error(RpcKind::get, "obis=1-1:32.7.0;method=1")
                .find("a get takes attribute=, not method="),
            std::string::npos);
  EXPECT_NE(parse_error(RpcKind::set, "obis=1-1:32.7.0;method=1;value=1")
                .find("a set takes attribute=, not method="),
            std::string::npos);
  EXPECT_NE(parse_error(RpcKind::action, "obis=0-0:96.3.10;attribute=1")
                .find("an action takes method=, not attribute="),
            std::string::npos);
  EXPECT_NE(parse_error(RpcKind::get, "obis=1-1:32.7.0;value=1").find("a get takes no value"),
            std::string::npos);
  EXPECT_NE(parse_error(RpcKind::get, "obis=1-1:32.7.0;type=integer").find("a get takes no type"),
            std::string::npos);
  EXPECT_NE(parse_error(RpcKind::set, "obis=1-1:32.7.0").find("value is missing"),
            std::string::npos);
  EXPECT_NE(parse_error(RpcKind::set, "obis=1-1:32.7.0;value=1;type=uint16")
                .find("type: 'uint16' is not an A-XDR type name (null-data, array,"),
            std::string::npos);
  EXPECT_NE(parse_error(RpcKind::set, json{{"obis", "1-1:32.7.0"}, {"value", 1}, {"type", 18}})
                .find("type: 18 is not a string"),
            std::string::npos);
  EXPECT_NE(parse_error(RpcKind::get, "obis=1-1:32.7.0;foo=1")
                .find("unknown param 'foo' (known: obis, classId, attribute, method, value, type)"),
            std::string::npos);
  EXPECT_NE(parse_error(RpcKind::get, "obis=1-1:32.7.0;classId=3;classid=4")
                .find("classId is given twice"),
            std::string::npos);
  EXPECT_NE(parse_error(RpcKind::get, json{{"obis", "1-1:32.7.0"}, {"OBIS", "1-1:32.7.0"}})
                .find("obis is given twice"),
            std::string::npos);
  EXPECT_NE(
      parse_error(RpcKind::get, "obis=1-1:32.7.0;attribute").find("'attribute' is not key=value"),
      std::string::npos);
  EXPECT_NE(parse_error(RpcKind::get, "{\"obis\": ").find("params look like JSON but do not parse"),
            std::string::npos);
}

TEST(ObjectRequest, ErrorsShowTheFormOfTheirKind) {
  EXPECT_NE(parse_error(RpcKind::set, "obis=1-1:32.7.0").find("value=230;type=long-unsigned"),
            std::string::npos);
  EXPECT_NE(parse_error(RpcKind::action, "").find("classId=70;method=1"), std::string::npos);
  EXPECT_NE(parse_error(RpcKind::get, "").find("classId=3;attribute=2\""), std::string::npos);
}

}  // namespace
}  // namespace dlmsgw::connectors::dlms
