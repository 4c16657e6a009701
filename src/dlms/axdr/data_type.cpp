#include "dlms/axdr/data_type.hpp"

namespace dlmsgw::axdr {

std::optional<DataType> data_type_from_tag(std::uint8_t tag) {
  switch (tag) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
    case 9:
    case 10:
    case 12:
    case 13:
    case 15:
    case 16:
    case 17:
    case 18:
    case 19:
    case 20:
    case 21:
    case 22:
    case 23:
    case 24:
    case 25:
    case 26:
    case 27:
    case 255:
      return static_cast<DataType>(tag);
    default:
      return std::nullopt;
  }
}

std::string_view to_string(DataType type) {
  switch (type) {
    case DataType::null_data:
      return "null-data";
    case DataType::array:
      return "array";
    case DataType::structure:
      return "structure";
    case DataType::boolean:
      return "boolean";
    case DataType::bit_string:
      return "bit-string";
    case DataType::double_long:
      return "double-long";
    case DataType::double_long_unsigned:
      return "double-long-unsigned";
    case DataType::octet_string:
      return "octet-string";
    case DataType::visible_string:
      return "visible-string";
    case DataType::utf8_string:
      return "utf8-string";
    case DataType::bcd:
      return "bcd";
    case DataType::integer:
      return "integer";
    case DataType::long_integer:
      return "long";
    case DataType::unsigned_integer:
      return "unsigned";
    case DataType::long_unsigned:
      return "long-unsigned";
    case DataType::compact_array:
      return "compact-array";
    case DataType::long64:
      return "long64";
    case DataType::long64_unsigned:
      return "long64-unsigned";
    case DataType::enumerated:
      return "enum";
    case DataType::float32:
      return "float32";
    case DataType::float64:
      return "float64";
    case DataType::date_time:
      return "date-time";
    case DataType::date:
      return "date";
    case DataType::time:
      return "time";
    case DataType::dont_care:
      return "dont-care";
  }
  return "unknown";
}

bool is_signed_integer_type(DataType type) {
  return type == DataType::integer || type == DataType::long_integer ||
         type == DataType::double_long || type == DataType::long64;
}

bool is_unsigned_integer_type(DataType type) {
  return type == DataType::unsigned_integer || type == DataType::long_unsigned ||
         type == DataType::double_long_unsigned || type == DataType::long64_unsigned ||
         type == DataType::enumerated || type == DataType::bcd;
}

int fixed_size(DataType type) {
  switch (type) {
    case DataType::null_data:
    case DataType::dont_care:
      return 0;
    case DataType::boolean:
    case DataType::bcd:
    case DataType::integer:
    case DataType::unsigned_integer:
    case DataType::enumerated:
      return 1;
    case DataType::long_integer:
    case DataType::long_unsigned:
      return 2;
    case DataType::double_long:
    case DataType::double_long_unsigned:
    case DataType::float32:
    case DataType::time:
      return 4;
    case DataType::date:
      return 5;
    case DataType::long64:
    case DataType::long64_unsigned:
    case DataType::float64:
      return 8;
    case DataType::date_time:
      return 12;
    default:
      return -1;
  }
}

}  // namespace dlmsgw::axdr
