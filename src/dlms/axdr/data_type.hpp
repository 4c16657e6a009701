#pragma once
// The A-XDR data type tags of the COSEM "Data" CHOICE (Blue Book 4.1.5, Green Book 9.5).

#include <cstdint>
#include <optional>
#include <string_view>

namespace dlmsgw::axdr {

enum class DataType : std::uint8_t {
  null_data = 0,
  array = 1,
  structure = 2,
  boolean = 3,
  bit_string = 4,
  double_long = 5,           // int32
  double_long_unsigned = 6,  // uint32
  octet_string = 9,
  visible_string = 10,
  utf8_string = 12,
  bcd = 13,               // one byte of two BCD digits
  integer = 15,           // int8
  long_integer = 16,      // int16 ("long" in the Blue Book)
  unsigned_integer = 17,  // uint8 ("unsigned")
  long_unsigned = 18,     // uint16
  compact_array = 19,
  long64 = 20,
  long64_unsigned = 21,
  enumerated = 22,  // uint8 ("enum")
  float32 = 23,
  float64 = 24,
  date_time = 25,  // 12 octets, no length
  date = 26,       // 5 octets
  time = 27,       // 4 octets
  dont_care = 255,
};

// The tag if `tag` is a known type.
std::optional<DataType> data_type_from_tag(std::uint8_t tag);
// The Blue Book name: "long-unsigned", "double-long", "octet-string", ...
std::string_view to_string(DataType type);

bool is_signed_integer_type(DataType type);
bool is_unsigned_integer_type(DataType type);  // includes enum and bcd
// Encoded size of the fixed-size types (0 for null, -1 for variable-length ones).
int fixed_size(DataType type);

}  // namespace dlmsgw::axdr
