#include "observability/request_router.hpp"

#include <cstdio>
#include <memory>

namespace dlmsgw::observability {
namespace {

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
      out += escaped;
    } else {
      out += c;
    }
  }
  out += '"';
}

HttpResponse health_response(const HealthState& health, bool json) {
  HttpResponse response;
  response.status = health.healthy() ? 200 : 503;
  if (json) {
    response.content_type = "application/json";
    response.body =
        std::string("{\"healthy\":") + (health.healthy() ? "true" : "false") + ",\"checks\":[";
    bool first = true;
    for (const auto& check : health.checks()) {
      if (!first) response.body += ',';
      first = false;
      response.body += "{\"name\":";
      append_json_string(response.body, check.name);
      response.body += std::string(",\"ok\":") + (check.ok ? "true" : "false");
      if (!check.ok) {
        response.body += ",\"reason\":";
        append_json_string(response.body, check.reason);
      }
      response.body += '}';
    }
    response.body += "]}\n";
    return response;
  }
  if (health.healthy()) {
    response.body = "ok\n";
    return response;
  }
  response.body = "unhealthy\n";
  for (const auto& check : health.failing()) {
    response.body += check.name + ": " + check.reason + '\n';
  }
  return response;
}

}  // namespace

HttpResponse bad_request(std::string_view reason) {
  HttpResponse response;
  response.status = 400;
  response.body = "bad request: " + std::string(reason) + '\n';
  return response;
}

HttpResponse route_request(const HttpRequest& request, const MetricsRegistry& registry,
                           const HealthState& health, std::size_t metrics_part_bytes) {
  const bool is_health = request.path == "/health";
  const bool is_metrics = request.path == "/metrics";
  if (!is_health && !is_metrics) {
    HttpResponse response;
    response.status = 404;
    response.body = "not found; try /health or /metrics\n";
    return response;
  }
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse response;
    response.status = 405;
    response.body = "method not allowed\n";
    response.headers.emplace_back("Allow", "GET, HEAD");
    return response;
  }
  if (is_health) {
    const auto accept = request.header("Accept");
    return health_response(health, accept && accept->find("application/json") != std::string::npos);
  }
  HttpResponse response;
  response.content_type = std::string(metrics_content_type);
  if (request.version == "HTTP/1.0") {
    response.body = registry.render();
    return response;
  }
  if (request.method == "HEAD") {
    // The head GET would have (chunked); nothing to render.
    response.next_part = [](std::string&) { return true; };
    return response;
  }
  auto scrape = std::make_shared<MetricsScrape>(registry.begin_scrape());
  response.next_part = [scrape, metrics_part_bytes](std::string& part) {
    return scrape->render_part(part, metrics_part_bytes);
  };
  return response;
}

}  // namespace dlmsgw::observability
