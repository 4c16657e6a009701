#pragma once
// WrapperServerTransport: the IEC 62056-47 wrapper (TCP port 4059 style). Each frame's source
// wPort is the client SAP; frames to another destination wPort than the meter's are ignored. The
// answer goes back with the ports swapped. A broken stream (bad version, oversize length) closes
// the connection, since nothing in a wrapper stream marks where the next frame starts.

#include "dlms/server/server_transport.hpp"
#include "dlms/wrapper/wrapper_reassembler.hpp"

namespace dlmsgw::server {

class WrapperServerTransport final : public ServerTransport {
 public:
  WrapperServerTransport(SimulatedMeter& meter, const ServerConfig& config,
                         std::uint16_t server_wport = 1)
      : ServerTransport(meter, config), server_wport_(server_wport) {}

  TransportOutput on_bytes(ByteView bytes, std::int64_t now_unix_ms) override;
  void reset() override;

 private:
  std::uint16_t server_wport_;
  wrapper::WrapperReassembler reassembler_;
};

}  // namespace dlmsgw::server
