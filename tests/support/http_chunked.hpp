#pragma once
// dechunk: the body of an HTTP/1.1 response in chunked transfer coding (everything after the
// head), as a client reads it, strictly: a size line in hex ("1f4\r\n", no extensions), that
// many bytes, "\r\n"; then "0\r\n\r\n" (no trailers) and nothing after. A response cut short
// (the connection closed before its last, empty chunk) is `complete == false`.

#include <cstddef>
#include <string>
#include <string_view>

namespace dlmsgw::test {

struct Dechunked {
  std::string body;        // the data of every whole chunk received
  std::size_t chunks = 0;  // data chunks (the last, empty one not counted)
  bool complete = false;   // ended with the last chunk, well formed, nothing after it
};

inline Dechunked dechunk(std::string_view coded) {
  Dechunked result;
  std::size_t at = 0;
  for (;;) {
    const auto line_end = coded.find("\r\n", at);
    if (line_end == std::string_view::npos || line_end == at) return result;
    std::size_t size = 0;
    for (const char c : coded.substr(at, line_end - at)) {
      int digit = -1;
      if (c >= '0' && c <= '9') digit = c - '0';
      if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
      if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
      if (digit < 0 || size > (std::size_t{1} << 40)) return result;
      size = size * 16 + static_cast<std::size_t>(digit);
    }
    at = line_end + 2;
    if (size == 0) {
      result.complete = coded.substr(at) == "\r\n";
      return result;
    }
    if (coded.size() < at + size + 2 || coded.substr(at + size, 2) != "\r\n") return result;
    result.body.append(coded.substr(at, size));
    ++result.chunks;
    at += size + 2;
  }
}

}  // namespace dlmsgw::test
