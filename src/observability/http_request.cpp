#include "observability/http_request.hpp"

#include <algorithm>

namespace dlmsgw::observability {
namespace {

Error bad(std::string why) {
  return make_error(ErrorCode::malformed, std::move(why));
}

// RFC 9110 token characters.
bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_token_char);
}

bool is_visible(char c) {
  return c > 0x20 && c < 0x7f;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

Expected<void> parse_request_line(std::string_view line, HttpRequest& request) {
  const auto first_space = line.find(' ');
  const auto last_space = line.rfind(' ');
  if (first_space == std::string_view::npos || first_space == last_space) {
    return bad("request line is not 'METHOD target HTTP/1.x'");
  }
  const auto method = line.substr(0, first_space);
  const auto target = line.substr(first_space + 1, last_space - first_space - 1);
  const auto version = line.substr(last_space + 1);
  if (!is_token(method)) return bad("invalid method");
  if (target.empty() || target.front() != '/' ||
      !std::all_of(target.begin(), target.end(), is_visible)) {
    return bad("request target must be a path starting with '/'");
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return bad("unsupported HTTP version");
  request.method = std::string(method);
  const auto question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
  request.version = std::string(version);
  return {};
}

Expected<void> parse_header_line(std::string_view line, HttpRequest& request) {
  if (line.front() == ' ' || line.front() == '\t') return bad("obsolete header line folding");
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return bad("header line without ':'");
  const auto name = line.substr(0, colon);
  if (!is_token(name)) return bad("invalid header name");
  const auto value = trim(line.substr(colon + 1));
  const bool clean = std::all_of(value.begin(), value.end(), [](char c) {
    return c == '\t' || (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
  });
  if (!clean) return bad("control character in header '" + std::string(name) + "'");
  request.headers.emplace_back(std::string(name), std::string(value));
  return {};
}

}  // namespace

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (equals_ignoring_case(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = hex_digit(text[i + 1]);
      const int low = hex_digit(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> HttpRequest::query_parameter(std::string_view name) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const auto equals = pair.find('=');
    const auto key = percent_decode(pair.substr(0, equals));
    if (!key || *key != name) continue;
    if (equals == std::string_view::npos) return std::string();
    return percent_decode(pair.substr(equals + 1));
  }
  return std::nullopt;
}

std::optional<std::size_t> find_head_end(std::string_view buffer, std::size_t from) {
  constexpr std::string_view blank_line = "\r\n\r\n";
  // The terminator may straddle the previous chunk: back up by its length minus one.
  const auto start = from >= blank_line.size() - 1 ? from - (blank_line.size() - 1) : 0;
  const auto found = buffer.find(blank_line, start);
  if (found == std::string_view::npos) return std::nullopt;
  return found + blank_line.size();
}

Expected<HttpRequest> parse_request_head(std::string_view head) {
  if (!head.ends_with("\r\n\r\n")) return bad("request head does not end with a blank line");
  head.remove_suffix(2);  // keep one CRLF so that every line ends with one
  HttpRequest request;
  bool first = true;
  while (!head.empty()) {
    const auto end = head.find("\r\n");
    const auto line = head.substr(0, end);
    head.remove_prefix(end + 2);
    if (line.find_first_of("\r\n") != std::string_view::npos) return bad("bare CR or LF in head");
    if (first) {
      DLMSGW_TRY(parse_request_line(line, request));
      first = false;
    } else {
      if (line.empty()) return bad("empty header line");
      DLMSGW_TRY(parse_header_line(line, request));
    }
  }
  if (first) return bad("empty request");
  return request;
}

}  // namespace dlmsgw::observability
