// The request-head parser on literal requests as curl and Prometheus send them, and malformed ones.
#include "observability/http_request.hpp"

#include <gtest/gtest.h>

namespace dlmsgw::observability {
namespace {

TEST(HttpRequest, ParsesAPrometheusScrape) {
  const std::string_view head =
      "GET /metrics?x=1 HTTP/1.1\r\n"
      "Host: 127.0.0.1:9464\r\n"
      "User-Agent: Prometheus/2.45.0\r\n"
      "Accept: text/plain;version=0.0.4;q=0.2,*/*;q=0.1\r\n"
      "X-Prometheus-Scrape-Timeout-Seconds:   10  \r\n"
      "\r\n";
  auto request = parse_request_head(head);
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->method, "GET");
  EXPECT_EQ(request->path, "/metrics");
  EXPECT_EQ(request->version, "HTTP/1.1");
  ASSERT_EQ(request->headers.size(), 4u);
  EXPECT_EQ(request->header("host"), "127.0.0.1:9464");
  EXPECT_EQ(request->header("x-prometheus-scrape-timeout-seconds"), "10");
  EXPECT_FALSE(request->header("Content-Length"));
}

TEST(HttpRequest, ParsesHttp10WithoutHeaders) {
  auto request = parse_request_head("HEAD /health HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->method, "HEAD");
  EXPECT_EQ(request->path, "/health");
  EXPECT_TRUE(request->headers.empty());
}

TEST(HttpRequest, RejectsMalformedHeads) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"\r\n\r\n", "request line is not 'METHOD target HTTP/1.x'"},
      {"GET /metrics\r\n\r\n", "request line is not 'METHOD target HTTP/1.x'"},
      {"GET /metrics HTTP/1.1", "request head does not end with a blank line"},
      {"G(T /metrics HTTP/1.1\r\n\r\n", "invalid method"},
      {"GET metrics HTTP/1.1\r\n\r\n", "request target must be a path starting with '/'"},
      {"GET http://x/metrics HTTP/1.1\r\n\r\n", "request target must be a path starting with '/'"},
      {"GET /a b HTTP/1.1\r\n\r\n", "request target must be a path starting with '/'"},
      {"GET /metrics HTTP/2.0\r\n\r\n", "unsupported HTTP version"},
      {"GET /metrics HTTP/1.1\r\nHost\r\n\r\n", "header line without ':'"},
      {"GET /metrics HTTP/1.1\r\nHo st: x\r\n\r\n", "invalid header name"},
      {"GET /metrics HTTP/1.1\r\n: x\r\n\r\n", "invalid header name"},
      {"GET /metrics HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", "obsolete header line folding"},
      {"GET /metrics HTTP/1.1\r\nHost: a\x01z\r\n\r\n", "control character in header 'Host'"},
      {"GET /metrics HTTP/1.1\nHost: x\r\n\r\n", "bare CR or LF in head"},
      {"GET /metrics HTTP/1.1\r\n\r\n\r\n", "empty header line"},
  };
  for (const auto& [head, message] : cases) {
    auto request = parse_request_head(head);
    ASSERT_FALSE(request) << head;
    EXPECT_EQ(request.error().message, message) << head;
    EXPECT_EQ(request.error().code, ErrorCode::malformed);
  }
}

TEST(HttpRequest, FindsTheEndOfTheHeadAcrossChunks) {
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\n\r\nbody"), 18u);
  EXPECT_FALSE(find_head_end("GET / HTTP/1.1\r\n"));
  // The terminator straddles the previous chunk boundary (at 16): still found.
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\n\r\n", 16), 18u);
  EXPECT_EQ(find_head_end("\r\n\r\n", 2), 4u);
}

}  // namespace
}  // namespace dlmsgw::observability
