#pragma once
// ConnectionSettings: everything needed to reach one meter and open an association with it. The
// defaults are the user's Microstar meter (docs: reference/user-meter.md): HDLC frames straight
// over TCP on port 3333, client SAP 1, server logical 0 / physical 1 packed into a one-byte address
// (0x03 on the wire), LLS with password "22222222", proposed conformance 0x007E1F, max PDU 1200.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/expected.hpp"
#include "dlms/hdlc/hdlc_address.hpp"
#include "dlms/obis/obis_code.hpp"
#include "dlms/security/aes_key.hpp"
#include "dlms/security/security_control.hpp"
#include "dlms/security/system_title.hpp"
#include "dlms/xdlms/conformance.hpp"
#include "net/serial_port.hpp"

namespace dlmsgw::client {

enum class Transport { hdlc, wrapper };
enum class Authentication { none, low, high_gmac };
// What every xDLMS APDU after the AARQ carries (security suite 0, glo-ciphered APDUs).
enum class Security { none, authenticated, encrypted, authenticated_encrypted };

std::string_view to_string(Transport transport);
std::string_view to_string(Authentication authentication);
std::string_view to_string(Security security);
Expected<Transport> parse_transport(std::string_view text);            // "hdlc", "wrapper"
Expected<Authentication> parse_authentication(std::string_view text);  // "none", "low", "high-gmac"
Expected<Security> parse_security(std::string_view text);  // "none", "auth", "enc", "auth-enc"
security::SecurityPolicy to_policy(Security security);

inline constexpr std::uint16_t kDefaultHdlcTcpPort = 3333;  // the user's meter
inline constexpr std::uint16_t kDefaultWrapperPort = 4059;  // IANA "dlms-cosem"

struct TcpTarget {
  std::string host = "127.0.0.1";
  std::uint16_t port = kDefaultHdlcTcpPort;
  bool operator==(const TcpTarget&) const = default;
};

struct SerialTarget {
  net::SerialSettings line;
  // IEC 62056-21 mode E opening: "/?!\r\n" at 300 baud 7E1, read the identification, acknowledge
  // with ACK 2 <baud char> 2 CR LF, then switch to the baud rate the meter announced (8N1) for
  // HDLC.
  bool iec_mode_e = false;
  // Silence on a shared line before a frame is written; nullopt: the bus default (20 ms,
  // serial_bus.hpp). Meters on one port with different gaps get the largest.
  std::optional<std::chrono::milliseconds> inter_frame_gap;
  bool operator==(const SerialTarget&) const = default;
};

struct Timeouts {
  std::chrono::milliseconds connect{10'000};
  // How long one request waits for the meter before it is repeated (HDLC) or given up (wrapper).
  std::chrono::milliseconds response{5'000};
  // HDLC: how many times a frame is sent again after a silent response timeout.
  unsigned retries = 2;
  bool operator==(const Timeouts&) const = default;
};

struct ConnectionSettings {
  // Names the meter in every error: "meter 'kitchen' 127.0.0.1:3333: ...".
  std::string name = "meter";
  Transport transport = Transport::hdlc;
  std::variant<TcpTarget, SerialTarget> endpoint = TcpTarget{};

  // HDLC: client SAP; wrapper: the client wPort.
  std::uint8_t client_address = 1;
  // HDLC: the upper (logical device) and lower (physical device) parts of the server address;
  // wrapper: the logical device is the server wPort.
  std::uint16_t server_logical = 0;
  std::uint16_t server_physical = 1;
  // 1, 2 or 4. With 1 byte the address is (logical << 7) | physical, the user's meter convention.
  std::size_t server_address_size = 1;

  Authentication authentication = Authentication::low;
  std::string password = "22222222";

  Security security = Security::none;
  std::optional<security::SystemTitle> system_title;  // our own; required by ciphering and HLS
  std::optional<security::AesKey128> block_key;       // global unicast encryption key
  std::optional<security::AesKey128> authentication_key;

  // The meter's own frame (invocation) counter object, e.g. 0-0:43.1.0 (class 1, attribute 2),
  // read through a plain association of `frame_counter_client` (the public client, no
  // authentication) on a connection of its own just before each ciphered association: our counter
  // then continues from max(stored, meter's + 1), for meters that expect the client to follow
  // theirs. nullopt: not read. Ignored without ciphering or HLS-GMAC.
  std::optional<ObisCode> frame_counter_obis;
  std::uint8_t frame_counter_client = 16;

  Timeouts timeouts;
  std::uint16_t max_pdu_size = 1200;
  xdlms::Conformance proposed_conformance{0x007E1F};
  // A cheap GET is sent after this long without traffic, well inside the meter's 180 s limit.
  std::chrono::milliseconds keep_alive_interval{60'000};

  // The server's HDLC address built from logical/physical/size.
  [[nodiscard]] Expected<hdlc::HdlcAddress> server_hdlc_address() const;
  // "127.0.0.1:3333" or "/dev/ttyUSB0".
  [[nodiscard]] std::string peer() const;
  // "meter 'kitchen' 127.0.0.1:3333": the prefix of every error about this meter.
  [[nodiscard]] std::string describe() const;
  // Refuses combinations that cannot work (ciphering without keys, bad address size...).
  [[nodiscard]] Expected<void> validate() const;
  bool operator==(const ConnectionSettings&) const = default;
};

}  // namespace dlmsgw::client
