#pragma once
// HdlcServerTransport: HDLC (IEC 62056-46) as the secondary station, over HdlcLink's server role:
// answers SNRM with UA carrying the negotiated parameters (its own limits reduced to the client's
// proposal: with the default 128-byte / window 1 limits every UA value is one byte, as on the
// user's meter), reassembles segmented requests, segments long answers to the negotiated max
// information length, and hands each APDU to the association with the client SAP taken from the
// frame's source address. DISC and a new SNRM end the association.

#include <optional>

#include "dlms/hdlc/hdlc_link.hpp"
#include "dlms/server/server_transport.hpp"

namespace dlmsgw::server {

struct HdlcServerSettings {
  // The user's meter: logical 0 / physical 1 packed into the one-byte address 0x03.
  hdlc::HdlcAddress address = *hdlc::HdlcAddress::server_one_byte(0, 1);
  hdlc::LinkParameters parameters;  // 128 bytes, window 1 each way
};

class HdlcServerTransport final : public ServerTransport {
 public:
  HdlcServerTransport(SimulatedMeter& meter, const ServerConfig& config,
                      HdlcServerSettings settings = {});

  TransportOutput on_bytes(ByteView bytes, std::int64_t now_unix_ms) override;
  void reset() override;
  void request_flag_bytes() override { flag_bytes_ = true; }

  [[nodiscard]] const hdlc::HdlcLink& link() const { return *link_; }

 private:
  // For fault injection: the answer with its integer value moved (by a few %) so that 0x7E
  // appears in the value and, if some nearby value allows it, in the FCS of the frame carrying it.
  Bytes flag_bytes_answer(Bytes apdu) const;
  // Whether `request` asks for an attribute of a profile generic object (left alone by the fault).
  static bool describes_a_profile(ByteView request);
  std::optional<Bytes> predict_frame(const Bytes& apdu) const;

  HdlcServerSettings settings_;
  std::optional<hdlc::HdlcLink> link_;
  bool flag_bytes_ = false;
  mutable bool flag_toggle_ = false;
};

}  // namespace dlmsgw::server
