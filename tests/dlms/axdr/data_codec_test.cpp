#include "dlms/axdr/data_codec.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "core/hex.hpp"
#include "dlms/axdr/axdr_length.hpp"
#include "dlms/axdr/data_printer.hpp"
#include "support/hex_bytes.hpp"

namespace dlmsgw::axdr {
namespace {

using ::dlmsgw::test::hex;

// Public trace: the Get-Response-Normal in bearxiong99/AMI_FEP
// Test/src/decode/TestChannelDecode5.java (a Hexing head-end's test), "C4 01 41 00" followed by
// this Data: an array of three load-profile entries, each a structure of a 12-byte date-time
// octet-string and two double-long-unsigned counters.
constexpr std::string_view kHexingProfileBuffer =
    "01 03"
    " 02 03 09 0C 07 D9 0A 01 01 00 00 00 FF 80 00 00 06 00 00 00 01 06 00 00 00 03"
    " 02 03 09 0C 07 D9 0A 01 01 0C 00 00 FF 80 00 00 06 00 00 00 02 06 00 00 00 03"
    " 02 03 09 0C 07 D9 0A 02 02 00 00 00 FF 80 00 00 06 00 00 00 03 06 00 00 00 03";

TEST(AxdrDecode, PublicProfileBufferTrace) {
  const Bytes bytes = hex(kHexingProfileBuffer);
  auto data = decode_single_data(bytes);
  ASSERT_TRUE(data) << data.error().message;
  ASSERT_EQ(data->type(), DataType::array);
  const DataList& entries = *data->as_list();
  ASSERT_EQ(entries.size(), 3u);
  const DataList& second = *entries[1].as_list();
  ASSERT_EQ(second.size(), 3u);
  auto when = second[0].to_date_time();
  ASSERT_TRUE(when);
  EXPECT_EQ(when->date, (cosem::Date{2009, 10, 1, 1}));
  EXPECT_EQ(when->time, (cosem::Time{12, 0, 0, 0xFF}));
  EXPECT_EQ(when->deviation, cosem::kDeviationNotSpecified);
  EXPECT_EQ(second[1], Data::double_long_unsigned(2));
  EXPECT_EQ(second[2], Data::double_long_unsigned(3));
  EXPECT_EQ(encode_data(*data), bytes);
}

// Blue Book class 3: scaler_unit is structure{integer scaler, enum unit}. The user's meter reports
// voltage with scaler -2 in V (unit 35): 02 02 0F FE 16 23.
TEST(AxdrDecode, ScalerUnitStructure) {
  const Bytes bytes = hex("02 02 0F FE 16 23");
  auto data = decode_single_data(bytes);
  ASSERT_TRUE(data);
  EXPECT_EQ(*data, Data::structure({Data::integer(-2), Data::enumerated(35)}));
  EXPECT_EQ(to_string(*data), "structure[2]{integer -2, enum 35}");
}

struct ScalarCase {
  std::string_view hex;
  Data expected;
  std::string_view printed;
};

// Names each case after its expected text, so CTest lists stable, readable test names.
void PrintTo(const ScalarCase& c, std::ostream* out) {
  *out << c.printed;
}

class AxdrScalar : public ::testing::TestWithParam<ScalarCase> {};

TEST_P(AxdrScalar, DecodesEncodesAndPrints) {
  const ScalarCase& c = GetParam();
  const Bytes bytes = hex(c.hex);
  auto data = decode_single_data(bytes);
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_EQ(*data, c.expected);
  EXPECT_EQ(encode_data(c.expected), bytes);
  EXPECT_EQ(to_string(*data), c.printed);
}

// Encodings follow the Green Book's A-XDR rules (fixed-size big-endian integers, length-prefixed
// strings).
INSTANTIATE_TEST_SUITE_P(
    AllTypes, AxdrScalar,
    ::testing::Values(
        ScalarCase{"00", Data::null(), "null"}, ScalarCase{"FF", Data::dont_care(), "dont-care"},
        ScalarCase{"03 FF", Data::boolean(true), "true"},
        ScalarCase{"03 00", Data::boolean(false), "false"},
        ScalarCase{"0F 80", Data::integer(-128), "integer -128"},
        ScalarCase{"10 FF FE", Data::long_integer(-2), "long -2"},
        ScalarCase{"05 FF FF FF FF", Data::double_long(-1), "double-long -1"},
        ScalarCase{"14 80 00 00 00 00 00 00 00",
                   Data::long64(std::numeric_limits<std::int64_t>::min()),
                   "long64 -9223372036854775808"},
        ScalarCase{"11 FF", Data::unsigned_integer(255), "unsigned 255"},
        ScalarCase{"12 34 BC", Data::long_unsigned(13500), "long-unsigned 13500"},
        ScalarCase{"06 00 01 86 A0", Data::double_long_unsigned(100000),
                   "double-long-unsigned 100000"},
        ScalarCase{"15 FF FF FF FF FF FF FF FF",
                   Data::long64_unsigned(std::numeric_limits<std::uint64_t>::max()),
                   "long64-unsigned 18446744073709551615"},
        ScalarCase{"16 23", Data::enumerated(35), "enum 35"},
        ScalarCase{"0D 42", Data::bcd(0x42), "bcd 42"},
        ScalarCase{"17 3F C0 00 00", Data::float32(1.5F), "float32 1.5"},
        ScalarCase{"18 40 09 21 FB 54 44 2D 18", Data::float64(3.141592653589793),
                   "float64 3.14159265"},
        ScalarCase{"09 03 41 42 22", Data::octet_string({0x41, 0x42, 0x22}),
                   "octet-string 41 42 22 \"AB\\\"\""},
        ScalarCase{"09 02 00 7E", Data::octet_string({0x00, 0x7E}), "octet-string 00 7E"},
        // A clock or profile buffer time: also shown as the date-time it holds.
        ScalarCase{"09 0C 07 EA 0B 18 02 0E 1B 22 00 FF C4 00",
                   Data::octet_string({0x07, 0xEA, 0x0B, 0x18, 0x02, 0x0E, 0x1B, 0x22, 0x00, 0xFF,
                                       0xC4, 0x00}),
                   "octet-string 07 EA 0B 18 02 0E 1B 22 00 FF C4 00 (2026-11-24T14:27:34+01:00)"},
        // 12 bytes that are no date-time (month 0x2A): bytes only.
        ScalarCase{"09 0C 07 EA 2A 18 02 0E 1B 22 00 FF C4 00",
                   Data::octet_string({0x07, 0xEA, 0x2A, 0x18, 0x02, 0x0E, 0x1B, 0x22, 0x00, 0xFF,
                                       0xC4, 0x00}),
                   "octet-string 07 EA 2A 18 02 0E 1B 22 00 FF C4 00"},
        ScalarCase{"0A 05 68 65 6C 6C 6F", Data::visible_string("hello"),
                   "visible-string \"hello\""},
        ScalarCase{"0C 02 C3 A9", Data::utf8_string("\xC3\xA9"), "utf8-string \"\xC3\xA9\""},
        ScalarCase{"04 0A B5 C0", Data::bit_string({{0xB5, 0xC0}, 10}), "bit-string 1011010111"},
        ScalarCase{"19 07 EA 0B 18 02 0E 1B 22 00 FF C4 00",
                   Data::date_time({{2026, 11, 24, 2}, {14, 27, 34, 0}, -60, 0}),
                   "date-time 2026-11-24T14:27:34+01:00"},
        ScalarCase{"1A 07 EA 0B 18 FF", Data::date({2026, 11, 24, 0xFF}), "date 2026-11-24"},
        ScalarCase{"1B 0E 1B FF FF", Data::time({14, 27, 0xFF, 0xFF}), "time 14:27:*"},
        ScalarCase{"01 00", Data::array({}), "array[0]{}"}));

TEST(AxdrDecode, CompactArrayIsCarriedOpaque) {
  // compact-array of structure{long-unsigned, double-long}: type description 02 02 12 05, then 12
  // content bytes holding two entries (Blue Book 4.1.5 compact-array layout; built by hand).
  const Bytes bytes = hex("13 02 02 12 05 0C 00 01 00 00 00 02 00 03 00 00 00 04");
  auto data = decode_single_data(bytes);
  ASSERT_TRUE(data) << data.error().message;
  const CompactArray* compact = data->as_compact_array();
  ASSERT_NE(compact, nullptr);
  EXPECT_EQ(compact->type_description, hex("02 02 12 05"));
  EXPECT_EQ(compact->contents.size(), 12u);
  EXPECT_EQ(encode_data(*data), bytes);
  EXPECT_EQ(to_string(*data), "compact-array (type 02 02 12 05, 12 content bytes)");
  // An array description inside: 01 00 02 11 = array of 2 unsigned.
  EXPECT_TRUE(decode_single_data(hex("13 01 00 02 11 02 05 06")));
  EXPECT_FALSE(decode_single_data(hex("13 13 00")));     // compact-array inside a description
  EXPECT_FALSE(decode_single_data(hex("13 02 05 11")));  // structure of 5 types, 1 given
  EXPECT_FALSE(decode_single_data(hex("13 07 00")));     // unknown type in the description
}

TEST(AxdrDecode, LongLengthForms) {
  // 200-byte octet-string: length in the 0x81 form.
  Bytes bytes = hex("09 81 C8");
  bytes.resize(bytes.size() + 200, 0x7E);
  auto data = decode_single_data(bytes);
  ASSERT_TRUE(data);
  EXPECT_EQ(data->as_bytes()->size(), 200u);
  EXPECT_EQ(encode_data(*data), bytes);
  // 0x82 form with a short value is accepted (meters do send non-minimal lengths).
  EXPECT_EQ(*decode_single_data(hex("09 82 00 01 AA")), Data::octet_string({0xAA}));
}

TEST(AxdrLength, EncodesMinimalForms) {
  const auto encoded = [](std::uint32_t length) {
    ByteWriter writer;
    encode_length(writer, length);
    return writer.take();
  };
  EXPECT_EQ(encoded(0x7F), hex("7F"));
  EXPECT_EQ(encoded(0x80), hex("81 80"));
  EXPECT_EQ(encoded(0x1234), hex("82 12 34"));
  EXPECT_EQ(encoded(0x123456), hex("83 12 34 56"));
  EXPECT_EQ(encoded(0xFFFFFFFF), hex("84 FF FF FF FF"));
  for (const std::uint32_t length :
       {0u, 1u, 127u, 128u, 255u, 256u, 65535u, 65536u, 0xFFFFFFu, 0x1000000u}) {
    const Bytes bytes = encoded(length);
    ByteReader reader(bytes);
    EXPECT_EQ(*decode_length(reader), length);
    EXPECT_TRUE(reader.empty());
  }
}

TEST(AxdrErrors, NameTheFault) {
  auto unknown = decode_single_data(hex("07 00"));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::malformed);
  EXPECT_EQ(unknown.error().message, "unknown data type tag 7 at offset 1");

