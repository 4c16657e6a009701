#pragma once
// HttpResponse: what the endpoint sends back, and its serialisation. Every response carries
// "Connection: close": one request per connection is the simplest behaviour that is correct for
// scrapers and health probes. A body held whole goes with Content-Length; one written as it is
// rendered (`next_part`: a /metrics of thousands of meters, megabytes never held at once) goes in
// HTTP/1.1 chunked transfer coding, so that a response cut short (a write deadline, a stop) lacks
// its last, empty chunk and the client sees an error rather than a shorter body.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dlmsgw::observability {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // Set instead of `body` for a body written part by part (HTTP/1.1 requests only): each call
  // appends the next part to its argument, true once that was the last.
  std::function<bool(std::string&)> next_part;
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones, e.g. Allow
};

[[nodiscard]] std::string_view reason_phrase(int status);

// Status line and headers, up to and including the blank line: the body goes out after it as it
// is (a /metrics body is kilobytes per meter, not worth a copy).
[[nodiscard]] std::string serialize_head(const HttpResponse& response);

// The line that starts a chunk of `size` bytes ("1f4\r\n"); the chunk's data and "\r\n" follow.
[[nodiscard]] std::string chunk_size_line(std::size_t size);
// What ends a chunked body: the last chunk, of size 0, and the blank line after it (no trailers).
inline constexpr std::string_view last_chunk = "0\r\n\r\n";

// Status line, headers and (unless `with_body` is false, for HEAD) the body; for one with
// `next_part`, every part in chunks.
[[nodiscard]] std::string serialize(const HttpResponse& response, bool with_body = true);

}  // namespace dlmsgw::observability
