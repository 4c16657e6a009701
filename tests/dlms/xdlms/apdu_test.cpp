#include "dlms/xdlms/apdu.hpp"

#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "dlms/xdlms/apdu_printer.hpp"
#include "support/hex_bytes.hpp"

namespace dlmsgw::xdlms {
namespace {

using ::dlmsgw::test::hex;

Apdu decode_apdu_ok(std::string_view text) {
  auto apdu = decode_apdu(hex(text));
  EXPECT_TRUE(apdu) << text << ": " << apdu.error().message;
  return apdu ? *apdu : Apdu(ExceptionResponse{});
}

// Every vector of the service tests, through the dispatcher: the right alternative, and encoding
// it gives the bytes back.
TEST(DecodeApdu, DispatchesEveryServiceAndReEncodes) {
  const std::vector<std::pair<std::string_view, std::size_t>> vectors = {
      {"C0 01 C1 00 03 01 01 20 07 00 FF 02 00", 0},
      {"C0 02 C1 00 00 00 01", 1},
      {"C0 03 C1 02 00 01 00 00 2A 00 00 FF 02 00 00 08 00 00 01 00 00 FF 02 00", 2},
      {"C4 01 C1 00 12 34 BC", 3},
      {"C4 02 C1 01 00 00 00 13 01 01", 4},
      {"C4 03 C3 02 00 12 34 BC 01 04", 5},
      {"C1 01 C1 00 08 00 00 01 00 00 FF 02 00 09 0C 07 E5 01 18 FF 0E 30 39 50 FF C4 00", 6},
      {"C1 02 C1 00 01 00 00 80 00 00 FF 02 00 00 00 00 00 01 02 09 00", 7},
      {"C1 03 C1 01 00 00 00 02 03 AA BB CC", 8},
      {"C1 04 C4 01 00 47 00 00 11 00 00 FF 03 00 01 06 00 00 13 88", 9},
      {"C5 01 C1 00", 10},
      {"C5 02 C1 00 00 00 01", 11},
      {"C5 03 C1 00 00 00 00 02", 12},
      {"C5 05 C1 02 00 0C", 13},
      {"C3 01 C1 00 46 00 00 60 03 0A FF 01 01 0F 00", 14},
      {"C3 04 C1 00 46 00 00 60 03 0A FF 01 00 00 00 00 01 01 0F", 15},
      {"C3 06 C1 01 00 00 00 02 01 00", 16},
      {"C7 01 C0 00 01 01 FA", 17},
      {"C7 04 C0 00 00 00 01", 18},
      {"D8 01 02", 19},
      {"0E 01 06 01", 20},
  };
  for (const auto& [text, index] : vectors) {
    const Apdu apdu = decode_apdu_ok(text);
    EXPECT_EQ(apdu.index(), index) << text;
    EXPECT_EQ(to_hex(encode_apdu(apdu)), to_hex(hex(text)));
  }
}

TEST(DecodeApdu, RefusesWhatOtherModulesHandle) {
  const auto code_of = [](std::string_view text) { return decode_apdu(hex(text)).error().code; };
  auto aare = decode_apdu(hex("61 29 A1 09 06 07 60 85 74 05 08 01 01"));
  ASSERT_FALSE(aare);
  EXPECT_EQ(aare.error().code, ErrorCode::unsupported);
  EXPECT_EQ(aare.error().message, "aare (0x61) is an ACSE APDU: the acse module decodes it");
  auto ciphered = decode_apdu(hex("CC 10 30 00 00 00 01"));
  ASSERT_FALSE(ciphered);
  EXPECT_EQ(ciphered.error().message,
            "glo-get-response (0xCC) is ciphered: decipher it first (security module)");
  // The Green Book's glo-confirmed-service-error is [46] = 0x2E, the tag the security module
  // ciphers.
  EXPECT_EQ(decode_apdu(hex("2E 10 30 00 00 00 01")).error().message,
            "glo-confirmed-service-error (0x2E) is ciphered: decipher it first (security module)");
  EXPECT_EQ(code_of("DB 08 00"), ErrorCode::unsupported);
  EXPECT_EQ(code_of("21 00"), ErrorCode::unsupported);
  EXPECT_EQ(code_of("D0 00"), ErrorCode::unsupported);
  EXPECT_EQ(code_of("E0 00"), ErrorCode::unsupported);
  EXPECT_EQ(code_of("42"), ErrorCode::unsupported);
  // The list-with-block forms of SET, the list forms of ACTION and its answers in blocks (the
  // with-first-datablock form of dlms-cosem test_set.py's vector decodes: set_test.cpp).
  auto set_block = decode_apdu(hex("C1 05 C1 01 00 01 00 00 80 00 00 FF 02 00 00 00 00 00 01 00"));
  ASSERT_FALSE(set_block);
  EXPECT_EQ(set_block.error().message,
            "set-request (0xC1) choice 5 (list and first datablock) is not supported here");
  EXPECT_TRUE(decode_apdu(hex("C5 02 C1 00 00 00 01")));
  EXPECT_EQ(code_of("C5 04 C1 01 00 00 00 00 01"), ErrorCode::unsupported);
  EXPECT_EQ(code_of("C3 03 C1 00"), ErrorCode::unsupported);
  EXPECT_EQ(code_of("C7 02 C1 00"), ErrorCode::unsupported);
}

TEST(DecodeApdu, RefusesEmptyInputUnknownChoicesAndBadBodies) {
  auto empty = decode_apdu({});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::truncated);
  auto no_choice = decode_apdu(hex("C0"));
  ASSERT_FALSE(no_choice);
  EXPECT_EQ(no_choice.error().code, ErrorCode::truncated);
  for (const auto* text :
       {"C0 04 C1", "C4 00 C1", "C1 06 C1", "C5 06 C1", "C3 07 C1", "C7 05 C1"}) {
    auto apdu = decode_apdu(hex(text));
    ASSERT_FALSE(apdu) << text;
    EXPECT_EQ(apdu.error().code, ErrorCode::malformed) << text;
  }
  auto bad = decode_apdu(hex("C0 04 C1"));
  EXPECT_EQ(bad.error().message, "get-request (0xC0): unknown choice 4");
  auto truncated = decode_apdu(hex("C4 01 C1 00 12 34"));
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, ErrorCode::truncated);
  EXPECT_FALSE(decode_apdu(hex("0E 01 06")));
}

