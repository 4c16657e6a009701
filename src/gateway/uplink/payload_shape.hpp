#pragma once
// The shapes a stored payload must have to be sent, checked in one SAX pass over the text: no
// document is built. This runs for every record the uplink sends, and building the tree (a
// map node and a string a value, then freeing them) was a quarter of the uplink's CPU.

#include <string_view>

namespace dlmsgw::gateway {

// A JSON object (attributes, one reading's values).
[[nodiscard]] bool is_json_object(std::string_view text);

// A non-empty JSON array of {"ts":<integer>,"values":{..}} objects, each key once (a telemetry
// series: the readings of one poll, or profile entries).
[[nodiscard]] bool is_telemetry_series(std::string_view text);

}  // namespace dlmsgw::gateway
