#include "dlms/acse/association_result.hpp"

#include <array>

namespace dlmsgw::acse {
namespace {

constexpr std::array<std::string_view, 15> kUserDiagnostics = {
    "null",
    "no-reason-given",
    "application-context-name-not-supported",
    "calling-AP-title-not-recognized",
    "calling-AP-invocation-identifier-not-recognized",
    "calling-AE-qualifier-not-recognized",
    "calling-AE-invocation-identifier-not-recognized",
    "called-AP-title-not-recognized",
    "called-AP-invocation-identifier-not-recognized",
    "called-AE-qualifier-not-recognized",
    "called-AE-invocation-identifier-not-recognized",
    "authentication-mechanism-name-not-recognised",
    "authentication-mechanism-name-required",
    "authentication-failure",
    "authentication-required",
};

constexpr std::array<std::string_view, 3> kProviderDiagnostics = {
    "null",
    "no-reason-given",
    "no-common-acse-version",
};

}  // namespace

std::string_view to_string(AssociationResult result) {
  switch (result) {
    case AssociationResult::accepted:
      return "accepted";
    case AssociationResult::rejected_permanent:
      return "rejected-permanent";
    case AssociationResult::rejected_transient:
      return "rejected-transient";
  }
  return "unknown";
}

std::string ResultSourceDiagnostic::name() const {
  if (source == DiagnosticSource::acse_service_user && value < kUserDiagnostics.size()) {
    return std::string(kUserDiagnostics[value]);
  }
  if (source == DiagnosticSource::acse_service_provider && value < kProviderDiagnostics.size()) {
    return std::string(kProviderDiagnostics[value]);
  }
  return "unknown diagnostic " + std::to_string(value);
}

}  // namespace dlmsgw::acse
