#pragma once
// ConnectionFlags: the connection options of the `read` and `objects` commands as the user typed
// them (strings and numbers, all optional), and their checked conversion into ConnectionSettings.
// Kept apart from CLI11 so that the rules (defaults, ports by transport, key parsing) are tested.
//
// Defaults are the user's meter: HDLC over TCP on port 3333, client 1, server logical 0 /
// physical 1 as one byte, LLS with "22222222". With --transport wrapper the port defaults to 4059
// and the server logical address (the server wPort) to 1.

#include <cstdint>
#include <optional>
#include <string>

#include "client/connection_settings.hpp"

namespace dlmsgw::client {

struct ConnectionFlags {
  std::string name = "cli";
  std::optional<std::string> host;
  std::optional<unsigned> port;
  std::optional<std::string> serial_device;
  unsigned baud = 9600;
  std::string parity = "none";
  unsigned data_bits = 8;
  unsigned stop_bits = 1;
  bool iec_mode_e = false;
  std::string transport = "hdlc";
  unsigned client = 1;
  std::optional<unsigned> server_logical;
  unsigned server_physical = 1;
  unsigned address_size = 1;
  std::string authentication = "low";
  std::optional<std::string> password;
  std::string security = "none";
  std::optional<std::string> system_title;
  std::optional<std::string> block_key;
  std::optional<std::string> authentication_key;
  unsigned timeout_ms = 5000;
  unsigned connect_timeout_ms = 10000;
  unsigned retries = 2;
  unsigned max_pdu = 1200;
  std::optional<std::string> conformance;         // hex, e.g. "007E1F"
  std::optional<std::string> frame_counter_obis;  // the meter's counter to follow, e.g. 0-0:43.1.0
  unsigned frame_counter_client = 16;
};

// Errors name the flag ("--port 70000: use 1..65535").
Expected<ConnectionSettings> to_settings(const ConnectionFlags& flags);

}  // namespace dlmsgw::client
