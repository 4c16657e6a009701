#pragma once
// ExceptionResponse (tag 0xD8, Green Book): a server's answer to an APDU it will not or cannot
// handle at all (an unknown service, a PDU longer than negotiated, a ciphered APDU it failed to
// decipher):
//
//   ExceptionResponse ::= SEQUENCE {
//     state-error   [0] ENUMERATED { service-not-allowed (1), service-unknown (2) },
//     service-error [1] CHOICE { operation-not-possible [1] NULL, service-not-supported [2] NULL,
//                                other-reason [3] NULL, pdu-too-long [4] NULL,
//                                deciphering-error [5] NULL,
//                                invocation-counter-error [6] Unsigned32 } }
//
// A-XDR: D8, the state-error byte, the service-error choice byte and, for invocation-counter-error,
// the server's expected invocation counter (some servers omit it; it is then absent). Unknown
// values are kept and named "unknown (N)".

#include <cstdint>
#include <optional>
#include <string>

#include "core/bytes.hpp"
#include "core/expected.hpp"

namespace dlmsgw::xdlms {

inline constexpr std::uint8_t kExceptionResponseTag = 0xD8;

enum class StateError : std::uint8_t {
  service_not_allowed = 1,
  service_unknown = 2,
};

enum class ServiceError : std::uint8_t {
  operation_not_possible = 1,
  service_not_supported = 2,
  other_reason = 3,
  pdu_too_long = 4,
  deciphering_error = 5,
  invocation_counter_error = 6,
};

std::string to_string(StateError error);
std::string to_string(ServiceError error);

struct ExceptionResponse {
  StateError state_error = StateError::service_not_allowed;
  ServiceError service_error = ServiceError::operation_not_possible;
  // Only with invocation_counter_error: the counter value the server expects.
  std::optional<std::uint32_t> invocation_counter;

  // "service-not-allowed (1), pdu-too-long (4)".
  [[nodiscard]] std::string to_string() const;
  [[nodiscard]] Bytes encode() const;
  static Expected<ExceptionResponse> decode(ByteView bytes);
  bool operator==(const ExceptionResponse&) const = default;
};

}  // namespace dlmsgw::xdlms
