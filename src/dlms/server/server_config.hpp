#pragma once
// ServerConfig: how a simulated meter runs its associations: which client SAPs it accepts and
// with what authentication, the conformance it supports, its max receive PDU size, and its suite-0
// security material.
//
// Profiles (the defaults users and tests rely on):
//   microstar: clients 1 LLS "22222222", 32 LLS "11111111", 17 LLS "00000000"; conformance
//              0x00301D (get, set, action, selective access, block transfer with get,
//              attribute 0 with get; no multiple references); max receive PDU 1024.
//   generic:   clients 16 public (no authentication), 32 LLS "12345678", 1 HLS-GMAC with
//              ciphering (LN-ciphered context, glo-ciphered APDUs, authenticated and encrypted);
//              conformance 0x003E1D (the microstar set plus multiple references and block
//              transfer with SET and ACTION);
//              max receive PDU 1024.
//   Security (generic and any ciphered client): system title 4D4D4D0000BC614E, block key
//   000102030405060708090A0B0C0D0E0F, authentication key D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF (the
//   usual Green Book / Gurux test keys: this is a simulator, not a secure meter).

#include <cstdint>
#include <map>
#include <string>

#include "dlms/acse/mechanism_name.hpp"
#include "dlms/security/aes_key.hpp"
#include "dlms/security/security_control.hpp"
#include "dlms/security/system_title.hpp"
#include "dlms/xdlms/conformance.hpp"

namespace dlmsgw::server {

struct ClientPolicy {
  acse::MechanismName mechanism = acse::MechanismName::none;
  std::string password;   // LLS only
  bool ciphered = false;  // LN-with-ciphering context, every xDLMS APDU glo-ciphered
};

struct SecuritySettings {
  security::SystemTitle system_title;
  security::AesKey128 block_key;
  security::AesKey128 authentication_key;
  security::SecurityPolicy policy = security::SecurityPolicy::authenticated_encrypted;

  static SecuritySettings defaults();
};

// get, set, action, selective access, block transfer with get, set and action, attribute 0 with
// get, multiple references: every service the AssociationServer implements.
inline constexpr std::uint32_t kGenericConformance = 0x003E1D;
inline constexpr std::uint32_t kMicrostarConformance = 0x00301D;

struct ServerConfig {
  std::map<std::uint16_t, ClientPolicy> clients;  // by client SAP
  xdlms::Conformance supported_conformance{kGenericConformance};
  std::uint16_t server_max_receive_pdu = 1024;
  // A GET-with-list answer longer than the client's PDU: in blocks (Get-Response-With-Datablock
  // carrying the list of results) when block transfer with GET was granted; false, or without
  // that grant, the whole list is refused with an exception-response (pdu-too-long), as some
  // meters do.
  bool list_answers_in_blocks = true;
  SecuritySettings security = SecuritySettings::defaults();

  static ServerConfig microstar();
  static ServerConfig generic();
};

}  // namespace dlmsgw::server
