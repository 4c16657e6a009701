// HttpRequest::query and query_parameter, as POST /trace?meter=NAME&enabled=1 uses them.

#include <gtest/gtest.h>

#include "observability/http_request.hpp"

namespace dlmsgw::observability {
namespace {

HttpRequest parsed(const std::string& target) {
  auto request = parse_request_head("POST " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(request) << request.error().message;
  return request ? *request : HttpRequest{};
}

TEST(QueryParameter, SplitsPathAndQueryAndDecodes) {
  const auto request = parsed("/trace?meter=Meter+A&enabled=1&x=%4b%c3%a9&flag");
  EXPECT_EQ(request.path, "/trace");
  EXPECT_EQ(request.query, "meter=Meter+A&enabled=1&x=%4b%c3%a9&flag");
  EXPECT_EQ(request.query_parameter("meter"), "Meter A");
  EXPECT_EQ(request.query_parameter("enabled"), "1");
  EXPECT_EQ(request.query_parameter("x"), "K\xc3\xa9");
  EXPECT_EQ(request.query_parameter("flag"), "");
  EXPECT_EQ(request.query_parameter("missing"), std::nullopt);
}

TEST(QueryParameter, FirstOccurrenceWinsAndBadEncodingIsAbsent) {
  const auto request = parsed("/t?a=1&a=2&b=%zz&c=%4&d=%");
  EXPECT_EQ(request.query_parameter("a"), "1");
  EXPECT_EQ(request.query_parameter("b"), std::nullopt);
  EXPECT_EQ(request.query_parameter("c"), std::nullopt);
  EXPECT_EQ(request.query_parameter("d"), std::nullopt);
  EXPECT_EQ(parsed("/t").query, "");
  EXPECT_EQ(parsed("/t?").query_parameter("a"), std::nullopt);
}

}  // namespace
}  // namespace dlmsgw::observability
