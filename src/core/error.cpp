#include "core/error.hpp"

namespace dlmsgw {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::truncated:
      return "truncated";
    case ErrorCode::malformed:
      return "malformed";
    case ErrorCode::out_of_range:
      return "out of range";
    case ErrorCode::too_deep:
      return "nested too deep";
    case ErrorCode::checksum:
      return "checksum mismatch";
    case ErrorCode::unsupported:
      return "unsupported";
    case ErrorCode::address_mismatch:
      return "address mismatch";
    case ErrorCode::protocol_state:
      return "protocol state";
    case ErrorCode::rejected:
      return "rejected";
    case ErrorCode::crypto:
      return "crypto";
    case ErrorCode::invalid_argument:
      return "invalid argument";
    case ErrorCode::timeout:
      return "timeout";
    case ErrorCode::connection_closed:
      return "connection closed";
    case ErrorCode::io_error:
      return "I/O error";
  }
  return "unknown";
}

Error Error::with_context(std::string_view context) const {
  std::string prefixed(context);
  prefixed += ": ";
  prefixed += message;
  return Error{code, std::move(prefixed)};
}

}  // namespace dlmsgw
