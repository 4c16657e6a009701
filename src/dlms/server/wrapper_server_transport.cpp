#include "dlms/server/wrapper_server_transport.hpp"

#include "dlms/wrapper/wrapper_frame.hpp"

namespace dlmsgw::server {

TransportOutput WrapperServerTransport::on_bytes(ByteView bytes, std::int64_t now_unix_ms) {
  TransportOutput out;
  if (!reassembler_.feed(bytes)) {
    out.close = true;
    return out;
  }
  const auto releases_before = association_.stats().releases;
  const auto security_errors_before = association_.stats().security_errors;
  while (auto frame = reassembler_.pop()) {
    if (frame->destination_wport != server_wport_) continue;
    auto answer = association_.handle(frame->apdu, frame->source_wport, now_unix_ms);
    if (!answer) continue;
    ++out.requests;
    if (is_service_error(*answer)) ++out.service_errors;
    auto encoded =
        wrapper::encode_wrapper_frame({server_wport_, frame->source_wport, std::move(*answer)});
    if (encoded) out.writes.push_back(std::move(*encoded));
  }
  out.releases = association_.stats().releases - releases_before;
  out.security_errors = association_.stats().security_errors - security_errors_before;
  return out;
}

void WrapperServerTransport::reset() {
  reassembler_ = wrapper::WrapperReassembler();
  association_.reset();
}

}  // namespace dlmsgw::server
