#include "observability/http_response.hpp"

namespace dlmsgw::observability {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 405:
      return "Method Not Allowed";
    case 421:
      return "Misdirected Request";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

std::string serialize_head(const HttpResponse& response) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + ' ';
  out += reason_phrase(response.status);
  out += "\r\nContent-Type: " + response.content_type;
  if (response.next_part) {
    out += "\r\nTransfer-Encoding: chunked";
  } else {
    out += "\r\nContent-Length: " + std::to_string(response.body.size());
  }
  out += "\r\nCache-Control: no-store\r\nConnection: close\r\n";
  for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
  out += "\r\n";
  return out;
}

std::string chunk_size_line(std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string line;
  do {
    line.insert(line.begin(), digits[size % 16]);
    size /= 16;
  } while (size > 0);
  return line + "\r\n";
}

std::string serialize(const HttpResponse& response, bool with_body) {
  std::string out = serialize_head(response);
  if (!with_body) return out;
  if (!response.next_part) return out + response.body;
  std::string part;
  for (bool last = false; !last;) {
    part.clear();
    last = response.next_part(part);
    if (part.empty()) continue;
    out += chunk_size_line(part.size());
    out += part;
    out += "\r\n";
  }
  out += last_chunk;
  return out;
}

}  // namespace dlmsgw::observability
