// What the endpoint answers, without sockets: status, headers and exact bodies.
#include "observability/request_router.hpp"

#include <gtest/gtest.h>

#include "support/http_chunked.hpp"

namespace dlmsgw::observability {
namespace {

HttpRequest get(std::string path, std::string method = "GET") {
  HttpRequest request;
  request.method = std::move(method);
  request.path = std::move(path);
  request.version = "HTTP/1.1";
  return request;
}

TEST(RequestRouter, HealthOkThenFailingWithReasons) {
  MetricsRegistry registry;
  HealthState health;
  health.set_ok("uplink");
  auto response = route_request(get("/health"), registry, health);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "ok\n");
  health.set_failing("uplink", "broker 127.0.0.1:1883: connection refused");
  health.set_failing("storage", "/var/lib/dlmsgw: disk full");
  response = route_request(get("/health"), registry, health);
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(response.body,
            "unhealthy\n"
            "storage: /var/lib/dlmsgw: disk full\n"
            "uplink: broker 127.0.0.1:1883: connection refused\n");
}

TEST(RequestRouter, HealthAsJson) {
  MetricsRegistry registry;
  HealthState health;
  health.set_ok("storage");
  health.set_failing("uplink", "said \"no\"\n");
  auto request = get("/health");
  request.headers.emplace_back("Accept", "application/json");
  const auto response = route_request(request, registry, health);
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body,
            "{\"healthy\":false,\"checks\":[{\"name\":\"storage\",\"ok\":true},"
            "{\"name\":\"uplink\",\"ok\":false,\"reason\":\"said \\\"no\\\"\\u000a\"}]}\n");
}

TEST(RequestRouter, MetricsNotFoundAndMethodNotAllowed) {
  MetricsRegistry registry;
  HealthState health;
  ASSERT_TRUE(registry.gauge("up_value", "Up."));
  auto metrics = route_request(get("/metrics"), registry, health);
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
  // To HTTP/1.1, written as it is rendered: chunked, the chunks joining to the whole text.
  ASSERT_TRUE(metrics.next_part);
  const auto serialized = serialize(metrics);
  const auto head_end = serialized.find("\r\n\r\n") + 4;
  EXPECT_EQ(serialized.substr(0, head_end),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
            "Transfer-Encoding: chunked\r\n"
            "Cache-Control: no-store\r\n"
            "Connection: close\r\n"
            "\r\n");
  const auto chunked = test::dechunk(serialized.substr(head_end));
  EXPECT_TRUE(chunked.complete);
  EXPECT_EQ(chunked.body, registry.render());
  // HEAD: the same head, nothing rendered.
  auto head = route_request(get("/metrics", "HEAD"), registry, health);
  EXPECT_EQ(serialize(head, false), serialized.substr(0, head_end));
  // HTTP/1.0 has no chunked coding: the text whole, with its length.
  auto old_request = get("/metrics");
  old_request.version = "HTTP/1.0";
  auto old = route_request(old_request, registry, health);
  EXPECT_FALSE(old.next_part);
  EXPECT_EQ(old.body, registry.render());
  EXPECT_NE(serialize(old).find("Content-Length: " + std::to_string(old.body.size()) + "\r\n"),
            std::string::npos);

  EXPECT_EQ(route_request(get("/"), registry, health).status, 404);
  EXPECT_EQ(route_request(get("/metrics/"), registry, health).status, 404);
  auto post = route_request(get("/metrics", "POST"), registry, health);
  EXPECT_EQ(post.status, 405);
  ASSERT_EQ(post.headers.size(), 1u);
  EXPECT_EQ(post.headers[0], (std::pair<std::string, std::string>("Allow", "GET, HEAD")));
  EXPECT_EQ(route_request(get("/health", "HEAD"), registry, health).status, 200);
}

TEST(RequestRouter, SerializedResponse) {
  HttpResponse response;
  response.status = 405;
  response.body = "no\n";
  response.headers.emplace_back("Allow", "GET, HEAD");
  EXPECT_EQ(serialize(response),
            "HTTP/1.1 405 Method Not Allowed\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 3\r\n"
            "Cache-Control: no-store\r\n"
            "Connection: close\r\n"
            "Allow: GET, HEAD\r\n"
            "\r\n"
            "no\n");
  EXPECT_EQ(serialize(response, false).find("no\n"), std::string::npos);
  // The endpoint writes the head and then the body as it is, not a copy of both.
  EXPECT_EQ(serialize_head(response) + response.body, serialize(response));
  EXPECT_EQ(serialize_head(response), serialize(response, false));
  EXPECT_EQ(chunk_size_line(0), "0\r\n");
  EXPECT_EQ(chunk_size_line(500), "1f4\r\n");
  EXPECT_EQ(chunk_size_line(65536), "10000\r\n");
  EXPECT_EQ(bad_request("too long").body, "bad request: too long\n");
  EXPECT_EQ(reason_phrase(503), "Service Unavailable");
  EXPECT_EQ(reason_phrase(418), "Unknown");
}

}  // namespace
}  // namespace dlmsgw::observability
