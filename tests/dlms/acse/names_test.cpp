// The printable names of the ACSE enumerations, as they appear in logs and error messages.
#include <gtest/gtest.h>

#include "dlms/acse/application_context_name.hpp"
#include "dlms/acse/association_result.hpp"
#include "dlms/acse/mechanism_name.hpp"
#include "dlms/acse/release_request.hpp"
#include "dlms/acse/release_response.hpp"

namespace dlmsgw::acse {
namespace {

TEST(AcseNames, EveryValueHasItsName) {
  EXPECT_EQ(to_string(ApplicationContextName::logical_name), "LN");
  EXPECT_EQ(to_string(ApplicationContextName::short_name), "SN");
  EXPECT_EQ(to_string(ApplicationContextName::logical_name_ciphered), "LN with ciphering");
  EXPECT_TRUE(is_ciphered(ApplicationContextName::short_name_ciphered));
  EXPECT_FALSE(is_ciphered(ApplicationContextName::logical_name));
  const char* const mechanisms[] = {"none",     "LLS",      "HLS",        "HLS-MD5",
                                    "HLS-SHA1", "HLS-GMAC", "HLS-SHA256", "HLS-ECDSA"};
  for (std::uint8_t n = 0; n < 8; ++n) {
    EXPECT_EQ(to_string(static_cast<MechanismName>(n)), mechanisms[n]);
  }
  EXPECT_EQ(to_string(AssociationResult::accepted), "accepted");
  EXPECT_EQ(to_string(AssociationResult::rejected_transient), "rejected-transient");
  EXPECT_EQ(ResultSourceDiagnostic::provider(AcseServiceProviderDiagnostic::no_reason_given).name(),
            "no-reason-given");
  EXPECT_EQ((ResultSourceDiagnostic{DiagnosticSource::acse_service_provider, 3}.name()),
            "unknown diagnostic 3");
  EXPECT_EQ(ResultSourceDiagnostic::user(AcseServiceUserDiagnostic::authentication_required).name(),
            "authentication-required");
  EXPECT_EQ(to_string(ReleaseRequestReason::normal), "normal");
  EXPECT_EQ(to_string(ReleaseResponseReason::normal), "normal");
  EXPECT_EQ(to_string(ReleaseResponseReason::user_defined), "user-defined");
}

}  // namespace
}  // namespace dlmsgw::acse
