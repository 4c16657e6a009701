#pragma once
// Ciphered xDLMS APDUs (security suite 0): wrapping a plain APDU into a glo-/ded- service-specific
// APDU or a general-glo/ded-ciphering APDU, and unwrapping what a peer sends.
//
//   service-specific:  tag || len || SC || IC || payload
//   general-*:         tag || len || system title || len || SC || IC || payload
//
// `len` is a BER definite length; the payload is as `ciphered_payload.hpp` describes. Nothing here
// keeps state: the caller advances its own invocation counter after each `protect`, and feeds the
// counter `unprotect` returns to an InvocationCounterGuard to refuse replays.

#include <optional>

#include "core/bytes.hpp"
#include "core/expected.hpp"
#include "dlms/security/aes_key.hpp"
#include "dlms/security/ciphered_apdu_tag.hpp"
#include "dlms/security/invocation_counter.hpp"
#include "dlms/security/security_control.hpp"
#include "dlms/security/system_title.hpp"

namespace dlmsgw::security {

enum class CipheringForm : std::uint8_t { service_specific, general };

struct SecurityContext {
  // What `protect` applies, and the least `unprotect` accepts.
  SecurityPolicy policy = SecurityPolicy::authenticated_encrypted;
  // How `protect` wraps: glo-/ded- tag, or general-glo/ded-ciphering with our system title.
  CipheringForm form = CipheringForm::service_specific;
  // Which key `protect` encrypts with (global unicast or dedicated).
  KeySet key_set = KeySet::global;
  SystemTitle own_system_title;
  // The counter `protect` puts in the next APDU.
  InvocationCounter invocation_counter;
  // The peer's title (from the AARQ/AARE): the IV of service-specific APDUs it sends. When set, a
  // general-ciphering APDU carrying another title is refused.
  std::optional<SystemTitle> peer_system_title;
  AesKey128 global_key;  // global unicast encryption key
  AesKey128 authentication_key;
  std::optional<AesKey128> dedicated_key;  // from the initiate-request, for ded- APDUs
};

// Ciphers `plain_apdu`; the ciphered tag follows from its first byte (e.g. get-request 0xC0 ->
// glo-get-request 0xC8). `invalid_argument` for an empty APDU, policy none, or a dedicated key set
// without a dedicated key; `unsupported` for an APDU with no service-specific ciphered form.
Expected<Bytes> protect(ByteView plain_apdu, const SecurityContext& context);

struct Unprotected {
  Bytes apdu;  // the plain xDLMS APDU
  SecurityControl security_control;
  InvocationCounter invocation_counter;
  SystemTitle system_title;  // the sender's, whose IV was used
  KeySet key_set;
};

// The outer layer of a ciphered APDU, which can be read without keys: what `dlmsgw decode` shows
// and what `unprotect` checks before deciphering. Nothing in it is authenticated yet.
struct CipheredApduHeader {
  std::uint8_t tag = 0;
  CipheredTagInfo tag_info{};
  std::optional<SystemTitle> system_title;  // general-glo/ded-ciphering only
  SecurityControl security_control;
  InvocationCounter invocation_counter;
  ByteView payload;  // ciphertext and/or authentication tag, borrowed from the input
};

// Reads tag, system title, length, SC and IC of one whole ciphered APDU (no trailing bytes).
// malformed/truncated on a bad tag or lengths.
Expected<CipheredApduHeader> read_ciphered_header(ByteView ciphered_apdu);

// Checks and deciphers one whole ciphered APDU (no trailing bytes). Errors:
//   malformed/truncated  bad tag, lengths, or a plain APDU that does not match the ciphered tag
//   crypto               protection weaker than `context.policy` (downgrade), or no key for it
//   checksum             authentication tag mismatch (wrong key, tampering)
//   unsupported          another suite, compression, the broadcast key set
//   address_mismatch     a general-ciphering system title other than `peer_system_title`
//   invalid_argument     service-specific APDU but no `peer_system_title` to build the IV
Expected<Unprotected> unprotect(ByteView ciphered_apdu, const SecurityContext& context);

}  // namespace dlmsgw::security
