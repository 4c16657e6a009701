#include "connectors/dlms/data_json.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>

#include "core/hex.hpp"
#include "core/text_excerpt.hpp"
#include "dlms/cosem/date_time.hpp"

namespace dlmsgw::connectors::dlms {
namespace {

using axdr::Data;
using axdr::DataType;
using nlohmann::json;

// Bounds recursion on values from ThingsBoard; no COSEM object nests anywhere near this deep.
constexpr int kMaxDepth = 32;

bool printable(const Bytes& bytes) {
  if (bytes.empty()) return false;
  for (const std::uint8_t byte : bytes) {
    if (byte < 0x20 || byte > 0x7E) return false;
  }
  return true;
}

bool complete_date_time(const cosem::DateTime& value) {
  const auto& date = value.date;
  const auto& time = value.time;
  const bool deviation_ok = value.deviation == cosem::kDeviationNotSpecified ||
                            (value.deviation >= -720 && value.deviation <= 720);
  return date.year != cosem::kYearNotSpecified && date.month >= 1 && date.month <= 12 &&
         date.day >= 1 && date.day <= 31 && time.hour <= 23 && time.minute <= 59 &&
         time.second <= 59 && deviation_ok;
}

// A 12-byte octet string read as a COSEM date-time when every date and time field is in range:
// capture times in profile buffers and billing dates come this way, not only the clock.
std::optional<cosem::DateTime> octets_as_date_time(const Bytes& bytes) {
  if (bytes.size() != cosem::DateTime::kEncodedSize) return std::nullopt;
  auto value = cosem::DateTime::decode(bytes);
  if (!value || !complete_date_time(*value)) return std::nullopt;
  return *value;
}

std::string octets_text(const Bytes& bytes) {
  if (auto time = octets_as_date_time(bytes)) return time->to_iso8601();
  if (printable(bytes)) return std::string(bytes.begin(), bytes.end());
  return to_hex(bytes, '\0');
}

std::string bits_text(const axdr::BitString& bits) {
  std::string text;
  text.reserve(bits.bit_count);
  for (std::uint32_t i = 0; i < bits.bit_count && i / 8 < bits.bits.size(); ++i) {
    text += (bits.bits[i / 8] & (0x80U >> (i % 8))) != 0 ? '1' : '0';
  }
  return text;
}

json float_json(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return value;
}

json plain_json(const Data& data) {
  return std::visit(
      [](const auto& value) -> json {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return nullptr;
        } else if constexpr (std::is_same_v<T, double>) {
          return float_json(value);
        } else if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::int64_t> ||
                             std::is_same_v<T, std::uint64_t> || std::is_same_v<T, std::string>) {
          return value;
        } else if constexpr (std::is_same_v<T, Bytes>) {
          return octets_text(value);
        } else if constexpr (std::is_same_v<T, axdr::BitString>) {
          return bits_text(value);
        } else if constexpr (std::is_same_v<T, axdr::DataList>) {
          json list = json::array();
          for (const Data& element : value) list.push_back(plain_json(element));
          return list;
        } else if constexpr (std::is_same_v<T, axdr::CompactArray>) {
          return to_hex(value.contents, '\0');
        } else if constexpr (std::is_same_v<T, cosem::DateTime>) {
          return value.to_iso8601();
        } else {  // Date, Time
          return value.to_string();
        }
      },
      data.value());
}

// number(), except that a float32 is scaled from its shortest float decimal (49.95f -> 49.95):
// the float32 is held as a double, and number() would carry its binary noise (49.95000076293945).
std::optional<double> scaled_number(const client::MeterValue& value) {
  if (value.data.type() == DataType::float32 && value.data.as_float() != nullptr) {
    const auto raw = static_cast<float>(*value.data.as_float());
    return value.scaler_unit ? value.scaler_unit->apply_float(raw) : cosem::scale_float(raw, 0);
  }
  return value.number();
}

bool is_integer_type(DataType type) {
  return axdr::is_signed_integer_type(type) || axdr::is_unsigned_integer_type(type);
}

