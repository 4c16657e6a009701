#include "dlms/acse/authentication_redaction.hpp"

#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "support/hex_bytes.hpp"

namespace dlmsgw::acse {
namespace {

using ::dlmsgw::test::hex;

// The user's AARQ (LLS, password "22222222"; see aarq_test.cpp) in an HDLC I frame: header, LLC
// E6 E6 00, the AARQ, FCS, flag (HCS and FCS made up: the function does not look at them).
const char* const kUserAarqFrame =
    "7E A0 44 02 21 03 10 FB AF E6 E6 00 "
    "60 36 A1 09 06 07 60 85 74 05 08 01 01 8A 02 07 80 8B 07 60 85 74 05 08 02 01 AC 0A "
    "80 08 32 32 32 32 32 32 32 32 BE 10 04 0E 01 00 00 00 06 5F 1F 04 00 00 7E 1F 04 B0 "
    "3F 59 7E";

TEST(AuthenticationRedaction, MasksTheLlsPasswordOfAnAarqAndNothingElse) {
  Bytes frame = hex(kUserAarqFrame);
  const Bytes original = frame;
  ASSERT_TRUE(redact_authentication_value(frame));
  EXPECT_EQ(to_hex(frame),
            to_hex(original).replace(to_hex(original).find("32 32 32 32 32 32 32 32"), 23,
                                     "2A 2A 2A 2A 2A 2A 2A 2A"));
}

TEST(AuthenticationRedaction, LeavesFramesWithoutAnAarqAlone) {
  // A GET-Request-Normal for 1-1:32.7.0 attribute 2, and an AARE (which has no calling value).
  Bytes get =
      hex("7E A0 1C 02 21 03 32 E4 0B E6 E6 00 C0 01 C1 00 03 01 01 20 07 00 FF 02 00 5E 4D 7E");
  const Bytes get_before = get;
  EXPECT_FALSE(redact_authentication_value(get));
  EXPECT_EQ(get, get_before);
  Bytes aare = hex("61 29 A1 09 06 07 60 85 74 05 08 01 01 A2 03 02 01 00 A3 05 A1 03 02 01 00");
  const Bytes aare_before = aare;
  EXPECT_FALSE(redact_authentication_value(aare));
  EXPECT_EQ(aare, aare_before);
}

TEST(AuthenticationRedaction, ATruncatedAarqIsLeftAloneWithoutReadingPastTheEnd) {
  Bytes frame = hex(kUserAarqFrame);
  // Cut inside the password (it starts at byte 42): the value's length points past the end.
  frame.resize(45);
  const Bytes before = frame;
  EXPECT_FALSE(redact_authentication_value(frame));
  EXPECT_EQ(frame, before);
}

}  // namespace
}  // namespace dlmsgw::acse
