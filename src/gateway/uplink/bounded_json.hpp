#pragma once
// parse_bounded_json: JSON that came from the network, parsed only when it is small and shallow
// enough to handle safely. nlohmann builds the tree without recursion, but copying, comparing and
// dumping it recurse once per level: 100,000 nested arrays (200 KB) overflow the stack. The depth
// is therefore measured by a linear scan before any tree is built, and the size before that.
// Never throws; every refusal names what was wrong and the bound.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/expected.hpp"

namespace dlmsgw::gateway {

struct JsonBounds {
  // ThingsBoard's own default maximum MQTT payload is 64 KB; 1 MiB leaves room for large RPC
  // params while keeping one message's cost (the tree is ~10x its text) bounded.
  std::size_t max_bytes = 1024 * 1024;
  // RPC params and attribute values nest a few levels; 32 is far beyond any real message and far
  // below what the stack can take.
  std::size_t max_depth = 32;
};

// Whether arrays and objects in `text` nest at most `limit` deep (brackets inside strings do not
// count). Linear, no allocation; stops at the first level too deep.
[[nodiscard]] bool nesting_within(std::string_view text, std::size_t limit);

// The parsed document, or an Error: out_of_range (too large), too_deep, or malformed (not JSON,
// invalid UTF-8). The message names the bound; the text itself is never echoed.
Expected<nlohmann::json> parse_bounded_json(std::string_view text, const JsonBounds& bounds = {});

}  // namespace dlmsgw::gateway
