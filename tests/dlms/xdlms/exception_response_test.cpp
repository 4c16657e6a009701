#include "dlms/xdlms/exception_response.hpp"

#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "support/hex_bytes.hpp"

namespace dlmsgw::xdlms {
namespace {

using ::dlmsgw::test::hex;

// Hand-built from the Green Book ASN.1: what a meter answers to a service it does not implement.
TEST(ExceptionResponse, ServiceNotSupported) {
  const Bytes wire = hex("D8 01 02");
  auto response = ExceptionResponse::decode(wire);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->state_error, StateError::service_not_allowed);
  EXPECT_EQ(response->service_error, ServiceError::service_not_supported);
  EXPECT_FALSE(response->invocation_counter);
  EXPECT_EQ(response->to_string(), "service-not-allowed (1), service-not-supported (2)");
  EXPECT_EQ(response->encode(), wire);
}

TEST(ExceptionResponse, InvocationCounterErrorCarriesTheExpectedCounter) {
  const Bytes wire = hex("D8 01 06 00 00 01 2C");
  auto response = ExceptionResponse::decode(wire);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->service_error, ServiceError::invocation_counter_error);
  EXPECT_EQ(response->invocation_counter, 300u);
  EXPECT_EQ(response->to_string(),
            "service-not-allowed (1), invocation-counter-error (6), expected invocation counter "
            "300");
  EXPECT_EQ(response->encode(), wire);
  // Some servers send the choice without the counter.
  auto bare = ExceptionResponse::decode(hex("D8 01 06"));
  ASSERT_TRUE(bare);
  EXPECT_FALSE(bare->invocation_counter);
  EXPECT_FALSE(ExceptionResponse::decode(hex("D8 01 06 00 00")));
}

TEST(ExceptionResponse, NamesEveryValue) {
  EXPECT_EQ(to_string(StateError::service_not_allowed), "service-not-allowed");
  EXPECT_EQ(to_string(StateError::service_unknown), "service-unknown");
  EXPECT_EQ(to_string(static_cast<StateError>(9)), "unknown (9)");
  EXPECT_EQ(to_string(ServiceError::operation_not_possible), "operation-not-possible");
  EXPECT_EQ(to_string(ServiceError::service_not_supported), "service-not-supported");
  EXPECT_EQ(to_string(ServiceError::other_reason), "other-reason");
  EXPECT_EQ(to_string(ServiceError::pdu_too_long), "pdu-too-long");
  EXPECT_EQ(to_string(ServiceError::deciphering_error), "deciphering-error");
  EXPECT_EQ(to_string(ServiceError::invocation_counter_error), "invocation-counter-error");
  EXPECT_EQ(to_string(static_cast<ServiceError>(0)), "unknown (0)");
  const ExceptionResponse odd{static_cast<StateError>(7), static_cast<ServiceError>(8), {}};
  EXPECT_EQ(odd.to_string(), "unknown (7), unknown (8)");
}

TEST(ExceptionResponse, RejectsTruncationTrailingBytesAndOtherTags) {
  EXPECT_FALSE(ExceptionResponse::decode(hex("")));
  EXPECT_FALSE(ExceptionResponse::decode(hex("D8")));
  auto truncated = ExceptionResponse::decode(hex("D8 02"));
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, ErrorCode::truncated);
  EXPECT_FALSE(ExceptionResponse::decode(hex("D8 01 02 00")));
  EXPECT_FALSE(ExceptionResponse::decode(hex("D9 01 02")));
}

}  // namespace
}  // namespace dlmsgw::xdlms
