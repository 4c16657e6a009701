#include "core/hex.hpp"

#include <optional>

namespace dlmsgw {
namespace {

std::optional<std::uint8_t> hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<std::uint8_t>(c - 'A' + 10);
  return std::nullopt;
}

bool is_hex_separator(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':' || c == '-';
}

}  // namespace

std::string to_hex(ByteView data, char separator) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string text;
  text.reserve(data.size() * 3);
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (i != 0 && separator != '\0') text.push_back(separator);
    text.push_back(kDigits[data[i] >> 4]);
    text.push_back(kDigits[data[i] & 0x0F]);
  }
  return text;
}

std::string to_hex_literal(std::uint8_t byte) {
  return "0x" + to_hex(ByteView(&byte, 1));
}

Expected<Bytes> parse_hex(std::string_view text) {
  if (text.starts_with("0x") || text.starts_with("0X")) text.remove_prefix(2);
  Bytes bytes;
  int high = -1;  // the first digit of a pair, -1 between pairs
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (is_hex_separator(c)) {
      if (high >= 0) {
        return make_error(ErrorCode::malformed,
                          "hex: separator splits a byte at position " + std::to_string(i));
      }
      continue;
    }
    const auto digit = hex_digit_value(c);
    if (!digit) {
      return make_error(ErrorCode::malformed, "hex: '" + std::string(1, c) + "' at position " +
                                                  std::to_string(i) + " is not a hex digit");
    }
    if (high >= 0) {
      bytes.push_back(static_cast<std::uint8_t>((high << 4) | *digit));
      high = -1;
    } else {
      high = *digit;
    }
  }
  if (high >= 0)
    return make_error(ErrorCode::malformed, "hex: odd number of digits (a byte is two digits)");
  return bytes;
}

}  // namespace dlmsgw