// Rounds to `places` decimals (negative: to tens, hundreds...). Values too large for the asked
// precision are already as round as a double gets.
double round_to(double value, int places) {
  if (places >= 0) {
    const double scale = std::pow(10.0, places);
    const double scaled = value * scale;
    if (!std::isfinite(scaled) || std::fabs(scaled) >= 0x1.0p52) return value;
    return std::round(scaled) / scale;
  }
  const double scale = std::pow(10.0, -places);
  return std::round(value / scale) * scale;
}

// ---- ISO 8601 text -> COSEM date, time, date-time --------------------------------------------

class TextCursor {
 public:
  explicit TextCursor(std::string_view text) : text_(text) {}
  bool done() const { return pos_ == text_.size(); }
  bool peek(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  bool take(char c) {
    if (!peek(c)) return false;
    ++pos_;
    return true;
  }
  // Exactly `count` decimal digits.
  std::optional<unsigned> digits(std::size_t count) {
    if (text_.size() - pos_ < count) return std::nullopt;
    unsigned value = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const char c = text_[pos_ + i];
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    pos_ += count;
    return value;
  }
  // Fraction digits after '.' as hundredths (".5" -> 50, ".123" -> 12).
  std::optional<unsigned> hundredths() {
    unsigned value = 0;
    std::size_t count = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      if (count < 2) value = value * 10 + static_cast<unsigned>(text_[pos_] - '0');
      ++count;
      ++pos_;
    }
    if (count == 0) return std::nullopt;
    return count == 1 ? value * 10 : value;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

struct ParsedDate {
  unsigned year, month, day;
};
struct ParsedTime {
  unsigned hour, minute, second, hundredths;
};

std::optional<ParsedDate> take_date(TextCursor& cursor) {
  const auto year = cursor.digits(4);
  if (!year || !cursor.take('-')) return std::nullopt;
  const auto month = cursor.digits(2);
  if (!month || !cursor.take('-')) return std::nullopt;
  const auto day = cursor.digits(2);
  if (!day) return std::nullopt;
  return ParsedDate{*year, *month, *day};
}

std::optional<ParsedTime> take_time(TextCursor& cursor) {
  const auto hour = cursor.digits(2);
  if (!hour || !cursor.take(':')) return std::nullopt;
  const auto minute = cursor.digits(2);
  if (!minute) return std::nullopt;
  ParsedTime time{*hour, *minute, 0, 0};
  if (cursor.take(':')) {
    const auto second = cursor.digits(2);
    if (!second) return std::nullopt;
    time.second = *second;
    if (cursor.take('.') || cursor.take(',')) {
      const auto hundredths = cursor.hundredths();
      if (!hundredths) return std::nullopt;
      time.hundredths = *hundredths;
    }
  }
  if (time.hour > 23 || time.minute > 59 || time.second > 59) return std::nullopt;
  return time;
}

// A validated calendar date-time; day of week filled in, clock status 0 (ok).
std::optional<cosem::DateTime> make_date_time(const ParsedDate& date, const ParsedTime& time,
                                              std::optional<int> utc_offset) {
  if (date.year > 9999 || date.month < 1 || date.month > 12 || date.day < 1) return std::nullopt;
  cosem::DateTime value;
  value.date =
      cosem::Date{static_cast<std::uint16_t>(date.year), static_cast<std::uint8_t>(date.month),
                  static_cast<std::uint8_t>(date.day), cosem::kNotSpecified};
  value.time = cosem::Time{
      static_cast<std::uint8_t>(time.hour), static_cast<std::uint8_t>(time.minute),
      static_cast<std::uint8_t>(time.second), static_cast<std::uint8_t>(time.hundredths)};
  const int offset = utc_offset.value_or(0);
  value.deviation = static_cast<std::int16_t>(-offset);
  const auto unix_ms = value.to_unix_ms();  // also rejects 2026-02-30
  if (!unix_ms) return std::nullopt;
  cosem::DateTime result = cosem::DateTime::from_unix_ms(*unix_ms, offset);
  if (!utc_offset) result.deviation = cosem::kDeviationNotSpecified;
  return result;
}

// "2026-11-24T14:27:34[.50][Z|+01:00|+0100|+01]", also with a space for the 'T'.
std::optional<cosem::DateTime> parse_iso_date_time(std::string_view text) {
  TextCursor cursor(text);
  const auto date = take_date(cursor);
  if (!date || !(cursor.take('T') || cursor.take('t') || cursor.take(' '))) return std::nullopt;
  const auto time = take_time(cursor);
  if (!time) return std::nullopt;
  std::optional<int> offset;
  if (cursor.take('Z') || cursor.take('z')) {
    offset = 0;
  } else if (cursor.peek('+') || cursor.peek('-')) {
    const int sign = cursor.take('-') ? -1 : 1;
    cursor.take('+');
    const auto hours = cursor.digits(2);
    if (!hours) return std::nullopt;
    unsigned minutes = 0;
    if (!cursor.done()) {
      cursor.take(':');
      const auto parsed = cursor.digits(2);
      if (!parsed) return std::nullopt;
      minutes = *parsed;
    }
    if (*hours > 14 || minutes > 59) return std::nullopt;
    offset = sign * static_cast<int>(*hours * 60 + minutes);
  }
  if (!cursor.done()) return std::nullopt;
  return make_date_time(*date, *time, offset);
}

std::optional<cosem::Date> parse_iso_date(std::string_view text) {
  TextCursor cursor(text);
  const auto date = take_date(cursor);
  if (!date || !cursor.done()) return std::nullopt;
  const auto value = make_date_time(*date, ParsedTime{0, 0, 0, 0}, 0);
  if (!value) return std::nullopt;
  return value->date;
}

std::optional<cosem::Time> parse_iso_time(std::string_view text) {
  TextCursor cursor(text);
  const auto time = take_time(cursor);
  if (!time || !cursor.done()) return std::nullopt;
  return cosem::Time{static_cast<std::uint8_t>(time->hour), static_cast<std::uint8_t>(time->minute),
                     static_cast<std::uint8_t>(time->second),
                     static_cast<std::uint8_t>(time->hundredths)};
}

// ---- JSON -> A-XDR --------------------------------------------------------------------------

std::string type_name(DataType type) {
  return std::string(axdr::to_string(type));
}

Error value_error(DataType type, const json& value, std::string_view expected) {
  return make_error(
      ErrorCode::invalid_argument,
      type_name(type) + " takes " + std::string(expected) + ", got " + excerpt(value.dump()));
}

// An integer from JSON as sign and magnitude, so the full int64 and uint64 ranges are exact.
struct WholeNumber {
  bool negative = false;
  std::uint64_t magnitude = 0;
  std::string text() const {
    return (negative && magnitude != 0 ? "-" : "") + std::to_string(magnitude);
  }
};

std::optional<WholeNumber> whole_number(const json& value) {
  if (value.is_number_unsigned()) return WholeNumber{false, value.get<std::uint64_t>()};
  if (value.is_number_integer()) {
    const auto number = value.get<std::int64_t>();
    return number < 0 ? WholeNumber{true, std::uint64_t{0} - static_cast<std::uint64_t>(number)}
                      : WholeNumber{false, static_cast<std::uint64_t>(number)};
  }
  if (value.is_number_float()) {
    const double number = value.get<double>();
    if (!std::isfinite(number) || std::trunc(number) != number || std::fabs(number) >= 0x1.0p64) {
      return std::nullopt;
    }
    return WholeNumber{number < 0, static_cast<std::uint64_t>(std::fabs(number))};
  }
  if (value.is_string()) {
    std::string_view text = value.get_ref<const std::string&>();
    const bool negative = !text.empty() && text.front() == '-';
    if (negative || (!text.empty() && text.front() == '+')) text.remove_prefix(1);
    std::uint64_t magnitude = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), magnitude);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
      return std::nullopt;
    }
    return WholeNumber{negative, magnitude};
  }
  return std::nullopt;
}

