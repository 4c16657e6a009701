#include "client/connection_settings.hpp"

namespace dlmsgw::client {

std::string_view to_string(Transport transport) {
  return transport == Transport::hdlc ? "hdlc" : "wrapper";
}

std::string_view to_string(Authentication authentication) {
  switch (authentication) {
    case Authentication::none:
      return "none";
    case Authentication::low:
      return "low";
    case Authentication::high_gmac:
      return "high-gmac";
  }
  return "?";
}

std::string_view to_string(Security security) {
  switch (security) {
    case Security::none:
      return "none";
    case Security::authenticated:
      return "auth";
    case Security::encrypted:
      return "enc";
    case Security::authenticated_encrypted:
      return "auth-enc";
  }
  return "?";
}

Expected<Transport> parse_transport(std::string_view text) {
  if (text == "hdlc") return Transport::hdlc;
  if (text == "wrapper") return Transport::wrapper;
  return make_error(ErrorCode::invalid_argument,
                    "transport '" + std::string(text) + "': use hdlc or wrapper");
}

Expected<Authentication> parse_authentication(std::string_view text) {
  if (text == "none") return Authentication::none;
  if (text == "low" || text == "lls") return Authentication::low;
  if (text == "high-gmac" || text == "hls-gmac") return Authentication::high_gmac;
  return make_error(ErrorCode::invalid_argument,
                    "authentication '" + std::string(text) + "': use none, low or high-gmac");
}

Expected<Security> parse_security(std::string_view text) {
  if (text == "none") return Security::none;
  if (text == "auth") return Security::authenticated;
  if (text == "enc") return Security::encrypted;
  if (text == "auth-enc") return Security::authenticated_encrypted;
  return make_error(ErrorCode::invalid_argument,
                    "security '" + std::string(text) + "': use none, auth, enc or auth-enc");
}

security::SecurityPolicy to_policy(Security security) {
  switch (security) {
    case Security::none:
      return security::SecurityPolicy::none;
    case Security::authenticated:
      return security::SecurityPolicy::authenticated;
    case Security::encrypted:
      return security::SecurityPolicy::encrypted;
    case Security::authenticated_encrypted:
      return security::SecurityPolicy::authenticated_encrypted;
  }
  return security::SecurityPolicy::none;
}

Expected<hdlc::HdlcAddress> ConnectionSettings::server_hdlc_address() const {
  if (server_address_size == 1)
    return hdlc::HdlcAddress::server_one_byte(server_logical, server_physical);
  return hdlc::HdlcAddress::server(server_logical, server_physical, server_address_size);
}

std::string ConnectionSettings::peer() const {
  if (const auto* tcp = std::get_if<TcpTarget>(&endpoint)) {
    return tcp->host + ":" + std::to_string(tcp->port);
  }
  return std::get<SerialTarget>(endpoint).line.device;
}

std::string ConnectionSettings::describe() const {
  return "meter '" + name + "' " + peer();
}

Expected<void> ConnectionSettings::validate() const {
  const auto fail = [&](const std::string& why) -> Expected<void> {
    return make_error(ErrorCode::invalid_argument, describe() + ": " + why);
  };
  if (server_address_size != 1 && server_address_size != 2 && server_address_size != 4) {
    return fail("server address size " + std::to_string(server_address_size) + ": use 1, 2 or 4");
  }
  if (transport == Transport::hdlc) {
    if (auto client = hdlc::HdlcAddress::client(client_address); !client) {
      return fail(client.error().message);
    }
    if (auto server = server_hdlc_address(); !server) return fail(server.error().message);
  }
  if (authentication == Authentication::low && password.empty()) {
    return fail("LLS needs a password");
  }
  const bool needs_keys = security != Security::none || authentication == Authentication::high_gmac;
  if (needs_keys) {
    if (!system_title) return fail("ciphering and HLS-GMAC need our system title");
    if (!block_key) return fail("ciphering and HLS-GMAC need the block (encryption) key");
    if (!authentication_key) return fail("ciphering and HLS-GMAC need the authentication key");
  }
  if (frame_counter_obis && transport == Transport::hdlc &&
      !hdlc::HdlcAddress::client(frame_counter_client)) {
    return fail("frame counter client " + std::to_string(frame_counter_client) +
                " is not an HDLC client address");
  }
  if (max_pdu_size < 64)
    return fail("max PDU size " + std::to_string(max_pdu_size) + " is too small");
  if (timeouts.response.count() <= 0 || timeouts.connect.count() <= 0) {
    return fail("timeouts must be positive");
  }
  return {};
}

}  // namespace dlmsgw::client
