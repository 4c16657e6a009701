#include "dlms/xdlms/confirmed_service_error.hpp"

#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "support/hex_bytes.hpp"

namespace dlmsgw::xdlms {
namespace {

using ::dlmsgw::test::hex;

// dlms-cosem (Python) test_aare.py, from the Green Book: an AARE refusing DLMS version carries
// "0E 01 06 01" in its user-information.
TEST(ConfirmedServiceError, DecodesTheGreenBookDlmsVersionTooLow) {
  auto error = ConfirmedServiceError::decode(hex("0E 01 06 01"));
  ASSERT_TRUE(error) << error.error().message;
  EXPECT_EQ(error->service, ConfirmedService::initiate_error);
  EXPECT_EQ(error->kind, ServiceErrorKind::initiate);
  EXPECT_EQ(error->value, 1);
  EXPECT_EQ(*error, ConfirmedServiceError::initiate_error(InitiateError::dlms_version_too_low));
  EXPECT_EQ(error->to_string(), "initiateError: initiate: dlms-version-too-low (1)");
}

TEST(ConfirmedServiceError, NamesEveryInitiateError) {
  EXPECT_EQ(service_error_value_name(ServiceErrorKind::initiate, 0), "other");
  EXPECT_EQ(service_error_value_name(ServiceErrorKind::initiate, 2), "incompatible-conformance");
  EXPECT_EQ(service_error_value_name(ServiceErrorKind::initiate, 3), "pdu-size-too-short");
  EXPECT_EQ(service_error_value_name(ServiceErrorKind::initiate, 4), "refused-by-the-VDE-Handler");
  EXPECT_EQ(service_error_value_name(ServiceErrorKind::initiate, 5), "unknown value 5");
}

TEST(ConfirmedServiceError, NamesOtherServicesAndKinds) {
  // Hand-built from the Green Book ASN.1: read [5], access [5], object-unavailable (4).
  auto error = ConfirmedServiceError::decode(hex("0E 05 05 04"));
  ASSERT_TRUE(error);
  EXPECT_EQ(error->to_string(), "read: access: object-unavailable (4)");
  EXPECT_EQ(to_string(ConfirmedService::get_status), "getStatus");
  EXPECT_EQ(to_string(ConfirmedService::terminate_up_load), "terminateUpLoad");
  EXPECT_EQ(to_string(static_cast<ConfirmedService>(99)), "unknown");
  EXPECT_EQ(to_string(ServiceErrorKind::vde_state_error), "vde-state-error");
  EXPECT_EQ(to_string(static_cast<ServiceErrorKind>(99)), "unknown");
  using K = ServiceErrorKind;
  EXPECT_EQ(service_error_value_name(K::application_reference, 6), "deciphering-error");
  EXPECT_EQ(service_error_value_name(K::hardware_resource, 1), "memory-unavailable");
  EXPECT_EQ(service_error_value_name(K::vde_state_error, 1), "no-dlms-context");
  EXPECT_EQ(service_error_value_name(K::service, 1), "pdu-size");
  EXPECT_EQ(service_error_value_name(K::definition, 1), "object-undefined");
  EXPECT_EQ(service_error_value_name(K::load_data_set, 7), "data-set-not-ready");
  EXPECT_EQ(service_error_value_name(K::change_scope, 0), "other");
  EXPECT_EQ(service_error_value_name(K::task, 4), "ti-unusable");
  EXPECT_EQ(service_error_value_name(K::other, 0), "other");
  EXPECT_EQ(service_error_value_name(static_cast<K>(42), 0), "unknown value 0");
}

TEST(ConfirmedServiceError, RoundTrips) {
  for (std::uint8_t service = 1; service <= 19; ++service) {
    for (std::uint8_t kind = 0; kind <= 10; ++kind) {
      const ConfirmedServiceError error{static_cast<ConfirmedService>(service),
                                        static_cast<ServiceErrorKind>(kind), 3};
      EXPECT_EQ(*ConfirmedServiceError::decode(error.encode()), error);
    }
  }
}

TEST(ConfirmedServiceError, RejectsBadInput) {
  EXPECT_EQ(ConfirmedServiceError::decode(hex("0D 01 06 01")).error().message,
            "ConfirmedServiceError: tag 0x0D, expected 0x0E");
  EXPECT_EQ(ConfirmedServiceError::decode(hex("0E 00 06 01")).error().message,
            "ConfirmedServiceError: unknown service choice 0");
  EXPECT_FALSE(ConfirmedServiceError::decode(hex("0E 14 06 01")));
  EXPECT_EQ(ConfirmedServiceError::decode(hex("0E 01 0B 01")).error().message,
            "ConfirmedServiceError: unknown ServiceError choice 11");
  EXPECT_EQ(ConfirmedServiceError::decode(hex("0E 01 06")).error().code, ErrorCode::truncated);
  EXPECT_FALSE(ConfirmedServiceError::decode(hex("0E 01 06 01 00")));
  EXPECT_FALSE(ConfirmedServiceError::decode({}));
}

}  // namespace
}  // namespace dlmsgw::xdlms
