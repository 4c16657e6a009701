#include "dlms/xdlms/invoke_id_and_priority.hpp"

#include <gtest/gtest.h>

namespace dlmsgw::xdlms {
namespace {

TEST(InvokeIdAndPriority, DefaultIsTheUsualC1) {
  // Gurux and dlms-cosem (tests/test_xdlms/test_get.py) send 0xC1: id 1, confirmed, high priority.
  const InvokeIdAndPriority invoke;
  EXPECT_EQ(invoke.to_byte(), 0xC1);
  EXPECT_EQ(invoke.invoke_id(), 1);
  EXPECT_TRUE(invoke.confirmed());
  EXPECT_TRUE(invoke.high_priority());
  EXPECT_EQ(invoke.to_string(), "invoke id 1, confirmed, high priority (0xC1)");
}

TEST(InvokeIdAndPriority, PacksTheBits) {
  auto invoke = InvokeIdAndPriority::make(15, ServiceClass::confirmed, Priority::normal);
  ASSERT_TRUE(invoke);
  EXPECT_EQ(invoke->to_byte(), 0x4F);
  invoke = InvokeIdAndPriority::make(0, ServiceClass::unconfirmed, Priority::high);
  ASSERT_TRUE(invoke);
  EXPECT_EQ(invoke->to_byte(), 0x80);
  EXPECT_EQ(invoke->service_class(), ServiceClass::unconfirmed);
  EXPECT_EQ(invoke->priority(), Priority::high);
  EXPECT_EQ(invoke->to_string(), "invoke id 0, unconfirmed, high priority (0x80)");
  invoke = InvokeIdAndPriority::make(7, ServiceClass::unconfirmed, Priority::normal);
  ASSERT_TRUE(invoke);
  EXPECT_EQ(invoke->to_string(), "invoke id 7, unconfirmed, normal priority (0x07)");
}

TEST(InvokeIdAndPriority, RefusesIdsAboveFifteen) {
  auto invoke = InvokeIdAndPriority::make(16);
  ASSERT_FALSE(invoke);
  EXPECT_EQ(invoke.error().code, ErrorCode::out_of_range);
  // The old client's 126th request: a raw counter written over the whole byte.
  EXPECT_FALSE(InvokeIdAndPriority::make(126));
}

TEST(InvokeIdAndPriority, ReservedBitsOnTheWireAreRefused) {
  // 0x7E is what the user's old client sent as its 126th invoke id: bits 4-5 are set.
  auto invoke = InvokeIdAndPriority::from_byte(0x7E);
  ASSERT_FALSE(invoke);
  EXPECT_EQ(invoke.error().code, ErrorCode::malformed);
  EXPECT_NE(invoke.error().message.find("0x7E"), std::string::npos);
  EXPECT_FALSE(InvokeIdAndPriority::from_byte(0x10));
}

TEST(InvokeIdAndPriority, EveryValidByteRoundTrips) {
  for (int byte = 0; byte < 256; ++byte) {
    auto invoke = InvokeIdAndPriority::from_byte(static_cast<std::uint8_t>(byte));
    if ((byte & 0x30) != 0) {
      EXPECT_FALSE(invoke) << byte;
      continue;
    }
    ASSERT_TRUE(invoke) << byte;
    EXPECT_EQ(invoke->to_byte(), byte);
  }
}

TEST(InvokeIdAndPriority, NextWrapsModuloSixteenAndNeverProducesAFlagByte) {
  InvokeIdAndPriority invoke;
  for (int i = 0; i < 1000; ++i) {
    invoke = invoke.next();
    EXPECT_LE(invoke.invoke_id(), 15);
    EXPECT_NE(invoke.to_byte(), 0x7E);
    EXPECT_EQ(invoke.to_byte() & 0xF0, 0xC0);
  }
  auto last = InvokeIdAndPriority::make(15);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->next().invoke_id(), 0);
  EXPECT_EQ(last->next().to_byte(), 0xC0);
}

}  // namespace
}  // namespace dlmsgw::xdlms