  auto truncated = decode_single_data(hex("12 34"));
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, ErrorCode::truncated);
  EXPECT_NE(truncated.error().message.find("long-unsigned"), std::string::npos);

  auto element = decode_single_data(hex("02 02 11 05 12 00"));
  ASSERT_FALSE(element);
  EXPECT_EQ(element.error().message.substr(0, 20), "structure element 1:");

  auto trailing = decode_single_data(hex("11 05 00"));
  ASSERT_FALSE(trailing);
  EXPECT_NE(trailing.error().message.find("1 unexpected byte"), std::string::npos);

  EXPECT_FALSE(decode_single_data(hex("09 85 00 00 00 00 01 AA")));  // 5 length bytes
  EXPECT_NE(decode_single_data(hex("09 80")).error().message.find("indefinite"), std::string::npos);
  EXPECT_FALSE(decode_single_data(hex("09 84 FF FF FF FF 00")));  // length beyond the input
  EXPECT_FALSE(decode_single_data(hex("04 10 FF")));              // 16 bits, one byte given
  EXPECT_FALSE(decode_single_data(hex("19 07 EA")));              // short date-time
  EXPECT_FALSE(decode_single_data(hex("1A 07")));
  EXPECT_FALSE(decode_single_data(hex("1B 07")));
  EXPECT_FALSE(decode_single_data(hex("0A 03 41")));
  EXPECT_FALSE(decode_single_data(hex("")));
}