struct IntegerRange {
  std::int64_t min;
  std::uint64_t max;
};

IntegerRange range_of(DataType type) {
  switch (type) {
    case DataType::integer:
      return {INT8_MIN, INT8_MAX};
    case DataType::long_integer:
      return {INT16_MIN, INT16_MAX};
    case DataType::double_long:
      return {INT32_MIN, INT32_MAX};
    case DataType::long64:
      return {INT64_MIN, INT64_MAX};
    case DataType::double_long_unsigned:
      return {0, UINT32_MAX};
    case DataType::long64_unsigned:
      return {0, UINT64_MAX};
    case DataType::long_unsigned:
      return {0, UINT16_MAX};
    default:  // unsigned, enum, bcd
      return {0, UINT8_MAX};
  }
}

Expected<Data> integer_data(const json& value, DataType type) {
  const auto number = whole_number(value);
  if (!number) return value_error(type, value, "an integer");
  const IntegerRange range = range_of(type);
  const std::uint64_t negative_limit =
      range.min < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(range.min) : 0;
  const bool fits =
      number->negative ? number->magnitude <= negative_limit : number->magnitude <= range.max;
  if (!fits) {
    return make_error(ErrorCode::out_of_range, number->text() + " does not fit " + type_name(type) +
                                                   " (" + std::to_string(range.min) + ".." +
                                                   std::to_string(range.max) + ")");
  }
  const std::int64_t signed_value =
      number->negative ? static_cast<std::int64_t>(std::uint64_t{0} - number->magnitude)
                       : static_cast<std::int64_t>(number->magnitude);
  switch (type) {
    case DataType::integer:
      return Data::integer(static_cast<std::int8_t>(signed_value));
    case DataType::long_integer:
      return Data::long_integer(static_cast<std::int16_t>(signed_value));
    case DataType::double_long:
      return Data::double_long(static_cast<std::int32_t>(signed_value));
    case DataType::long64:
      return Data::long64(signed_value);
    case DataType::unsigned_integer:
      return Data::unsigned_integer(static_cast<std::uint8_t>(number->magnitude));
    case DataType::long_unsigned:
      return Data::long_unsigned(static_cast<std::uint16_t>(number->magnitude));
    case DataType::double_long_unsigned:
      return Data::double_long_unsigned(static_cast<std::uint32_t>(number->magnitude));
    case DataType::long64_unsigned:
      return Data::long64_unsigned(number->magnitude);
    case DataType::enumerated:
      return Data::enumerated(static_cast<std::uint8_t>(number->magnitude));
    default:
      return Data::bcd(static_cast<std::uint8_t>(number->magnitude));
  }
}

