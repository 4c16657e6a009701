// The payload shapes the uplink sends, checked without building a document.

#include "gateway/uplink/payload_shape.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

namespace dlmsgw::gateway {
namespace {

TEST(PayloadShape, AnObjectIsAnyJsonObjectAndNothingElse) {
  EXPECT_TRUE(is_json_object(R"({"v":1,"s":"x","n":null,"a":[1,{"b":2}],"o":{"p":1.5}})"));
  EXPECT_TRUE(is_json_object(" \n{}"));
  EXPECT_TRUE(is_json_object("{\"Z\xc3\xa4hler\":\"W\xc3\xa4rme\"}"));  // UTF-8
  // Beyond 64 bits: refused (the gateway writes integers as int64, doubles with a point).
  EXPECT_FALSE(is_json_object(R"({"v":123456789012345678901234567890})"));
  for (const std::string& bad : std::initializer_list<std::string>{
           "", "[]", "1", "\"x\"", "null", "{", "{\"v\":1}x", "{\"v\":}", "{\"v\":1,}",
           std::string(200, 'x'), "{\"v\":\"\xff\"}", "{\"v\":\"\xc3\x28\"}"}) {
    EXPECT_FALSE(is_json_object(bad)) << bad;
  }
}

TEST(PayloadShape, ASeriesIsANonEmptyArrayOfTsAndValuesEntries) {
  EXPECT_TRUE(is_telemetry_series(R"([{"ts":10,"values":{"a":1}}])"));
  EXPECT_TRUE(is_telemetry_series(
      R"([{"values":{"a":[1,{"b":null}],"s":"x","f":1.5,"t":true}, "ts":-3},{"ts":12,"values":{}}])"));
  EXPECT_TRUE(is_telemetry_series(R"([{"ts":18446744073709551615,"values":{"a":1}}])"));
  for (const std::string bad : {
           "",
           "[]",
           "{}",
           R"({"ts":1,"values":{}})",  // not an array, or empty
           R"([{"ts":1}])",
           R"([{"values":{}}])",                // a key missing
           R"([{"ts":1,"values":{},"x":2}])",   // a key too many
           R"([{"ts":1,"ts":2,"values":{}}])",  // a key twice
           R"([{"ts":1,"values":{},"values":{}}])",
           R"([{"ts":1.5,"values":{}}])",
           R"([{"ts":"1","values":{}}])",  // ts not an integer
           R"([{"ts":null,"values":{}}])",
           R"([{"ts":{},"values":{}}])",
           R"([{"ts":[],"values":{}}])",
           R"([{"ts":1,"values":1}])",
           R"([{"ts":1,"values":[]}])",  // values not an object
           R"([{"ts":1,"values":"x"}])",
           R"([{"ts":1,"values":null}])",
           R"([1])",
           R"(["x"])",
           R"([[]])",
           R"([null])",  // an entry not an object
           R"([{"ts":1,"values":{}},2])",
           R"([{"ts":1,"values":{}})",
           R"([{"ts":1,"values":{}}]x)",  // not JSON
       }) {
    EXPECT_FALSE(is_telemetry_series(bad)) << bad;
  }
}

}  // namespace
}  // namespace dlmsgw::gateway