TEST(AxdrErrors, ForgedCountsAllocateNothing) {
  // An array claiming 2^32-1 elements in a 6-byte message must fail at once.
  auto forged = decode_single_data(hex("01 84 FF FF FF FF"));
  ASSERT_FALSE(forged);
  EXPECT_EQ(forged.error().code, ErrorCode::truncated);
  EXPECT_NE(forged.error().message.find("4294967295 elements"), std::string::npos);
}

TEST(AxdrErrors, ValueCountIsBoundedNotJustBytes) {
  // 1,000 null-data in an array: one byte each on the wire, ~64 bytes each in memory.
  Bytes nulls = hex("01 82 03 E8");
  nulls.resize(nulls.size() + 1000, 0x00);
  EXPECT_TRUE(decode_single_data(nulls));
  auto refused = decode_single_data(nulls, DecodeLimits{16, 1000});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::out_of_range);
  EXPECT_NE(refused.error().message.find("more than 1000 values"), std::string::npos);
  EXPECT_TRUE(decode_single_data(nulls, DecodeLimits{16, 1001}));  // the array itself counts too
}

TEST(AxdrErrors, NestingBombIsRefused) {
  // 10,000 nested one-element arrays: bounded by DecodeLimits::max_depth, not by the stack.
  Bytes bomb;
  for (int i = 0; i < 10000; ++i) {
    bomb.push_back(0x01);
    bomb.push_back(0x01);
  }
  bomb.push_back(0x00);
  auto data = decode_single_data(bomb);
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().code, ErrorCode::too_deep);
  // The limit is exact: depth 16 decodes, 17 does not.
  const auto nested = [](int levels) {
    Bytes bytes;
    for (int i = 0; i < levels; ++i) {
      bytes.push_back(0x02);
      bytes.push_back(0x01);
    }
    bytes.push_back(0x00);
    return bytes;
  };
  EXPECT_TRUE(decode_single_data(nested(16)));
  EXPECT_FALSE(decode_single_data(nested(17)));
  EXPECT_TRUE(decode_single_data(nested(17), DecodeLimits{32}));
}

TEST(AxdrData, IntegerAndDateTimeAccessors) {
  EXPECT_EQ(*Data::long_unsigned(13500).to_int64(), 13500);
  EXPECT_EQ(*Data::integer(-2).to_int64(), -2);
  EXPECT_FALSE(Data::long64_unsigned(std::numeric_limits<std::uint64_t>::max()).to_int64());
  EXPECT_FALSE(Data::visible_string("x").to_int64());
  EXPECT_FALSE(Data::octet_string({1, 2}).to_date_time());
  EXPECT_FALSE(Data::long_unsigned(1).to_date_time());
  EXPECT_TRUE(Data::date_time({}).to_date_time());
}

TEST(AxdrPrinter, IndentedLayoutPutsOneElementPerLine) {
  const Data data = Data::structure({Data::long_unsigned(1), Data::array({Data::integer(2)})});
  EXPECT_EQ(to_string(data, PrintLayout::indented),
            "structure[2]{\n  long-unsigned 1\n  array[1]{\n    integer 2\n  }\n}");
  EXPECT_EQ(to_string(Data::visible_string("a\x01")), "visible-string \"a\\x01\"");
}

}  // namespace
}  // namespace dlmsgw::axdr
