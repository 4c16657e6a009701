#pragma once
// ServerTransport: a meter's end of one connection, sans-I/O: bytes from the client in, bytes to
// write out. It owns the link layer (HDLC or wrapper) and the association above it. The caller
// (the simulator's socket session) reads, feeds, writes, and runs the inactivity timer.

#include <cstdint>
#include <vector>

#include "core/bytes.hpp"
#include "dlms/server/association_server.hpp"
#include "dlms/xdlms/confirmed_service_error.hpp"
#include "dlms/xdlms/exception_response.hpp"

namespace dlmsgw::server {

struct TransportOutput {
  std::vector<Bytes> writes;   // frames to write, in order
  bool close = false;          // the stream is unusable (wrapper out of step): drop the connection
  std::uint64_t requests = 0;  // APDUs answered by this feed
  // Of those, answers that were an exception-response or a confirmed-service-error (no invoke id).
  std::uint64_t service_errors = 0;
  std::uint64_t releases = 0;  // associations the client released (RLRQ) in this feed
  // Ciphered APDUs refused in this feed: not deciphered, or an invocation counter not above the
  // last one accepted (what a client that restarts its counter meets).
  std::uint64_t security_errors = 0;
  bool link_disconnected = false;  // the client ended the HDLC link (DISC)
};

// An exception-response or confirmed-service-error: an answer without an invoke id.
inline bool is_service_error(ByteView apdu) {
  return !apdu.empty() && (apdu.front() == xdlms::kExceptionResponseTag ||
                           apdu.front() == xdlms::kConfirmedServiceErrorTag);
}

class ServerTransport {
 public:
  ServerTransport(SimulatedMeter& meter, const ServerConfig& config)
      : association_(meter, config) {}
  virtual ~ServerTransport() = default;
  ServerTransport(const ServerTransport&) = delete;
  ServerTransport& operator=(const ServerTransport&) = delete;

  virtual TransportOutput on_bytes(ByteView bytes, std::int64_t now_unix_ms) = 0;
  // Inactivity timeout or a new connection: forget the link and the association.
  virtual void reset() = 0;
  // Ask for the next GET answer carrying an integer to be chosen so that 0x7E appears in its data
  // and, where the link has a checksum, in the FCS (fault injection). HDLC only; the wrapper
  // ignores it.
  virtual void request_flag_bytes() {}

  AssociationServer& association() { return association_; }

 protected:
  AssociationServer association_;
};

}  // namespace dlmsgw::server