Expected<Data> float_data(const json& value, DataType type) {
  double number = 0;
  if (value.is_number()) {
    number = value.get<double>();
  } else if (value.is_string() && value.get_ref<const std::string&>() == "NaN") {
    number = std::numeric_limits<double>::quiet_NaN();
  } else if (value.is_string() && value.get_ref<const std::string&>() == "Infinity") {
    number = std::numeric_limits<double>::infinity();
  } else if (value.is_string() && value.get_ref<const std::string&>() == "-Infinity") {
    number = -std::numeric_limits<double>::infinity();
  } else {
    return value_error(type, value, "a number");
  }
  if (type == DataType::float64) return Data::float64(number);
  if (std::isfinite(number) && std::fabs(number) > std::numeric_limits<float>::max()) {
    return make_error(ErrorCode::out_of_range,
                      value.dump() + " does not fit float32 (+-3.4028235e38)");
  }
  return Data::float32(static_cast<float>(number));
}

bool is_hex_text(std::string_view text) {
  std::size_t digits = 0;
  for (const char c : text) {
    if (std::isxdigit(static_cast<unsigned char>(c)) != 0) {
      ++digits;
    } else if (c != ' ') {
      return false;
    }
  }
  return digits > 0 && digits % 2 == 0;
}

Expected<Data> octet_string_data(const json& value, const Data* current) {
  if (value.is_array()) {
    Bytes bytes;
    for (const json& element : value) {
      auto byte = integer_data(element, DataType::unsigned_integer);
      if (!byte) return byte.error().with_context("octet-string byte");
      bytes.push_back(static_cast<std::uint8_t>(*byte->as_unsigned()));
    }
    return Data::octet_string(std::move(bytes));
  }
  if (!value.is_string()) return value_error(DataType::octet_string, value, "a string");
  const std::string& text = value.get_ref<const std::string&>();
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    auto bytes = parse_hex(text);
    if (!bytes) return bytes.error().with_context("octet-string \"" + text + "\"");
    return Data::octet_string(std::move(*bytes));
  }
  const Bytes* held = current != nullptr ? current->as_bytes() : nullptr;
  if (held == nullptr || held->size() == cosem::DateTime::kEncodedSize) {
    if (auto time = parse_iso_date_time(text)) return Data::octet_string(time->encode());
  }
  // The meter's value is binary, so to_rpc_json showed it as hex: read hex back the same way.
  if (held != nullptr && !printable(*held) && !octets_as_date_time(*held) && is_hex_text(text)) {
    auto bytes = parse_hex(text);
    if (bytes) return Data::octet_string(std::move(*bytes));
  }
  return Data::octet_string(Bytes(text.begin(), text.end()));
}

