// Feeds arbitrary bytes to the HDLC Deframer in splits chosen by the input itself, decodes the
// whole input as one frame too, and checks that every frame that comes out re-encodes to bytes
// that decode to the same frame. Also drives a server HdlcLink and a connected client HdlcLink (the
// side that faces meters) with the stream, since everything they receive comes from the same
// hostile source.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "dlms/hdlc/deframer.hpp"
#include "dlms/hdlc/frame.hpp"
#include "dlms/hdlc/hdlc_link.hpp"
#include "dlms/hdlc/link_parameters.hpp"

namespace {

using dlmsgw::ByteView;
using namespace dlmsgw::hdlc;

void check_round_trip(const Frame& frame) {
  auto encoded = encode_frame(frame);
  if (!encoded) std::abort();  // a decoded frame always fits the length field
  auto again = decode_frame(*encoded);
  if (!again || !(*again == frame)) std::abort();
  (void)decode_link_parameters(frame.information);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteView input(data, size);

  auto whole = decode_frame(input);
  if (whole) check_round_trip(*whole);

  // The first byte picks the split pattern; the rest is the stream.
  const std::size_t step = (data[0] % 17) + 1;
  const ByteView stream = input.subspan(1);
  Deframer deframer;
  LinkConfig config;
  config.role = LinkRole::server;
  config.local = *HdlcAddress::server_one_byte(0, 1);
  config.parameters = {32, 32, 3, 3};
  config.max_apdu_size = 4096;
  auto server = HdlcLink::create(config);

  // A client connected to the user's meter (client 1, server 0x03) with a request in flight, so
  // that the stream can answer, segment, acknowledge or refuse it.
  LinkConfig client_config;
  client_config.local = *HdlcAddress::client(1);
  client_config.peer = *HdlcAddress::server_one_byte(0, 1);
  client_config.parameters = {32, 32, 3, 3};
  client_config.max_apdu_size = 4096;
  auto client = HdlcLink::create(client_config);
  (void)client->connect();
  Frame ua;
  ua.destination = client_config.local;
  ua.source = *client_config.peer;
  ua.control = ControlField::unnumbered(FrameType::ua);
  ua.information = encode_link_parameters({32, 32, 3, 3});
  (void)client->on_frame(ua);
  const std::uint8_t request[] = {0xC0, 0x01, 0xC1, 0x00, 0x03, 0x01, 0x01,
                                  0x20, 0x07, 0x00, 0xFF, 0x02, 0x00};
  (void)client->send_apdu(ByteView(request, sizeof request));

  for (std::size_t at = 0; at < stream.size(); at += step) {
    const ByteView chunk = stream.subspan(at, std::min(step, stream.size() - at));
    for (const Frame& frame : deframer.feed(chunk)) {
      check_round_trip(frame);
      (void)server->on_frame(frame);
    }
    (void)client->on_bytes(chunk);
    if (client->awaiting_response() && (at / step) % 5 == 4) (void)client->retransmit();
    if (deframer.buffered() > kMaxEncodedFrameSize) std::abort();
  }
  if (server->state() == LinkState::connected)
    (void)server->send_apdu(stream.first(stream.size() / 2));
  return 0;
}
