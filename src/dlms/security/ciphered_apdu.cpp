#include "dlms/security/ciphered_apdu.hpp"

#include <string>

#include "core/byte_reader.hpp"
#include "core/byte_writer.hpp"
#include "core/hex.hpp"
#include "dlms/axdr/axdr_length.hpp"
#include "dlms/security/ciphered_payload.hpp"

namespace dlmsgw::security {
namespace {

// SC (1) + IC (4).
constexpr std::size_t kSecurityHeaderSize = 5;

Expected<AesKey128> block_key_for(KeySet key_set, const SecurityContext& context) {
  if (key_set == KeySet::global) return context.global_key;
  if (!context.dedicated_key) {
    return make_error(ErrorCode::crypto, "dedicated key needed but none was agreed");
  }
  return *context.dedicated_key;
}

// The IV's system title: the one a general-ciphering APDU carries (which must be the peer's when
// the peer is known), else the peer's from the association.
Expected<SystemTitle> sender_title(const CipheredApduHeader& header,
                                   const SecurityContext& context) {
  if (header.system_title) {
    if (context.peer_system_title && *header.system_title != *context.peer_system_title) {
      return make_error(ErrorCode::address_mismatch,
                        "system title " + header.system_title->to_hex() + " is not the peer's " +
                            context.peer_system_title->to_hex());
    }
    return *header.system_title;
  }
  if (context.peer_system_title) return *context.peer_system_title;
  return make_error(ErrorCode::invalid_argument,
                    "the peer's system title is needed to decipher a service-specific APDU");
}

Expected<Unprotected> unprotect_unchecked(ByteView ciphered_apdu, const SecurityContext& context) {
  DLMSGW_TRY_ASSIGN(const CipheredApduHeader header, read_ciphered_header(ciphered_apdu));
  DLMSGW_TRY_ASSIGN(const SystemTitle sender, sender_title(header, context));
  const SecurityControl security_control = header.security_control;
  if (!satisfies(security_control.policy(), context.policy)) {
    return make_error(ErrorCode::crypto, "security policy downgrade: APDU is " +
                                             std::string(to_string(security_control.policy())) +
                                             ", association requires " +
                                             std::string(to_string(context.policy)));
  }
  if (security_control.broadcast_key()) {
    return make_error(ErrorCode::unsupported, "APDU ciphered with the broadcast key");
  }
  DLMSGW_TRY_ASSIGN(const AesKey128 block_key, block_key_for(header.tag_info.key_set, context));
  DLMSGW_TRY_ASSIGN(
      Bytes plain,
      decrypt_payload(security_control, sender, header.invocation_counter,
                      SecurityKeys{block_key, context.authentication_key}, header.payload));
  if (plain.empty()) return make_error(ErrorCode::malformed, "deciphered APDU is empty");
  if (header.tag_info.plain_tag && plain.front() != *header.tag_info.plain_tag) {
    return make_error(ErrorCode::malformed, "ciphered tag " + to_hex_literal(header.tag) +
                                                " carries APDU tag " +
                                                to_hex_literal(plain.front()) + ", expected " +
                                                to_hex_literal(*header.tag_info.plain_tag));
  }
  return Unprotected{std::move(plain), security_control, header.invocation_counter, sender,
                     header.tag_info.key_set};
}

}  // namespace

Expected<CipheredApduHeader> read_ciphered_header(ByteView ciphered_apdu) {
  ByteReader reader(ciphered_apdu);
  CipheredApduHeader header;
  DLMSGW_TRY_ASSIGN(header.tag, reader.read_u8("ciphered APDU tag"));
  const auto info = describe_ciphered_tag(header.tag);
  if (!info) {
    return make_error(ErrorCode::malformed,
                      "tag " + to_hex_literal(header.tag) + " is not a ciphered APDU");
  }
  header.tag_info = *info;
  if (info->general) {
    DLMSGW_TRY_ASSIGN(const std::uint32_t title_length,
                      axdr::decode_length(reader, "system title length"));
    DLMSGW_TRY_ASSIGN(const ByteView title_bytes, reader.read_bytes(title_length, "system title"));
    auto title = SystemTitle::from_bytes(title_bytes);
    if (!title) return Error{ErrorCode::malformed, title.error().message};
    header.system_title = *title;
  }
  DLMSGW_TRY_ASSIGN(const std::uint32_t length,
                    axdr::decode_length(reader, "ciphered content length"));
  if (length > reader.remaining()) {
    return make_error(ErrorCode::truncated, "ciphered content length: declares " +
                                                std::to_string(length) + " byte(s), only " +
                                                std::to_string(reader.remaining()) + " follow");
  }
  if (reader.remaining() != length) {
    return make_error(ErrorCode::malformed, std::to_string(reader.remaining() - length) +
                                                " byte(s) after the ciphered content");
  }
  if (length < kSecurityHeaderSize) {
    return make_error(ErrorCode::truncated, "ciphered content of " + std::to_string(length) +
                                                " byte(s) cannot hold the 5-byte security header");
  }
  header.security_control = SecurityControl(*reader.read_u8("security control"));
  header.invocation_counter = InvocationCounter(*reader.read_u32_be("invocation counter"));
  header.payload = reader.rest();
  return header;
}

Expected<Bytes> protect(ByteView plain_apdu, const SecurityContext& context) {
  if (plain_apdu.empty()) return make_error(ErrorCode::invalid_argument, "protect: empty APDU");
  if (context.policy == SecurityPolicy::none) {
    return make_error(ErrorCode::invalid_argument,
                      "protect: security policy none (send the APDU unciphered)");
  }
  std::uint8_t tag = 0;
  if (context.form == CipheringForm::general) {
    tag = context.key_set == KeySet::global ? apdu_tag::kGeneralGloCiphering
                                            : apdu_tag::kGeneralDedCiphering;
  } else {
    const auto ciphered = ciphered_tag_for(plain_apdu.front(), context.key_set);
    if (!ciphered) {
      return make_error(ErrorCode::unsupported,
                        "protect: APDU tag " + to_hex_literal(plain_apdu.front()) + " has no " +
                            (context.key_set == KeySet::global ? "glo-" : "ded-") +
                            " ciphered form");
    }
    tag = *ciphered;
  }
  auto block_key = block_key_for(context.key_set, context);
  if (!block_key)
    return Error{ErrorCode::invalid_argument, "protect: " + block_key.error().message};

  const SecurityControl security_control = SecurityControl::from_policy(context.policy);
  DLMSGW_TRY_ASSIGN(
      const Bytes payload,
      encrypt_payload(security_control, context.own_system_title, context.invocation_counter,
                      SecurityKeys{*block_key, context.authentication_key}, plain_apdu));
  ByteWriter out;
  out.put_u8(tag);
  if (context.form == CipheringForm::general) {
    axdr::encode_length(out, SystemTitle::kSize);
    out.put_bytes(context.own_system_title.bytes());
  }
  axdr::encode_length(out, static_cast<std::uint32_t>(kSecurityHeaderSize + payload.size()));
  out.put_u8(security_control.byte());
  out.put_u32_be(context.invocation_counter.value());
  out.put_bytes(payload);
  return out.take();
}

Expected<Unprotected> unprotect(ByteView ciphered_apdu, const SecurityContext& context) {
  auto result = unprotect_unchecked(ciphered_apdu, context);
  if (!result) return result.error().with_context("ciphered APDU");
  return result;
}

}  // namespace dlmsgw::security
