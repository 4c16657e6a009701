#include "dlms/xdlms/conformance.hpp"

#include <gtest/gtest.h>

#include "core/hex.hpp"

namespace dlmsgw::xdlms {
namespace {

using B = ConformanceBit;

Bytes encode(Conformance conformance) {
  ByteWriter writer;
  conformance.encode(writer);
  return writer.take();
}

// The user's meter (shared/reference/user-meter.md): the client proposes 0x007E1F and the meter
// grants 0x00301D.
TEST(Conformance, InterpretsTheUserMetersProposal) {
  const Conformance proposed(0x007E1F);
  for (const B bit : {B::priority_mgmt_supported, B::attribute0_supported_with_get,
                      B::block_transfer_with_get_or_read, B::block_transfer_with_set_or_write,
                      B::block_transfer_with_action, B::multiple_references, B::get, B::set,
                      B::selective_access, B::event_notification, B::action}) {
    EXPECT_TRUE(proposed.has(bit)) << to_string(bit);
  }
  EXPECT_EQ(proposed.bits().size(), 11u);
  EXPECT_FALSE(proposed.has(B::general_protection));
  EXPECT_FALSE(proposed.has(B::read));
}

TEST(Conformance, InterpretsTheUserMetersGrant) {
  const Conformance granted(0x00301D);
  EXPECT_TRUE(granted.has(B::get));
  EXPECT_TRUE(granted.has(B::set));
  EXPECT_TRUE(granted.has(B::action));
  EXPECT_TRUE(granted.has(B::selective_access));
  EXPECT_TRUE(granted.has(B::block_transfer_with_get_or_read));
  EXPECT_TRUE(granted.has(B::attribute0_supported_with_get));
  // No GET-with-list on this meter; no block transfer for SET or ACTION; no event notification.
  EXPECT_FALSE(granted.has(B::multiple_references));
  EXPECT_FALSE(granted.has(B::block_transfer_with_set_or_write));
  EXPECT_FALSE(granted.has(B::block_transfer_with_action));
  EXPECT_FALSE(granted.has(B::event_notification));
  EXPECT_EQ(granted.to_string(),
            "0x00301D (attribute0-supported-with-get, block-transfer-with-get-or-read, get, set, "
            "selective-access, action)");
  // The grant is a subset of the proposal.
  EXPECT_EQ(Conformance(0x007E1F) & granted, granted);
}

TEST(Conformance, BitNumberingFollowsTheGreenBook) {
  // Bit 0 is the most significant bit of the 24: 'action' (bit 23) is 0x000001.
  EXPECT_EQ(Conformance::mask_of(B::action), 0x000001u);
  EXPECT_EQ(Conformance::mask_of(B::get), 0x000010u);
  EXPECT_EQ(Conformance::mask_of(B::multiple_references), 0x000200u);
  EXPECT_EQ(Conformance::mask_of(B::general_protection), 0x400000u);
  EXPECT_EQ(Conformance::mask_of(B::reserved_zero), 0x800000u);
  EXPECT_EQ((Conformance{B::get, B::set, B::action}).value(), 0x000019u);
  EXPECT_EQ(Conformance().with(B::get).with(B::read).without(B::get), Conformance{B::read});
  EXPECT_EQ(Conformance(0xFF123456).value(), 0x123456u);
  EXPECT_EQ(Conformance().to_string(), "0x000000 (none)");
  for (unsigned n = 0; n < 24; ++n) {
    EXPECT_NE(to_string(static_cast<B>(n)), "unknown");
  }
  EXPECT_EQ(to_string(static_cast<B>(24)), "unknown");
}

TEST(Conformance, EncodesAsTheBerBitStringOfInitiate) {
  // Green Book InitiateRequest example: ... 5F 1F 04 00 00 7E 1F ...
  EXPECT_EQ(to_hex(encode(Conformance(0x007E1F))), "5F 1F 04 00 00 7E 1F");
  EXPECT_EQ(to_hex(encode(Conformance(0x00301D))), "5F 1F 04 00 00 30 1D");
}

TEST(Conformance, RoundTripsEveryBit) {
  for (unsigned n = 0; n < 24; ++n) {
    const Conformance conformance{static_cast<B>(n)};
    const Bytes bytes = encode(conformance);
    ByteReader reader(bytes);
    auto decoded = Conformance::decode(reader);
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, conformance);
    EXPECT_TRUE(reader.empty());
  }
}

TEST(Conformance, RejectsBadEncodingsNamingTheField) {
  const auto decode_hex = [](std::string_view hex) {
    const Bytes bytes = *parse_hex(hex);
    ByteReader reader(bytes);
    return Conformance::decode(reader);
  };
  auto wrong_tag = decode_hex("5F 1E 04 00 00 30 1D");
  ASSERT_FALSE(wrong_tag);
  EXPECT_EQ(wrong_tag.error().message, "conformance: tag 0x5F1E, expected 0x5F1F");
  auto wrong_length = decode_hex("5F 1F 05 00 00 30 1D 00");
  ASSERT_FALSE(wrong_length);
  EXPECT_EQ(wrong_length.error().message, "conformance: length 5, expected 4");
  auto unused_bits = decode_hex("5F 1F 04 01 00 30 1D");
  ASSERT_FALSE(unused_bits);
  EXPECT_EQ(unused_bits.error().code, ErrorCode::malformed);
  auto truncated = decode_hex("5F 1F 04 00 00 30");
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, ErrorCode::truncated);
  EXPECT_FALSE(decode_hex("5F"));
  EXPECT_FALSE(decode_hex("5F 1F"));
  EXPECT_FALSE(decode_hex("5F 1F 04"));
}

}  // namespace
}  // namespace dlmsgw::xdlms
