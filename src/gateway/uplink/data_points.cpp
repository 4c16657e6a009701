#include "gateway/uplink/data_points.hpp"

namespace dlmsgw::gateway {

// Scanned rather than parsed: this runs for every record sent, and building a JSON tree for it
// cost more CPU than the rest of the uplink's work per record.
std::uint32_t count_data_points(std::string_view payload) {
  std::size_t at = payload.find_first_not_of(" \t\r\n");
  if (at == std::string_view::npos || (payload[at] != '{' && payload[at] != '[')) return 0;
  // An object's members, or in a series [{"ts":..,"values":{..}},..] the members of every values.
  const int counted_depth = payload[at] == '{' ? 1 : 3;
  std::uint32_t members = 0;
  int depth = 0;
  bool in_string = false;
  for (; at < payload.size(); ++at) {
    const char c = payload[at];
    if (in_string) {
      if (c == '\\') {
        ++at;  // the escaped character
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '{':
      case '[':
        ++depth;
        break;
      case '}':
      case ']':
        --depth;
        break;
      case ':':
        if (depth == counted_depth) ++members;
        break;
      default:
        break;
    }
  }
  return members;
}

}  // namespace dlmsgw::gateway
