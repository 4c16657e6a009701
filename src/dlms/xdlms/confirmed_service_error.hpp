#pragma once
// ConfirmedServiceError (tag 0x0E): a server's refusal of a confirmed service, most often of the
// xDLMS InitiateRequest inside an AARQ (it then comes back in the AARE's user-information, e.g.
// 0E 01 06 01 = initiateError, initiate, dlms-version-too-low). Green Book, DLMS UA 1000-2:
//
//   ConfirmedServiceError ::= CHOICE { initiateError [1] ServiceError, getStatus [2], ... }
//   ServiceError ::= CHOICE { application-reference [0] ENUMERATED, ..., other [10] ENUMERATED }
//
// A-XDR encoded as four bytes: 0E, the service's choice tag, the error's choice tag, its value.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/expected.hpp"

namespace dlmsgw::xdlms {

inline constexpr std::uint8_t kConfirmedServiceErrorTag = 0x0E;

// Which service failed (the outer CHOICE); tag 0 is reserved.
enum class ConfirmedService : std::uint8_t {
  initiate_error = 1,
  get_status = 2,
  get_name_list = 3,
  get_variable_attribute = 4,
  read = 5,
  write = 6,
  get_data_set_attribute = 7,
  get_ti_attribute = 8,
  change_scope = 9,
  start = 10,
  stop = 11,
  resume = 12,
  make_usable = 13,
  initiate_load = 14,
  load_segment = 15,
  terminate_load = 16,
  initiate_up_load = 17,
  up_load_segment = 18,
  terminate_up_load = 19,
};

// The kind of fault (the ServiceError CHOICE); each kind has its own ENUMERATED values.
enum class ServiceErrorKind : std::uint8_t {
  application_reference = 0,
  hardware_resource = 1,
  vde_state_error = 2,
  service = 3,
  definition = 4,
  access = 5,
  initiate = 6,
  load_data_set = 7,
  change_scope = 8,
  task = 9,
  other = 10,
};

// The values of ServiceError.initiate: why a server refused the InitiateRequest.
enum class InitiateError : std::uint8_t {
  other = 0,
  dlms_version_too_low = 1,
  incompatible_conformance = 2,
  pdu_size_too_short = 3,
  refused_by_the_vde_handler = 4,
};

// "initiateError", "getStatus", ... as in the ASN.1.
std::string_view to_string(ConfirmedService service);
// "application-reference", ..., "initiate", ...
std::string_view to_string(ServiceErrorKind kind);
// The name of `value` within `kind`, e.g. (initiate, 1) -> "dlms-version-too-low"; values the
// standard does not define give "unknown value N".
std::string service_error_value_name(ServiceErrorKind kind, std::uint8_t value);

struct ConfirmedServiceError {
  ConfirmedService service = ConfirmedService::initiate_error;
  ServiceErrorKind kind = ServiceErrorKind::initiate;
  std::uint8_t value = 0;  // ENUMERATED within `kind`; unknown values are kept, not rejected

  // The usual refusal of an AARQ: initiateError / initiate / `error`.
  static ConfirmedServiceError initiate_error(InitiateError error);

  // "initiateError: initiate: dlms-version-too-low (1)".
  [[nodiscard]] std::string to_string() const;

  [[nodiscard]] Bytes encode() const;
  // The whole of `bytes` must be one ConfirmedServiceError.
  static Expected<ConfirmedServiceError> decode(ByteView bytes);

  bool operator==(const ConfirmedServiceError&) const = default;
};

}  // namespace dlmsgw::xdlms
