#include "gateway/values_json.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string_view>
#include <type_traits>

namespace dlmsgw::gateway {
namespace {

// A string as nlohmann writes it: escaped, invalid UTF-8 replaced.
std::string escaped_json_string(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Text that JSON takes as it is between quotes: printable ASCII without '"' and '\'. Anything
// else (control characters, UTF-8, which must be checked) goes through nlohmann's escaping.
bool plain_json_text(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; });
}

void append_json_string(std::string& out, const std::string& text) {
  if (plain_json_text(text)) {
    out += '"';
    out += text;
    out += '"';
  } else {
    out += escaped_json_string(text);
  }
}

// The shortest text that reads back as the same double, with a point or an exponent so that
// ThingsBoard stores a double ("2.0", not the long 2); NaN and infinities are not JSON: null, as
// nlohmann writes them. std::to_chars: a third of the time of nlohmann's dump of a value.
void append_json_double(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  char digits[32];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
  if (std::find_if(digits, end, [](char c) { return c == '.' || c == 'e'; }) == end) out += ".0";
}

void append_json_value(std::string& out, const TelemetryValue& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          out += v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          char digits[24];
          const auto end = std::to_chars(digits, digits + sizeof digits, v).ptr;
          out.append(digits, end);
        } else if constexpr (std::is_same_v<T, double>) {
          append_json_double(out, v);
        } else {
          append_json_string(out, v);
        }
      },
      value);
}

void append_sorted_values_json(std::string& out, std::span<const DataPoint*> order) {
  out += '{';
  bool first = true;
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i + 1 < order.size() && order[i + 1]->key == order[i]->key) continue;
    if (!first) out += ',';
    first = false;
    append_json_string(out, order[i]->key);
    out += ':';
    append_json_value(out, order[i]->value);
  }
  out += '}';
}

}  // namespace

void append_values_json(std::string& out, const std::vector<DataPoint>& values) {
  // In key order, the last of equal keys: sorted by key with equal keys kept in their order.
  // A reading's few values are sorted in place on the stack, by insertion (stable; a poll's keys
  // mostly come in order already): stable_sort (its heap buffer, its compares) was about a fifth
  // of this function's time under a flood of readings.
  constexpr std::size_t kOnStack = 32;
  const auto by_key = [](const DataPoint* a, const DataPoint* b) { return a->key < b->key; };
  if (values.size() > kOnStack) {
    std::vector<const DataPoint*> order;
    order.reserve(values.size());
    for (const DataPoint& point : values) order.push_back(&point);
    std::stable_sort(order.begin(), order.end(), by_key);
    append_sorted_values_json(out, order);
    return;
  }
  std::array<const DataPoint*, kOnStack> order{};
  std::size_t count = 0;
  for (const DataPoint& point : values) {
    std::size_t at = count++;
    for (; at > 0 && by_key(&point, order[at - 1]); --at) order[at] = order[at - 1];
    order[at] = &point;
  }
  append_sorted_values_json(out, std::span<const DataPoint*>(order.data(), count));
}

std::string values_json(const std::vector<DataPoint>& values) {
  std::string out;
  append_values_json(out, values);
  return out;
}

}  // namespace dlmsgw::gateway