TEST(ApduTagName, NamesTheGreenBookTags) {
  EXPECT_EQ(apdu_tag_name(0xC0), "get-request");
  EXPECT_EQ(apdu_tag_name(0x60), "aarq");
  EXPECT_EQ(apdu_tag_name(0xD8), "exception-response");
  EXPECT_EQ(apdu_tag_name(0x0F), "data-notification");
  EXPECT_EQ(apdu_tag_name(0xFF), "unknown");
  // Green Book xDLMS-APDU CHOICE tags.
  const std::vector<std::pair<std::uint8_t, std::string_view>> names = {
      {0x01, "initiate-request"},
      {0x05, "read-request"},
      {0x06, "write-request"},
      {0x08, "initiate-response"},
      {0x0C, "read-response"},
      {0x0D, "write-response"},
      {0x0E, "confirmed-service-error"},
      {0x21, "glo-initiate-request"},
      {0x28, "glo-initiate-response"},
      {0x2E, "glo-confirmed-service-error"},
      {0x61, "aare"},
      {0x62, "rlrq"},
      {0x63, "rlre"},
      {0xC1, "set-request"},
      {0xC2, "event-notification-request"},
      {0xC3, "action-request"},
      {0xC4, "get-response"},
      {0xC5, "set-response"},
      {0xC7, "action-response"},
      {0xC8, "glo-get-request"},
      {0xC9, "glo-set-request"},
      {0xCA, "glo-event-notification-request"},
      {0xCB, "glo-action-request"},
      {0xCC, "glo-get-response"},
      {0xCD, "glo-set-response"},
      {0xCF, "glo-action-response"},
      {0xD0, "ded-get-request"},
      {0xD1, "ded-set-request"},
      {0xD2, "ded-event-notification-request"},
      {0xD3, "ded-action-request"},
      {0xD4, "ded-get-response"},
      {0xD5, "ded-set-response"},
      {0xD7, "ded-action-response"},
      {0xD9, "access-request"},
      {0xDA, "access-response"},
      {0xDB, "general-glo-ciphering"},
      {0xDC, "general-ded-ciphering"},
      {0xDD, "general-ciphering"},
      {0xDF, "general-signing"},
      {0xE0, "general-block-transfer"}};
  for (const auto& [tag, name] : names) EXPECT_EQ(apdu_tag_name(tag), name) << int{tag};
}

