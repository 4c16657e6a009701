#pragma once
// HttpRequest: the head of an HTTP/1.x request, parsed sans-I/O. The endpoint only ever serves a
// couple of GETs, so the parser is strict (CRLF line ends, no obsolete line folding, origin-form
// targets) and anything else is a 400: a scraper or curl never sends it.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/expected.hpp"

namespace dlmsgw::observability {

struct HttpRequest {
  std::string method;
  std::string path;   // the target without its query string
  std::string query;  // after '?', as sent (empty when none)
  std::string version;
  std::vector<std::pair<std::string, std::string>> headers;

  // The first header with that name (case-insensitive), value without surrounding white space.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const;
  // The first query parameter with that name, %XX and '+' decoded ("a=1&b" gives "" for b);
  // nullopt when absent or when its value is not valid percent-encoding.
  [[nodiscard]] std::optional<std::string> query_parameter(std::string_view name) const;
};

// The index just past the blank line ("\r\n\r\n") that ends the head in `buffer`, searching from
// `from` (so that a caller appending chunks does not rescan), or nullopt.
[[nodiscard]] std::optional<std::size_t> find_head_end(std::string_view buffer,
                                                       std::size_t from = 0);

// `head`: the request line and header lines up to and including the blank line.
Expected<HttpRequest> parse_request_head(std::string_view head);

}  // namespace dlmsgw::observability