Expected<Data> bit_string_data(const json& value) {
  if (!value.is_string()) return value_error(DataType::bit_string, value, "a string of 0 and 1");
  const std::string& text = value.get_ref<const std::string&>();
  axdr::BitString bits;
  bits.bits.assign((text.size() + 7) / 8, 0);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '0' && text[i] != '1') {
      return value_error(DataType::bit_string, value, "a string of 0 and 1");
    }
    if (text[i] == '1') bits.bits[i / 8] |= static_cast<std::uint8_t>(0x80U >> (i % 8));
  }
  bits.bit_count = static_cast<std::uint32_t>(text.size());
  return Data::bit_string(std::move(bits));
}

bool usable_shape_type(DataType type) {
  return type != DataType::null_data && type != DataType::dont_care &&
         type != DataType::compact_array;
}

Expected<Data> infer(const json& value, int depth);
Expected<Data> build(const json& value, DataType type, const Data* shape, int depth);

// An element built with the type of its counterpart in the current value, when it has a usable one.
Expected<Data> element_like(const json& value, const Data* shape, int depth) {
  if (shape != nullptr && usable_shape_type(shape->type())) {
    return build(value, shape->type(), shape, depth);
  }
  return infer(value, depth);
}

Expected<Data> list_data(const json& value, DataType type, const Data* shape, int depth) {
  if (!value.is_array()) return value_error(type, value, "a JSON array");
  const axdr::DataList* shape_list =
      shape != nullptr && shape->type() == type ? shape->as_list() : nullptr;
  axdr::DataList elements;
  elements.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    const Data* element_shape = nullptr;
    if (shape_list != nullptr && type == DataType::array && !shape_list->empty()) {
      element_shape = &shape_list->front();
    } else if (shape_list != nullptr && type == DataType::structure &&
               shape_list->size() == value.size()) {
      element_shape = &(*shape_list)[i];
    }
    auto element = element_like(value[i], element_shape, depth + 1);
    if (!element) {
      return element.error().with_context(type_name(type) + " element " + std::to_string(i));
    }
    elements.push_back(std::move(*element));
  }
  return type == DataType::array ? Data::array(std::move(elements))
                                 : Data::structure(std::move(elements));
}

