#pragma once
// Error: what went wrong in the protocol layer, as a value. The code says what kind of fault it is
// (so callers can branch on it), the message says where and why in words a meter engineer can act
// on.

#include <string>
#include <string_view>

namespace dlmsgw {

enum class ErrorCode {
  truncated,          // input ended before the structure did
  malformed,          // bytes present but not a valid encoding
  out_of_range,       // a value outside what the field allows
  too_deep,           // nesting beyond the decoder's bound
  checksum,           // HCS/FCS or authentication tag mismatch
  unsupported,        // valid but not implemented here
  address_mismatch,   // a frame for another station
  protocol_state,     // valid message at the wrong time
  rejected,           // the peer refused (AARE, data-access-result, exception)
  crypto,             // key, IV or cipher failure
  invalid_argument,   // caller passed something unusable
  timeout,            // a deadline passed before the peer answered
  connection_closed,  // the peer closed or reset the connection, or refused it
  io_error,           // the operating system refused an I/O operation
};

std::string_view to_string(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;

  // Prefixes context, e.g. Error{...,"length overflow"}.with_context("AARE") -> "AARE: length
  // overflow".
  [[nodiscard]] Error with_context(std::string_view context) const;
};

}  // namespace dlmsgw
