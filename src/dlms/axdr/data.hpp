#pragma once
// Data: one value of the COSEM Data CHOICE, as a meter sends it. The A-XDR type is kept alongside
// the value so that a value read can be written back unchanged and printed as the meter typed it.
// Integers stay integers (scaling happens at publish time, see cosem/scaled_value.hpp).

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/expected.hpp"
#include "dlms/axdr/data_type.hpp"
#include "dlms/cosem/date_time.hpp"

namespace dlmsgw::axdr {

struct BitString {
  Bytes bits;                   // first bit in the most significant bit of bits[0]
  std::uint32_t bit_count = 0;  // bits.size() == (bit_count + 7) / 8
  bool operator==(const BitString&) const = default;
};

// Compact array (tag 19) kept as its raw type description and contents: enough to carry and print
// it; expand() turns it into an ordinary array when the description is understood.
struct CompactArray {
  Bytes type_description;
  Bytes contents;
  bool operator==(const CompactArray&) const = default;
};

class Data;
using DataList = std::vector<Data>;

class Data {
 public:
  using Value =
      std::variant<std::monostate, bool, std::int64_t, std::uint64_t, double, Bytes, std::string,
                   BitString, DataList, CompactArray, cosem::DateTime, cosem::Date, cosem::Time>;

  Data() = default;  // null-data

  static Data null() { return Data(); }
  static Data dont_care() { return Data(DataType::dont_care, std::monostate{}); }
  static Data boolean(bool value) { return Data(DataType::boolean, value); }
  static Data integer(std::int8_t value) { return Data(DataType::integer, std::int64_t{value}); }
  static Data long_integer(std::int16_t value) {
    return Data(DataType::long_integer, std::int64_t{value});
  }
  static Data double_long(std::int32_t value) {
    return Data(DataType::double_long, std::int64_t{value});
  }
  static Data long64(std::int64_t value) { return Data(DataType::long64, value); }
  static Data unsigned_integer(std::uint8_t value) {
    return Data(DataType::unsigned_integer, std::uint64_t{value});
  }
  static Data long_unsigned(std::uint16_t value) {
    return Data(DataType::long_unsigned, std::uint64_t{value});
  }
  static Data double_long_unsigned(std::uint32_t value) {
    return Data(DataType::double_long_unsigned, std::uint64_t{value});
  }
  static Data long64_unsigned(std::uint64_t value) {
    return Data(DataType::long64_unsigned, value);
  }
  static Data enumerated(std::uint8_t value) {
    return Data(DataType::enumerated, std::uint64_t{value});
  }
  static Data bcd(std::uint8_t value) { return Data(DataType::bcd, std::uint64_t{value}); }
  static Data float32(float value) { return Data(DataType::float32, static_cast<double>(value)); }
  static Data float64(double value) { return Data(DataType::float64, value); }
  static Data octet_string(Bytes value) { return Data(DataType::octet_string, std::move(value)); }
  static Data visible_string(std::string value) {
    return Data(DataType::visible_string, std::move(value));
  }
  static Data utf8_string(std::string value) {
    return Data(DataType::utf8_string, std::move(value));
  }
  static Data bit_string(BitString value) { return Data(DataType::bit_string, std::move(value)); }
  static Data array(DataList elements) { return Data(DataType::array, std::move(elements)); }
  static Data structure(DataList elements) {
    return Data(DataType::structure, std::move(elements));
  }
  static Data compact_array(CompactArray value) {
    return Data(DataType::compact_array, std::move(value));
  }
  static Data date_time(const cosem::DateTime& value) { return Data(DataType::date_time, value); }
  static Data date(const cosem::Date& value) { return Data(DataType::date, value); }
  static Data time(const cosem::Time& value) { return Data(DataType::time, value); }

  [[nodiscard]] DataType type() const { return type_; }
  [[nodiscard]] const Value& value() const { return value_; }
  [[nodiscard]] bool is_null() const { return type_ == DataType::null_data; }

  // Typed access; each returns nullptr when the value is of another kind.
  [[nodiscard]] const bool* as_bool() const { return std::get_if<bool>(&value_); }
  [[nodiscard]] const std::int64_t* as_signed() const { return std::get_if<std::int64_t>(&value_); }
  [[nodiscard]] const std::uint64_t* as_unsigned() const {
    return std::get_if<std::uint64_t>(&value_);
  }
  [[nodiscard]] const double* as_float() const { return std::get_if<double>(&value_); }
  [[nodiscard]] const Bytes* as_bytes() const { return std::get_if<Bytes>(&value_); }
  [[nodiscard]] const std::string* as_text() const { return std::get_if<std::string>(&value_); }
  [[nodiscard]] const BitString* as_bit_string() const { return std::get_if<BitString>(&value_); }
  [[nodiscard]] const DataList* as_list() const { return std::get_if<DataList>(&value_); }
  [[nodiscard]] const CompactArray* as_compact_array() const {
    return std::get_if<CompactArray>(&value_);
  }
  [[nodiscard]] const cosem::DateTime* as_date_time() const {
    return std::get_if<cosem::DateTime>(&value_);
  }
  [[nodiscard]] const cosem::Date* as_date() const { return std::get_if<cosem::Date>(&value_); }
  [[nodiscard]] const cosem::Time* as_time() const { return std::get_if<cosem::Time>(&value_); }

  // Any integer type (signed, unsigned, enum, bcd as its raw byte) as int64, if it fits.
  [[nodiscard]] Expected<std::int64_t> to_int64() const;
  // A date-time carried either as the date-time type or as a 12-byte octet-string (what clocks
  // send).
  [[nodiscard]] Expected<cosem::DateTime> to_date_time() const;

  bool operator==(const Data&) const = default;

 private:
  Data(DataType type, Value value) : type_(type), value_(std::move(value)) {}

  DataType type_ = DataType::null_data;
  Value value_;
};

}  // namespace dlmsgw::axdr