Expected<Data> build(const json& value, DataType type, const Data* shape, int depth) {
  if (depth > kMaxDepth) {
    return make_error(ErrorCode::too_deep,
                      "value nested deeper than " + std::to_string(kMaxDepth) + " levels");
  }
  if (is_integer_type(type)) return integer_data(value, type);
  switch (type) {
    case DataType::null_data:
      if (!value.is_null()) return value_error(type, value, "null");
      return Data::null();
    case DataType::boolean:
      if (value.is_boolean()) return Data::boolean(value.get<bool>());
      if (value.is_number_integer() && (value == 0 || value == 1)) {
        return Data::boolean(value == 1);
      }
      return value_error(type, value, "true or false");
    case DataType::float32:
    case DataType::float64:
      return float_data(value, type);
    case DataType::octet_string:
      return octet_string_data(value, shape);
    case DataType::visible_string:
      if (!value.is_string()) return value_error(type, value, "a string");
      for (const char c : value.get_ref<const std::string&>()) {
        if (static_cast<unsigned char>(c) > 0x7E) {
          return value_error(type, value, "ASCII text (use utf8-string for other text)");
        }
      }
      return Data::visible_string(value.get<std::string>());
    case DataType::utf8_string:
      if (!value.is_string()) return value_error(type, value, "a string");
      return Data::utf8_string(value.get<std::string>());
    case DataType::bit_string:
      return bit_string_data(value);
    case DataType::date_time:
      if (value.is_string()) {
        if (auto time = parse_iso_date_time(value.get_ref<const std::string&>())) {
          return Data::date_time(*time);
        }
      }
      return value_error(type, value, "an ISO 8601 date-time like \"2026-11-24T14:27:34+01:00\"");
    case DataType::date:
      if (value.is_string()) {
        if (auto date = parse_iso_date(value.get_ref<const std::string&>())) {
          return Data::date(*date);
        }
      }
      return value_error(type, value, "a date like \"2026-11-24\"");
    case DataType::time:
      if (value.is_string()) {
        if (auto time = parse_iso_time(value.get_ref<const std::string&>())) {
          return Data::time(*time);
        }
      }
      return value_error(type, value, "a time like \"14:27:34\"");
    case DataType::array:
    case DataType::structure:
      return list_data(value, type, shape, depth);
    default:
      return make_error(ErrorCode::unsupported,
                        "cannot build a " + type_name(type) + " value from JSON");
  }
}

Expected<Data> infer(const json& value, int depth) {
  if (depth > kMaxDepth) return build(value, DataType::null_data, nullptr, depth);  // the error
  if (value.is_null()) return Data::null();
  if (value.is_boolean()) return Data::boolean(value.get<bool>());
  if (value.is_number_unsigned()) {
    const auto number = value.get<std::uint64_t>();
    if (number <= INT32_MAX) return Data::double_long(static_cast<std::int32_t>(number));
    if (number <= UINT32_MAX) return Data::double_long_unsigned(static_cast<std::uint32_t>(number));
    return Data::long64_unsigned(number);
  }
  if (value.is_number_integer()) {
    const auto number = value.get<std::int64_t>();
    if (number >= INT32_MIN && number <= INT32_MAX) {
      return Data::double_long(static_cast<std::int32_t>(number));
    }
    return Data::long64(number);
  }
  if (value.is_number_float()) return Data::float64(value.get<double>());
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
      return octet_string_data(value, nullptr);
    }
    for (const char c : text) {
      if (static_cast<unsigned char>(c) > 0x7E) return Data::utf8_string(text);
    }
    return Data::visible_string(text);
  }
  if (value.is_array()) return list_data(value, DataType::array, nullptr, depth);
  return make_error(ErrorCode::invalid_argument,
                    "a JSON object has no A-XDR form; for a structure give an array and "
                    "type=structure: " +
                        excerpt(value.dump()));
}

}  // namespace

json to_rpc_json(const client::MeterValue& value) {
  json reply = json::object();
  const Data& data = value.data;
  if (auto time = value.date_time()) {
    reply["value"] = time->to_iso8601();
  } else if (value.scaler_unit && value.scaler_unit->scaler != 0 &&
             data.type() != DataType::enumerated && value.scaled()) {
    reply["value"] = value.scaled()->to_double();
  } else if (data.as_float() != nullptr) {
    reply["value"] = float_json(scaled_number(value).value_or(*data.as_float()));
  } else {
    reply["value"] = plain_json(data);
  }
  if (const std::string unit = value.unit_symbol(); !unit.empty()) reply["unit"] = unit;
  reply["type"] = type_name(data.type());
  return reply;
}