TEST(Describe, UserVoltageRequestAndResponse) {
  EXPECT_EQ(describe(decode_apdu_ok("C0 01 C5 00 03 01 01 20 07 00 FF 02 00")),
            "Get-Request-Normal\n"
            "  invoke id 5, confirmed, high priority (0xC5)\n"
            "  attribute: class 3 1-1:32.7.0 attribute 2");
  EXPECT_EQ(describe(decode_apdu_ok("C4 01 C5 00 12 34 BC")),
            "Get-Response-Normal\n"
            "  invoke id 5, confirmed, high priority (0xC5)\n"
            "  result: long-unsigned 13500");
  EXPECT_EQ(describe(decode_apdu_ok("C4 01 C1 01 04")),
            "Get-Response-Normal\n"
            "  invoke id 1, confirmed, high priority (0xC1)\n"
            "  result: data-access-result object-undefined (4)");
}

TEST(Describe, NestedValuesAreIndentedUnderTheirLabel) {
  const std::string text = describe(decode_apdu_ok("C4 01 C6 00 02 02 0F FE 16 23"));
  EXPECT_NE(text.find("  result: structure[2]{\n"), std::string::npos) << text;
  EXPECT_NE(text.find("integer -2"), std::string::npos) << text;
}

TEST(Describe, EveryAlternative) {
  const auto contains = [](std::string_view apdu_hex, std::vector<std::string> parts) {
    const std::string text = describe(decode_apdu_ok(apdu_hex));
    for (const auto& part : parts) EXPECT_NE(text.find(part), std::string::npos) << text;
  };
  contains("C0 02 C1 00 00 00 01", {"Get-Request-Next", "block number: 1"});
  contains(
      "C0 03 C1 02 00 01 00 00 2A 00 00 FF 02 00 00 07 01 00 63 01 00 FF 02 01 02 02 04 06 00"
      " 00 00 01 06 00 00 00 0A 12 00 01 12 00 00",
      {"Get-Request-With-List", "2 attribute(s)", "attribute 1: class 1 0-0:42.0.0 attribute 2",
       "attribute 2: class 7 1-0:99.1.0 attribute 2", "access 2: entry_descriptor"});
  contains(
      "C0 01 C1 00 07 01 00 63 01 00 FF 02 01 02 02 04 06 00 00 00 01 06 00 00 00 0A 12 00 01"
      " 12 00 00",
      {"access: entry_descriptor"});
  contains("C4 02 C1 00 00 00 00 01 00 03 01 02 7E",
           {"Get-Response-With-Datablock", "block number: 1", "last block: no",
            "raw data: 3 byte(s): 01 02 7E"});
  contains("C4 02 C1 01 00 00 00 13 01 01",
           {"last block: yes", "result: data-access-result hardware-fault (1)"});
  contains("C4 03 C3 02 00 12 34 BC 01 04",
           {"Get-Response-With-List", "2 result(s)", "result 1: long-unsigned 13500",
            "result 2: data-access-result object-undefined (4)"});
  contains(
      "C1 01 C1 00 08 00 00 01 00 00 FF 02 00 09 0C 07 E5 01 18 FF 0E 30 39 50 FF C4 00",
      {"Set-Request-Normal", "attribute: class 8 0-0:1.0.0 attribute 2", "value: octet-string"});
  contains("C1 01 C1 00 07 01 00 63 01 00 FF 02 01 05 11 03 00",
           {"access: access selector 5 unsigned 3", "value: null"});
  contains("C1 04 C4 01 00 47 00 00 11 00 00 FF 03 01 02 11 00 01 06 00 00 13 88",
           {"Set-Request-With-List", "1 attribute(s)", "access 1: entry_descriptor",
            "value 1: double-long-unsigned 5000"});
  contains("C5 01 C1 03", {"Set-Response-Normal", "result: read-write-denied (3)"});
  contains("C5 05 C1 02 00 07",
           {"Set-Response-With-List", "result 1: success (0)", "result 2: unknown (7)"});
  contains(
      "C3 01 C1 00 46 00 00 60 03 0A FF 01 01 0F 00",
      {"Action-Request-Normal", "method: class 70 0-0:96.3.10 method 1", "parameters: integer 0"});
  contains("C3 01 C1 00 46 00 00 60 03 0A FF 02 00", {"parameters: none"});
  contains("C7 01 C1 00 00", {"Action-Response-Normal", "result: success (0)"});
  contains("C7 01 C1 FA 01 00 11 01",
           {"result: other-reason (250)", "return parameters: unsigned 1"});
  contains("C7 01 C1 63 00", {"result: unknown (99)"});
  contains("D8 02 04", {"Exception-Response", "state error: service-unknown (2)",
                        "service error: pdu-too-long (4)"});
  contains("D8 01 06 00 00 00 2A", {"expected invocation counter: 42"});
  contains("D8 09 09", {"state error: unknown (9)"});
  contains("0E 01 06 01",
           {"Confirmed-Service-Error", "initiateError: initiate: dlms-version-too-low (1)"});
}

