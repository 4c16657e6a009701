#pragma once
// The shapes a stored payload must have to be sent. This runs for every record the uplink sends:
// with nlohmann's tree (a map node and a string a value, then freed, every number through strtod)
// it was a quarter of the uplink's CPU; simdjson validates the text (grammar and UTF-8) in a tenth
// of that. Integers beyond 64 bits are refused (nlohmann took them as doubles); the gateway never
// writes them.

#include <string_view>

namespace dlmsgw::gateway {

// A JSON object (attributes, one reading's values).
[[nodiscard]] bool is_json_object(std::string_view text);

// A non-empty JSON array of {"ts":<integer>,"values":{..}} objects, each key once (a telemetry
// series: the readings of one poll, or profile entries).
[[nodiscard]] bool is_telemetry_series(std::string_view text);

}  // namespace dlmsgw::gateway