Expected<gateway::TelemetryValue> to_telemetry(const client::MeterValue& value,
                                               const PointConfig& point) {
  const auto fail = [&point](ErrorCode code, const std::string& message) {
    return make_error(code, "key '" + point.key + "': " + message);
  };
  if (point.divider == 0.0 || !std::isfinite(point.divider) || !std::isfinite(point.multiplier)) {
    return fail(ErrorCode::invalid_argument,
                "multiplier and divider must be finite, divider not 0");
  }
  const Data& data = value.data;
  if (auto time = value.date_time()) return gateway::TelemetryValue(time->to_iso8601());
  const DataType type = data.type();
  switch (type) {
    case DataType::null_data:
    case DataType::dont_care:
      return fail(ErrorCode::malformed, "the meter sent " + type_name(type) + ", not a value");
    case DataType::array:
    case DataType::structure:
    case DataType::compact_array:
      return fail(ErrorCode::unsupported, (type == DataType::array ? "an " : "a ") +
                                              type_name(type) +
                                              " cannot be published as one value; configure one "
                                              "of its elements or read it with the get RPC");
    default:
      break;
  }
  if (const auto* flag = data.as_bool()) return gateway::TelemetryValue(*flag);
  if (const auto* text = data.as_text()) return gateway::TelemetryValue(*text);
  if (const auto* bytes = data.as_bytes()) return gateway::TelemetryValue(octets_text(*bytes));
  if (const auto* bits = data.as_bit_string()) return gateway::TelemetryValue(bits_text(*bits));
  if (data.as_date() != nullptr || data.as_time() != nullptr || data.as_date_time() != nullptr) {
    return gateway::TelemetryValue(plain_json(data).get<std::string>());
  }

  const bool identity = point.multiplier == 1.0 && point.divider == 1.0;
  const bool whole_rounding = !point.round || *point.round >= 0;
  std::optional<double> number;
  if (type == DataType::bcd || type == DataType::enumerated) {
    // Codes, not quantities: never scaled.
    if (const auto* raw = data.as_unsigned(); raw != nullptr && identity && whole_rounding) {
      return gateway::TelemetryValue(static_cast<std::int64_t>(*raw));
    }
    if (const auto* raw = data.as_unsigned()) number = static_cast<double>(*raw);
  } else if (auto scaled = value.scaled()) {
    if (identity && whole_rounding && scaled->scaler() >= 0) {
      // Exact: the decimal text of raw * 10^scaler, when it fits int64.
      const std::string text = scaled->to_decimal_string();
      std::int64_t whole = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), whole);
      if (error == std::errc() && end == text.data() + text.size()) {
        return gateway::TelemetryValue(whole);
      }
    }
    number = scaled->to_double();
  } else {
    number = scaled_number(value);
  }
  if (!number) return fail(ErrorCode::unsupported, "no value to publish from " + type_name(type));
  double result = *number;
  if (!identity) result = result * point.multiplier / point.divider;
  if (point.round) result = round_to(result, *point.round);
  if (!std::isfinite(result)) {
    return fail(ErrorCode::out_of_range, "the value is not a finite number (" +
                                             plain_json(Data::float64(result)).get<std::string>() +
                                             ")");
  }
  return gateway::TelemetryValue(result);
}

Expected<Data> data_from_json(const json& value, std::optional<DataType> type,
                              const Data* current) {
  if (type) {
    const Data* shape = current != nullptr && current->type() == *type ? current : nullptr;
    return build(value, *type, shape, 0);
  }
  if (current != nullptr && usable_shape_type(current->type())) {
    return build(value, current->type(), current, 0);
  }
  return infer(value, 0);
}

}  // namespace dlmsgw::connectors::dlms

namespace dlmsgw::connectors::dlms {

std::optional<cosem::DateTime> parse_date_time_text(std::string_view text) {
  return parse_iso_date_time(text);
}

}  // namespace dlmsgw::connectors::dlms
