#include "dlms/obis/obis_code.hpp"

#include <cctype>
#include <vector>

#include "core/hex.hpp"

namespace dlmsgw {
namespace {

constexpr std::string_view kNotationHint =
    "expected A-B:C.D.E[*F] (e.g. 1-1:32.7.0), A.B.C.D.E.F (e.g. 1.1.32.7.0.255) or 12 hex digits";

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

Error notation_error(std::string_view text, std::string_view fault) {
  return make_error(ErrorCode::malformed, "OBIS code '" + std::string(text) +
                                              "': " + std::string(fault) + "; " +
                                              std::string(kNotationHint));
}

// Splits "1-1:32.7.0*255" into its numbers and the separators between them.
struct Tokens {
  std::vector<unsigned> numbers;
  std::string separators;
};

Expected<Tokens> tokenize(std::string_view text) {
  Tokens tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
      return notation_error(text, "'" + std::string(1, text[i]) + "' at position " +
                                      std::to_string(i) + " where a number was expected");
    }
    unsigned value = 0;
    std::size_t digits = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      value = value * 10 + static_cast<unsigned>(text[i] - '0');
      ++i;
      if (++digits > 3)
        return notation_error(
            text, "group " + std::to_string(tokens.numbers.size() + 1) + " has more than 3 digits");
    }
    if (value > 255) {
      return notation_error(text, "group " + std::to_string(tokens.numbers.size() + 1) + " is " +
                                      std::to_string(value) + ", above 255");
    }
    tokens.numbers.push_back(value);
    if (i == text.size()) break;
    tokens.separators.push_back(text[i]);
    ++i;
    if (i == text.size()) return notation_error(text, "ends with a separator");
  }
  return tokens;
}

bool looks_like_hex(std::string_view text) {
  if (text.starts_with("0x") || text.starts_with("0X")) return true;
  std::size_t hex_digits = 0;
  for (const char c : text) {
    if (std::isxdigit(static_cast<unsigned char>(c))) {
      ++hex_digits;
    } else if (c != ' ') {
      return false;
    }
  }
  return hex_digits == 12;
}

}  // namespace

Expected<ObisCode> ObisCode::from_bytes(ByteView bytes) {
  if (bytes.size() != 6) {
    return make_error(ErrorCode::malformed,
                      "OBIS code must be 6 bytes, got " + std::to_string(bytes.size()));
  }
  return ObisCode(bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5]);
}

Expected<ObisCode> ObisCode::parse(std::string_view raw_text) {
  const std::string_view text = trim(raw_text);
  if (text.empty()) return notation_error(text, "empty");
  if (looks_like_hex(text)) {
    auto bytes = parse_hex(text);
    if (!bytes) return notation_error(text, bytes.error().message);
    return from_bytes(*bytes);
  }
  DLMSGW_TRY_ASSIGN(const Tokens tokens, tokenize(text));
  const auto& n = tokens.numbers;
  const auto group = [&](std::size_t index) { return static_cast<std::uint8_t>(n[index]); };
  const std::string& s = tokens.separators;
  if (s == "-:.." || s == "-:..*" || s == "-:...") {
    return ObisCode(group(0), group(1), group(2), group(3), group(4),
                    n.size() == 6 ? group(5) : 255);
  }
  if (s == ".....") return ObisCode(group(0), group(1), group(2), group(3), group(4), group(5));
  if (n.size() < 5)
    return notation_error(text, "has " + std::to_string(n.size()) + " groups, needs 5 or 6");
  return notation_error(text, "separators '" + s + "' match no notation");
}

std::string ObisCode::to_string(ObisNotation notation) const {
  const auto num = [this](std::size_t index) { return std::to_string(groups_[index]); };
  switch (notation) {
    case ObisNotation::dotted:
      return num(0) + "." + num(1) + "." + num(2) + "." + num(3) + "." + num(4) + "." + num(5);
    case ObisNotation::hex:
      return to_hex(groups_, '\0');
    case ObisNotation::full:
    case ObisNotation::reduced: {
      std::string text = num(0) + "-" + num(1) + ":" + num(2) + "." + num(3) + "." + num(4);
      if (notation == ObisNotation::full || groups_[5] != 255) text += "*" + num(5);
      return text;
    }
  }
  return {};
}

}  // namespace dlmsgw
