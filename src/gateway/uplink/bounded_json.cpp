#include "gateway/uplink/bounded_json.hpp"

#include <string>

namespace dlmsgw::gateway {

bool nesting_within(std::string_view text, std::size_t limit) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > limit) return false;
        break;
      case ']':
      case '}':
        // Unbalanced closers are the parser's business; the depth only must not wrap.
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return true;
}

Expected<nlohmann::json> parse_bounded_json(std::string_view text, const JsonBounds& bounds) {
  if (text.size() > bounds.max_bytes) {
    return make_error(ErrorCode::out_of_range,
                      "payload of " + std::to_string(text.size()) + " bytes is over the " +
                          std::to_string(bounds.max_bytes) + "-byte limit for incoming messages");
  }
  if (!nesting_within(text, bounds.max_depth)) {
    return make_error(ErrorCode::too_deep, "payload nests arrays/objects more than " +
                                               std::to_string(bounds.max_depth) + " levels deep");
  }
  // The lexer checks UTF-8 inside strings (invalid UTF-8 is "not valid JSON"), so a document
  // that parses can be dumped again without an exception.
  auto document = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (document.is_discarded()) {
    return make_error(ErrorCode::malformed, "payload is not valid JSON");
  }
  return document;
}

}  // namespace dlmsgw::gateway