TEST(Describe, ElidesLongRawData) {
  const GetResponseWithDatablock block{InvokeIdAndPriority(), false, 1, Bytes(100, 0x7E)};
  const std::string text = describe(Apdu(block));
  EXPECT_NE(text.find("raw data: 100 byte(s): 7E"), std::string::npos);
  EXPECT_NE(text.find(" ..."), std::string::npos);
  const GetResponseWithDatablock empty{InvokeIdAndPriority(), true, 1, Bytes{}};
  EXPECT_NE(describe(Apdu(empty)).find("raw data: 0 byte(s)"), std::string::npos);
}

TEST(DataAccessResult, NamesEveryValue) {
  const std::vector<std::pair<int, std::string>> names = {
      {0, "success"},
      {1, "hardware-fault"},
      {2, "temporary-failure"},
      {3, "read-write-denied"},
      {4, "object-undefined"},
      {9, "object-class-inconsistent"},
      {11, "object-unavailable"},
      {12, "type-unmatched"},
      {13, "scope-of-access-violated"},
      {14, "data-block-unavailable"},
      {15, "long-get-aborted"},
      {16, "no-long-get-in-progress"},
      {17, "long-set-aborted"},
      {18, "no-long-set-in-progress"},
      {19, "data-block-number-invalid"},
      {250, "other-reason"},
  };
  for (const auto& [value, name] : names) {
    const auto result = static_cast<DataAccessResult>(value);
    EXPECT_EQ(to_string(result), name);
    EXPECT_EQ(describe(result), name + " (" + std::to_string(value) + ")");
    // Each also decodes from a Get-Response-Normal.
    const Bytes wire{0xC4, 0x01, 0xC1, 0x01, static_cast<std::uint8_t>(value)};
    auto apdu = decode_apdu(wire);
    ASSERT_TRUE(apdu);
    EXPECT_NE(describe(*apdu).find(name), std::string::npos);
  }
  EXPECT_EQ(to_string(static_cast<DataAccessResult>(5)), "unknown (5)");
  EXPECT_EQ(describe(static_cast<DataAccessResult>(5)), "unknown (5)");
}

}  // namespace
}  // namespace dlmsgw::xdlms
