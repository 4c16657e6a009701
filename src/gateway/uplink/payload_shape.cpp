#include "gateway/uplink/payload_shape.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace dlmsgw::gateway {
namespace {

using Json = nlohmann::json;

// The shape of a series, checked on the events of a parse: an event answered with false ends it
// as failed. [{"ts":1,"values":{..}},..]: depth 1 is the array, 2 an entry, 3 and deeper its
// values, whose content is whatever JSON parses.
class SeriesShape {
 public:
  bool null() { return in_values(); }
  bool boolean(bool) { return in_values(); }
  bool number_integer(std::int64_t) { return scalar(true); }
  bool number_unsigned(std::uint64_t) { return scalar(true); }
  bool number_float(double, const std::string&) { return scalar(false); }
  bool string(std::string&) { return in_values(); }
  bool binary(Json::binary_t&) { return false; }
  bool start_object(std::size_t) {
    if (depth_ == 1) {
      ++entries_;
      has_ts_ = false;
      has_values_ = false;
    } else if (depth_ == 2) {
      if (key_ != Key::values) return false;
      has_values_ = true;
    } else if (depth_ < 2) {
      return false;
    }
    ++depth_;
    return true;
  }
  bool key(std::string& name) {
    if (depth_ != 2) return true;
    if (name == "ts" && !has_ts_) {
      key_ = Key::ts;
    } else if (name == "values" && !has_values_) {
      key_ = Key::values;
    } else {
      return false;
    }
    return true;
  }
  bool end_object() {
    --depth_;
    return depth_ != 1 || (has_ts_ && has_values_);
  }
  bool start_array(std::size_t) {
    if (depth_ != 0 && !in_values()) return false;
    ++depth_;
    return true;
  }
  bool end_array() {
    --depth_;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

  [[nodiscard]] bool any_entry() const { return entries_ > 0; }

 private:
  enum class Key { ts, values };
  [[nodiscard]] bool in_values() const { return depth_ > 2; }
  // A number: the entry's ts (an integer) or inside its values.
  bool scalar(bool integer) {
    if (depth_ != 2) return in_values();
    if (key_ != Key::ts || !integer) return false;
    has_ts_ = true;
    return true;
  }

  int depth_ = 0;
  std::size_t entries_ = 0;
  Key key_ = Key::ts;
  bool has_ts_ = false;
  bool has_values_ = false;
};

}  // namespace

bool is_json_object(std::string_view text) {
  // An object is the only value that starts with '{' (after white space).
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || text[first] != '{') return false;
  return Json::accept(text);  // a SAX pass that builds nothing
}

bool is_telemetry_series(std::string_view text) {
  SeriesShape shape;
  return Json::sax_parse(text, &shape) && shape.any_entry();
}

}  // namespace dlmsgw::gateway
