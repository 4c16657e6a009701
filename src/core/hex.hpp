#pragma once
// Hex text <-> bytes, for vectors in tests, keys in configuration and traces in logs.

#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/expected.hpp"

namespace dlmsgw {

// "7E A0 07" style: upper-case pairs joined by `separator` (no separator when it is '\0').
std::string to_hex(ByteView data, char separator = ' ');

// "0x7E": one byte as a C-style literal, for error messages about tags and flags.
std::string to_hex_literal(std::uint8_t byte);

// Accepts pairs of hex digits, ignoring spaces, tabs, newlines, ':' and '-' between pairs, and an
// optional leading "0x". Errors name the offending character and its position.
Expected<Bytes> parse_hex(std::string_view text);

}  // namespace dlmsgw
