#include "gateway/uplink/payload_shape.hpp"

#include <simdjson.h>

#include <string>

namespace dlmsgw::gateway {
namespace {

// The document of `text`, or nothing when it is not JSON (grammar or UTF-8). simdjson, because
// nlohmann's parser, even building nothing, converted every number with strtod: 3.6 us for a
// 10-value record against 0.3 us here, for every record sent. The parser and the padded copy
// are kept per thread (the parser's buffers grow to the largest document once, then are
// reused); the element is valid until the next call on this thread.
simdjson::simdjson_result<simdjson::dom::element> parse_padded(std::string_view text) {
  thread_local simdjson::dom::parser parser;
  thread_local std::string padded;
  padded.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  padded.assign(text);
  return parser.parse(padded.data(), padded.size(), false);
}

// {"ts":<integer>,"values":{..}}, each key once.
bool is_series_entry(simdjson::dom::element entry) {
  simdjson::dom::object object;
  if (entry.get(object) != simdjson::SUCCESS || object.size() != 2) return false;
  bool ts = false;
  bool values = false;
  for (const simdjson::dom::key_value_pair field : object) {
    if (field.key == "ts" && !ts) {
      ts = field.value.is_int64() || field.value.is_uint64();
      if (!ts) return false;
    } else if (field.key == "values" && !values) {
      values = field.value.is_object();
      if (!values) return false;
    } else {
      return false;
    }
  }
  return ts && values;
}

}  // namespace

bool is_json_object(std::string_view text) {
  const auto document = parse_padded(text);
  return document.error() == simdjson::SUCCESS && document.is_object();
}

bool is_telemetry_series(std::string_view text) {
  simdjson::dom::array entries;
  if (parse_padded(text).get(entries) != simdjson::SUCCESS || entries.size() == 0) return false;
  for (const simdjson::dom::element entry : entries) {
    if (!is_series_entry(entry)) return false;
  }
  return true;
}

}  // namespace dlmsgw::gateway
