#include "gateway/storage/record.hpp"

#include <gtest/gtest.h>

namespace dlmsgw::gateway {
namespace {

TEST(RecordKind, RoundTripsThroughItsStoredInteger) {
  for (const RecordKind kind :
       {RecordKind::telemetry, RecordKind::attributes, RecordKind::telemetry_series}) {
    EXPECT_EQ(*record_kind_from_int(static_cast<int>(kind)), kind);
  }
  EXPECT_EQ(to_string(RecordKind::attributes), "attributes");
  auto bad = record_kind_from_int(7);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("record kind 7"), std::string::npos);
  EXPECT_LT(RecordId{1}, RecordId{2});
}

}  // namespace
}  // namespace dlmsgw::gateway
