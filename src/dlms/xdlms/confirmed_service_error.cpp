#include "dlms/xdlms/confirmed_service_error.hpp"

#include <array>

#include "core/byte_reader.hpp"
#include "core/hex.hpp"

namespace dlmsgw::xdlms {
namespace {

constexpr std::array<std::string_view, 20> kServiceNames = {
    "reserved",
    "initiateError",
    "getStatus",
    "getNameList",
    "getVariableAttribute",
    "read",
    "write",
    "getDataSetAttribute",
    "getTIAttribute",
    "changeScope",
    "start",
    "stop",
    "resume",
    "makeUsable",
    "initiateLoad",
    "loadSegment",
    "terminateLoad",
    "initiateUpLoad",
    "upLoadSegment",
    "terminateUpLoad",
};

constexpr std::array<std::string_view, 11> kKindNames = {
    "application-reference",
    "hardware-resource",
    "vde-state-error",
    "service",
    "definition",
    "access",
    "initiate",
    "load-data-set",
    "change-scope",
    "task",
    "other",
};

// Value names per ServiceErrorKind, index = ENUMERATED value.
constexpr std::array<std::string_view, 7> kApplicationReference = {
    "other",
    "time-elapsed",
    "application-unreachable",
    "application-reference-invalid",
    "application-context-unsupported",
    "provider-communication-error",
    "deciphering-error"};
constexpr std::array<std::string_view, 5> kHardwareResource = {
    "other", "memory-unavailable", "processor-resource-unavailable", "mass-storage-unavailable",
    "other-resource-unavailable"};
constexpr std::array<std::string_view, 5> kVdeStateError = {
    "other", "no-dlms-context", "loading-data-set", "status-nochange", "status-inoperable"};
constexpr std::array<std::string_view, 3> kService = {"other", "pdu-size", "service-unsupported"};
constexpr std::array<std::string_view, 4> kDefinition = {
    "other", "object-undefined", "object-class-inconsistent", "object-attribute-inconsistent"};
constexpr std::array<std::string_view, 5> kAccess = {"other", "scope-of-access-violated",
                                                     "object-access-violated", "hardware-fault",
                                                     "object-unavailable"};
constexpr std::array<std::string_view, 5> kInitiate = {
    "other", "dlms-version-too-low", "incompatible-conformance", "pdu-size-too-short",
    "refused-by-the-VDE-Handler"};
constexpr std::array<std::string_view, 8> kLoadDataSet = {"other",
                                                          "primitive-out-of-sequence",
                                                          "not-loadable",
                                                          "dataset-size-too-large",
                                                          "not-awaited-segment",
                                                          "interpretation-failure",
                                                          "storage-failure",
                                                          "data-set-not-ready"};
constexpr std::array<std::string_view, 1> kOtherOnly = {"other"};
constexpr std::array<std::string_view, 5> kTask = {"other", "no-remote-control", "ti-stopped",
                                                   "ti-running", "ti-unusable"};

template <std::size_t N>
std::string name_in(const std::array<std::string_view, N>& names, std::uint8_t value) {
  if (value < N) return std::string(names[value]);
  return "unknown value " + std::to_string(value);
}

}  // namespace

std::string_view to_string(ConfirmedService service) {
  const auto index = static_cast<std::size_t>(service);
  return index < kServiceNames.size() ? kServiceNames[index] : "unknown";
}

std::string_view to_string(ServiceErrorKind kind) {
  const auto index = static_cast<std::size_t>(kind);
  return index < kKindNames.size() ? kKindNames[index] : "unknown";
}

std::string service_error_value_name(ServiceErrorKind kind, std::uint8_t value) {
  switch (kind) {
    case ServiceErrorKind::application_reference:
      return name_in(kApplicationReference, value);
    case ServiceErrorKind::hardware_resource:
      return name_in(kHardwareResource, value);
    case ServiceErrorKind::vde_state_error:
      return name_in(kVdeStateError, value);
    case ServiceErrorKind::service:
      return name_in(kService, value);
    case ServiceErrorKind::definition:
      return name_in(kDefinition, value);
    case ServiceErrorKind::access:
      return name_in(kAccess, value);
    case ServiceErrorKind::initiate:
      return name_in(kInitiate, value);
    case ServiceErrorKind::load_data_set:
      return name_in(kLoadDataSet, value);
    case ServiceErrorKind::change_scope:
    case ServiceErrorKind::other:
      return name_in(kOtherOnly, value);
    case ServiceErrorKind::task:
      return name_in(kTask, value);
  }
  return "unknown value " + std::to_string(value);
}

ConfirmedServiceError ConfirmedServiceError::initiate_error(InitiateError error) {
  return ConfirmedServiceError{ConfirmedService::initiate_error, ServiceErrorKind::initiate,
                               static_cast<std::uint8_t>(error)};
}

std::string ConfirmedServiceError::to_string() const {
  return std::string(xdlms::to_string(service)) + ": " + std::string(xdlms::to_string(kind)) +
         ": " + service_error_value_name(kind, value) + " (" + std::to_string(value) + ")";
}

Bytes ConfirmedServiceError::encode() const {
  return Bytes{kConfirmedServiceErrorTag, static_cast<std::uint8_t>(service),
               static_cast<std::uint8_t>(kind), value};
}

Expected<ConfirmedServiceError> ConfirmedServiceError::decode(ByteView bytes) {
  ByteReader reader(bytes);
  DLMSGW_TRY_ASSIGN(const std::uint8_t tag, reader.read_u8("ConfirmedServiceError tag"));
  if (tag != kConfirmedServiceErrorTag) {
    return make_error(ErrorCode::malformed,
                      "ConfirmedServiceError: tag " + to_hex_literal(tag) + ", expected 0x0E");
  }
  DLMSGW_TRY_ASSIGN(const std::uint8_t service, reader.read_u8("ConfirmedServiceError service"));
  if (service == 0 || service >= kServiceNames.size()) {
    return make_error(ErrorCode::malformed,
                      "ConfirmedServiceError: unknown service choice " + std::to_string(service));
  }
  DLMSGW_TRY_ASSIGN(const std::uint8_t kind, reader.read_u8("ConfirmedServiceError error kind"));
  if (kind >= kKindNames.size()) {
    return make_error(ErrorCode::malformed,
                      "ConfirmedServiceError: unknown ServiceError choice " + std::to_string(kind));
  }
  DLMSGW_TRY_ASSIGN(const std::uint8_t value, reader.read_u8("ConfirmedServiceError value"));
  if (!reader.empty()) {
    return make_error(ErrorCode::malformed,
                      "ConfirmedServiceError: " + std::to_string(reader.remaining()) +
                          " unexpected byte(s) after the end");
  }
  return ConfirmedServiceError{static_cast<ConfirmedService>(service),
                               static_cast<ServiceErrorKind>(kind), value};
}

}  // namespace dlmsgw::xdlms
