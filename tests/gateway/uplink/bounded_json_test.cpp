#include "gateway/uplink/bounded_json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace dlmsgw::gateway {
namespace {

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

TEST(BoundedJson, ParsesOrdinaryDocuments) {
  auto document = parse_bounded_json(R"({"a":[1,{"b":"x"}],"c":null})");
  ASSERT_TRUE(document) << document.error().message;
  EXPECT_EQ((*document)["a"][1]["b"], "x");
}

TEST(BoundedJson, DepthIsCountedOutsideStringsOnly) {
  EXPECT_TRUE(nesting_within(nested_arrays(32), 32));
  EXPECT_FALSE(nesting_within(nested_arrays(33), 32));
  // Brackets in strings, escaped quotes included, are text.
  EXPECT_TRUE(nesting_within(R"({"k":"[[[[\"[[[[{{{{"})", 1));
  EXPECT_FALSE(nesting_within(R"({"k":"\\",  "l":[[1]]})", 2));
}

TEST(BoundedJson, HundredThousandNestedArraysAreRefusedBeforeParsing) {
  auto document = parse_bounded_json(nested_arrays(100000));
  ASSERT_FALSE(document);
  EXPECT_EQ(document.error().code, ErrorCode::too_deep);
  EXPECT_NE(document.error().message.find("32 levels"), std::string::npos)
      << document.error().message;
}

TEST(BoundedJson, OversizedPayloadIsRefusedWithTheLimit) {
  const std::string big = "\"" + std::string(2 * 1024 * 1024, 'x') + "\"";
  auto document = parse_bounded_json(big);
  ASSERT_FALSE(document);
  EXPECT_EQ(document.error().code, ErrorCode::out_of_range);
  EXPECT_NE(document.error().message.find("1048576-byte limit"), std::string::npos);
  EXPECT_EQ(document.error().message.find("xxxx"), std::string::npos) << "payload echoed";
  EXPECT_TRUE(parse_bounded_json(big, JsonBounds{.max_bytes = big.size()}));
}

TEST(BoundedJson, InvalidUtf8AndGarbageAreMalformed) {
  for (const std::string& text : {std::string("{\"k\":\"\xff\xfe\"}"), std::string("{\"k\":"),
                                  std::string("\xc3"), std::string()}) {
    auto document = parse_bounded_json(text);
    ASSERT_FALSE(document) << text;
    EXPECT_EQ(document.error().code, ErrorCode::malformed);
  }
}

}  // namespace
}  // namespace dlmsgw::gateway
