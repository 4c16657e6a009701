#include "dlms/server/hdlc_server_transport.hpp"

#include <algorithm>
#include <limits>

#include "dlms/axdr/data_codec.hpp"
#include "dlms/xdlms/get_request.hpp"
#include "dlms/xdlms/get_response.hpp"

namespace dlmsgw::server {
namespace {

constexpr std::uint8_t kFlag = 0x7E;
const Bytes kServerLlcHeader{0xE6, 0xE7, 0x00};

bool contains_flag(ByteView bytes) {
  return std::find(bytes.begin(), bytes.end(), kFlag) != bytes.end();
}

// The same integer type holding `value`, if it fits.
std::optional<axdr::Data> integer_like(const axdr::Data& model, std::int64_t value) {
  auto within = [&](auto low, auto high) {
    return value >= static_cast<std::int64_t>(low) && value <= static_cast<std::int64_t>(high);
  };
  switch (model.type()) {
    case axdr::DataType::long_unsigned:
      if (!within(0, 0xFFFF)) return std::nullopt;
      return axdr::Data::long_unsigned(static_cast<std::uint16_t>(value));
    case axdr::DataType::long_integer:
      if (!within(INT16_MIN, INT16_MAX)) return std::nullopt;
      return axdr::Data::long_integer(static_cast<std::int16_t>(value));
    case axdr::DataType::double_long:
      if (!within(INT32_MIN, INT32_MAX)) return std::nullopt;
      return axdr::Data::double_long(static_cast<std::int32_t>(value));
    case axdr::DataType::double_long_unsigned:
      if (!within(0, UINT32_MAX)) return std::nullopt;
      return axdr::Data::double_long_unsigned(static_cast<std::uint32_t>(value));
    default:
      return std::nullopt;
  }
}

}  // namespace

HdlcServerTransport::HdlcServerTransport(SimulatedMeter& meter, const ServerConfig& config,
                                         HdlcServerSettings settings)
    : ServerTransport(meter, config), settings_(settings) {
  reset();
}

void HdlcServerTransport::reset() {
  hdlc::LinkConfig config;
  config.role = hdlc::LinkRole::server;
  config.local = settings_.address;
  config.parameters = settings_.parameters;
  config.max_apdu_size = 0xFFFF;
  // A server link cannot fail to be created (only a client without peer can).
  link_.emplace(std::move(*hdlc::HdlcLink::create(config)));
  association_.reset();
  flag_bytes_ = false;
}

TransportOutput HdlcServerTransport::on_bytes(ByteView bytes, std::int64_t now_unix_ms) {
  TransportOutput out;
  hdlc::LinkOutput link_out = link_->on_bytes(bytes);
  std::vector<hdlc::LinkEvent> events = std::move(link_out.events);
  out.writes = std::move(link_out.frames);
  const auto releases_before = association_.stats().releases;
  const auto security_errors_before = association_.stats().security_errors;
  for (auto& event : events) {
    switch (event.kind) {
      case hdlc::LinkEvent::Kind::connected:
        association_.reset();
        break;
      case hdlc::LinkEvent::Kind::disconnected:
        out.link_disconnected = true;
        association_.reset();
        break;
      case hdlc::LinkEvent::Kind::apdu_received: {
        const std::uint16_t client = link_->peer() ? link_->peer()->upper() : 0;
        auto answer = association_.handle(event.data, client, now_unix_ms);
        if (!answer) break;
        ++out.requests;
        if (is_service_error(*answer)) ++out.service_errors;
        if (flag_bytes_) {
          flag_bytes_ = false;
          if (!describes_a_profile(event.data)) *answer = flag_bytes_answer(std::move(*answer));
        }
        auto sent = link_->send_apdu(*answer);
        if (sent) {
          for (auto& frame : sent->frames) out.writes.push_back(std::move(frame));
        }
        break;
      }
      default:
        break;
    }
  }
  out.releases = association_.stats().releases - releases_before;
  out.security_errors = association_.stats().security_errors - security_errors_before;
  return out;
}

std::optional<Bytes> HdlcServerTransport::predict_frame(const Bytes& apdu) const {
  if (!link_->peer() ||
      apdu.size() + kServerLlcHeader.size() > link_->parameters().max_info_transmit) {
    return std::nullopt;
  }
  Bytes information = kServerLlcHeader;
  information.insert(information.end(), apdu.begin(), apdu.end());
  auto frame = hdlc::encode_frame(hdlc::Frame{
      *link_->peer(), settings_.address,
      hdlc::ControlField::information(link_->send_sequence(), link_->receive_sequence(), true),
      false, std::move(information)});
  if (!frame) return std::nullopt;
  return std::move(*frame);
}

bool HdlcServerTransport::describes_a_profile(ByteView request) {
  // A profile generic object's attributes (capture period, entries in use, depth) describe the
  // buffer this meter serves: moved, the meter would contradict its own buffer, which no real
  // meter does. Registers and data objects may take any value.
  constexpr std::uint16_t kProfileGenericClass = 7;
  auto get = xdlms::GetRequestNormal::decode(request);
  return get && get->attribute.class_id == kProfileGenericClass;
}

Bytes HdlcServerTransport::flag_bytes_answer(Bytes apdu) const {
  auto response = xdlms::GetResponseNormal::decode(apdu);
  if (!response) return apdu;
  const auto* value = std::get_if<axdr::Data>(&response->result);
  if (value == nullptr) return apdu;
  const auto base = value->to_int64();
  if (!base || !integer_like(*value, *base)) return apdu;
  const std::int64_t reach = std::max<std::int64_t>(512, (*base < 0 ? -*base : *base) / 50);
  std::optional<Bytes> data_only;
  std::optional<Bytes> fcs_only;
  for (std::int64_t step = 0; step <= 2 * reach; ++step) {
    const std::int64_t delta = (step % 2 == 0) ? step / 2 : -(step + 1) / 2;
    auto candidate = integer_like(*value, *base + delta);
    if (!candidate) continue;
    xdlms::GetResponseNormal changed{response->invoke, *candidate};
    Bytes encoded = changed.encode();
    const bool in_data = contains_flag(axdr::encode_data(*candidate));
    auto frame = predict_frame(encoded);
    const bool in_fcs =
        frame && ((*frame)[frame->size() - 3] == kFlag || (*frame)[frame->size() - 2] == kFlag);
    if (in_data && in_fcs) return encoded;
    if (in_data && !data_only) data_only = encoded;
    if (in_fcs && !fcs_only) fcs_only = encoded;
  }
  // No nearby value gives both: alternate, so a run of answers shows each case.
  flag_toggle_ = !flag_toggle_;
  if (flag_toggle_ && fcs_only) return *fcs_only;
  if (data_only) return *data_only;
  return fcs_only ? *fcs_only : apdu;
}

}  // namespace dlmsgw::server
