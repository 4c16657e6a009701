#include "dlms/axdr/data_printer.hpp"

#include <cstdio>
#include <initializer_list>
#include <optional>

#include "core/hex.hpp"

namespace dlmsgw::axdr {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;  // clang 14 does not deduce aggregate bases by itself

bool is_printable(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E) return false;
  }
  return true;
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7F) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string format_float(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

std::string bits_text(const BitString& bits) {
  std::string text;
  for (std::uint32_t i = 0; i < bits.bit_count; ++i) {
    text += (bits.bits[i / 8] >> (7 - i % 8)) & 1 ? '1' : '0';
  }
  return text;
}

// A 12-byte octet-string whose every field is in range (or "not specified") is how clocks and
// profile buffers carry date-times: shown as one too, as other DLMS trace tools do.
std::optional<cosem::DateTime> plausible_date_time(const Bytes& bytes) {
  if (bytes.size() != cosem::DateTime::kEncodedSize) return std::nullopt;
  auto decoded = cosem::DateTime::decode(bytes);
  if (!decoded) return std::nullopt;
  const auto in = [](std::uint8_t value, int low, int high, std::initializer_list<int> special) {
    if (value >= low && value <= high) return true;
    for (const int allowed : special) {
      if (value == allowed) return true;
    }
    return false;
  };
  const auto& date = decoded->date;
  const auto& time = decoded->time;
  const bool fields = in(date.month, 1, 12, {0xFD, 0xFE, 0xFF}) &&
                      in(date.day, 1, 31, {0xFD, 0xFE, 0xFF}) &&
                      in(date.day_of_week, 1, 7, {0xFF}) && in(time.hour, 0, 23, {0xFF}) &&
                      in(time.minute, 0, 59, {0xFF}) && in(time.second, 0, 59, {0xFF}) &&
                      in(time.hundredths, 0, 99, {0xFF});
  const bool deviation = decoded->deviation == cosem::kDeviationNotSpecified ||
                         (decoded->deviation >= -720 && decoded->deviation <= 720);
  if (!fields || !deviation) return std::nullopt;
  return *decoded;
}

std::string octets_text(const Bytes& bytes) {
  std::string text = to_hex(bytes);
  const std::string_view ascii(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (!bytes.empty() && is_printable(ascii)) {
    text += " " + quoted(ascii);
  } else if (const auto date_time = plausible_date_time(bytes)) {
    text += " (" + date_time->to_iso8601() + ")";
  }
  return text;
}

void print(const Data& data, PrintLayout layout, int indent, std::string& out);

void print_list(const Data& data, PrintLayout layout, int indent, std::string& out) {
  const DataList& elements = *data.as_list();
  out += std::string(to_string(data.type())) + "[" + std::to_string(elements.size()) + "]{";
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (layout == PrintLayout::indented) {
      out += "\n" + std::string(static_cast<std::size_t>(indent + 2), ' ');
    } else if (i != 0) {
      out += ", ";
    }
    print(elements[i], layout, indent + 2, out);
  }
  if (layout == PrintLayout::indented && !elements.empty()) {
    out += "\n" + std::string(static_cast<std::size_t>(indent), ' ');
  }
  out += "}";
}

void print(const Data& data, PrintLayout layout, int indent, std::string& out) {
  const std::string name(to_string(data.type()));
  switch (data.type()) {
    case DataType::null_data:
      out += "null";
      return;
    case DataType::dont_care:
      out += "dont-care";
      return;
    case DataType::boolean:
      out += *data.as_bool() ? "true" : "false";
      return;
    case DataType::array:
    case DataType::structure:
      print_list(data, layout, indent, out);
      return;
    default:
      break;
  }
  out += name + " ";
  const auto render = Overloaded{
      [](std::monostate) { return std::string(); },
      [](bool value) { return std::string(value ? "true" : "false"); },
      [](std::int64_t value) { return std::to_string(value); },
      [&data](std::uint64_t value) {
        if (data.type() != DataType::bcd) return std::to_string(value);
        char hex[8];
        std::snprintf(hex, sizeof hex, "%02X", static_cast<unsigned>(value & 0xFF));
        return std::string(hex);
      },
      [](double value) { return format_float(value); },
      [](const Bytes& value) { return octets_text(value); },
      [](const std::string& value) { return quoted(value); },
      [](const BitString& value) { return bits_text(value); },
      [](const DataList&) { return std::string(); },
      [](const CompactArray& value) {
        return "(type " + to_hex(value.type_description) + ", " +
               std::to_string(value.contents.size()) + " content bytes)";
      },
      [](const cosem::DateTime& value) { return value.to_iso8601(); },
      [](const cosem::Date& value) { return value.to_string(); },
      [](const cosem::Time& value) { return value.to_string(); },
  };
  out += std::visit(render, data.value());
}

}  // namespace

std::string to_string(const Data& data, PrintLayout layout) {
  std::string out;
  print(data, layout, 0, out);
  return out;
}

}  // namespace dlmsgw::axdr
