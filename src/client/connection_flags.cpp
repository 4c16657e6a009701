#include "client/connection_flags.hpp"

#include "core/hex.hpp"

namespace dlmsgw::client {
namespace {

Error flag_error(std::string_view flag, const std::string& value, const std::string& why) {
  return make_error(ErrorCode::invalid_argument, std::string(flag) + " " + value + ": " + why);
}

}  // namespace

Expected<ConnectionSettings> to_settings(const ConnectionFlags& flags) {
  ConnectionSettings settings;
  settings.name = flags.name;
  DLMSGW_TRY_ASSIGN(settings.transport, parse_transport(flags.transport));
  if (flags.host && flags.serial_device) {
    return make_error(ErrorCode::invalid_argument, "--host and --serial exclude each other");
  }
  if (flags.serial_device) {
    if (settings.transport != Transport::hdlc) {
      return make_error(ErrorCode::invalid_argument, "--serial carries HDLC only");
    }
    SerialTarget serial;
    serial.line.device = *flags.serial_device;
    serial.line.baud = flags.baud;
    DLMSGW_TRY_ASSIGN(serial.line.parity, net::parse_parity(flags.parity));
    serial.line.data_bits = flags.data_bits;
    if (flags.stop_bits != 1 && flags.stop_bits != 2) {
      return flag_error("--stop-bits", std::to_string(flags.stop_bits), "use 1 or 2");
    }
    serial.line.stop_bits = flags.stop_bits == 2 ? net::StopBits::two : net::StopBits::one;
    serial.iec_mode_e = flags.iec_mode_e;
    settings.endpoint = serial;
  } else {
    TcpTarget tcp;
    tcp.host = flags.host.value_or("127.0.0.1");
    const unsigned port = flags.port.value_or(
        settings.transport == Transport::wrapper ? kDefaultWrapperPort : kDefaultHdlcTcpPort);
    if (port == 0 || port > 65535)
      return flag_error("--port", std::to_string(port), "use 1..65535");
    tcp.port = static_cast<std::uint16_t>(port);
    settings.endpoint = tcp;
  }
  if (flags.client > 127) return flag_error("--client", std::to_string(flags.client), "use 0..127");
  settings.client_address = static_cast<std::uint8_t>(flags.client);
  const unsigned logical =
      flags.server_logical.value_or(settings.transport == Transport::wrapper ? 1 : 0);
  if (logical > 0x3FFF)
    return flag_error("--server-logical", std::to_string(logical), "use 0..16383");
  if (flags.server_physical > 0x3FFF) {
    return flag_error("--server-physical", std::to_string(flags.server_physical), "use 0..16383");
  }
  settings.server_logical = static_cast<std::uint16_t>(logical);
  settings.server_physical = static_cast<std::uint16_t>(flags.server_physical);
  settings.server_address_size = flags.address_size;
  DLMSGW_TRY_ASSIGN(settings.authentication, parse_authentication(flags.authentication));
  settings.password = settings.authentication == Authentication::low
                          ? flags.password.value_or("22222222")
                          : flags.password.value_or("");
  DLMSGW_TRY_ASSIGN(settings.security, parse_security(flags.security));
  if (flags.system_title) {
    auto title = security::SystemTitle::from_hex(*flags.system_title);
    if (!title) return title.error().with_context("--system-title");
    settings.system_title = *title;
  }
  if (flags.block_key) {
    DLMSGW_TRY_ASSIGN(settings.block_key,
                      security::AesKey128::from_hex("--block-key", *flags.block_key));
  }
  if (flags.authentication_key) {
    DLMSGW_TRY_ASSIGN(settings.authentication_key,
                      security::AesKey128::from_hex("--auth-key", *flags.authentication_key));
  }
  if (flags.timeout_ms == 0) return flag_error("--timeout", "0", "must be positive");
  settings.timeouts.response = std::chrono::milliseconds(flags.timeout_ms);
  settings.timeouts.connect = std::chrono::milliseconds(flags.connect_timeout_ms);
  settings.timeouts.retries = flags.retries;
  if (flags.max_pdu > 0xFFFF)
    return flag_error("--max-pdu", std::to_string(flags.max_pdu), "use 64..65535");
  settings.max_pdu_size = static_cast<std::uint16_t>(flags.max_pdu);
  if (flags.conformance) {
    auto bytes = parse_hex(*flags.conformance);
    if (!bytes || bytes->size() != 3) {
      return flag_error("--conformance", *flags.conformance, "use 3 bytes of hex, e.g. 007E1F");
    }
    settings.proposed_conformance = xdlms::Conformance(
        (std::uint32_t{(*bytes)[0]} << 16) | (std::uint32_t{(*bytes)[1]} << 8) | (*bytes)[2]);
  }
  if (flags.frame_counter_obis) {
    auto obis = ObisCode::parse(*flags.frame_counter_obis);
    if (!obis)
      return flag_error("--frame-counter-obis", *flags.frame_counter_obis, "use A-B:C.D.E");
    if (settings.security == Security::none &&
        settings.authentication != Authentication::high_gmac) {
      return flag_error("--frame-counter-obis", *flags.frame_counter_obis,
                        "needs a ciphered association (--security or --auth high-gmac)");
    }
    settings.frame_counter_obis = *obis;
  }
  if (flags.frame_counter_client < 1 || flags.frame_counter_client > 127) {
    return flag_error("--frame-counter-client", std::to_string(flags.frame_counter_client),
                      "use 1..127 (the public client is 16)");
  }
  settings.frame_counter_client = static_cast<std::uint8_t>(flags.frame_counter_client);
  DLMSGW_TRY(settings.validate());
  return settings;
}

}  // namespace dlmsgw::client
