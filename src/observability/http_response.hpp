#pragma once
// HttpResponse: what the endpoint sends back, and its serialisation. Every response carries
// Content-Length and "Connection: close": one request per connection is the simplest behaviour that
// is correct for scrapers and health probes.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dlmsgw::observability {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones, e.g. Allow
};

[[nodiscard]] std::string_view reason_phrase(int status);

// Status line and headers, up to and including the blank line: the body goes out after it as it
// is (a /metrics body is kilobytes per meter, not worth a copy).
[[nodiscard]] std::string serialize_head(const HttpResponse& response);

// Status line, headers and (unless `with_body` is false, for HEAD) the body.
[[nodiscard]] std::string serialize(const HttpResponse& response, bool with_body = true);

}  // namespace dlmsgw::observability
