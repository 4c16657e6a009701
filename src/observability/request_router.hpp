#pragma once
// route_request: what the health and metrics endpoint answers, sans-I/O.
//   GET /health   200 "ok" or 503 listing each failing check and its reason; JSON instead when the
//                 client sends "Accept: application/json".
//   GET /metrics  200 with the registry in Prometheus text format 0.0.4. To an HTTP/1.1 request
//                 the body is written as it is rendered (HttpResponse::next_part, chunked), in
//                 parts of about `metrics_part_bytes` from one snapshot taken now (a scrape of
//                 10,000 meters is 22 MB of text, never held whole); HTTP/1.0 has no chunked
//                 coding, so its body is rendered whole, with Content-Length.
//   HEAD is GET without the body; other methods on those paths 405; other paths 404.

#include <cstddef>
#include <string_view>

#include "observability/health_state.hpp"
#include "observability/http_request.hpp"
#include "observability/http_response.hpp"
#include "observability/metrics_registry.hpp"

namespace dlmsgw::observability {

inline constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";
inline constexpr std::size_t default_metrics_part_bytes = 64 * 1024;

// The registry must outlive the response (its next_part renders from it).
[[nodiscard]] HttpResponse route_request(
    const HttpRequest& request, const MetricsRegistry& registry, const HealthState& health,
    std::size_t metrics_part_bytes = default_metrics_part_bytes);

// 400 with the reason in the body.
[[nodiscard]] HttpResponse bad_request(std::string_view reason);

}  // namespace dlmsgw::observability
