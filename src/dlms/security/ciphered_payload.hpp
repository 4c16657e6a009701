#pragma once
// The protected payload of a security header, per the Green Book (DLMS UA 1000-2, "security suite
// 0"): what follows SC || IC inside a ciphered APDU, for each security policy.
//   authenticated only:      plaintext || T,  T = GMAC(AAD = SC || AK || plaintext)
//   encrypted only:          C,               no tag
//   authenticated+encrypted: C || T,          AAD = SC || AK
//   none:                    plaintext
// The IV is always the sender's system title || IC.

#include "core/bytes.hpp"
#include "core/expected.hpp"
#include "dlms/security/invocation_counter.hpp"
#include "dlms/security/security_control.hpp"
#include "dlms/security/security_keys.hpp"
#include "dlms/security/system_title.hpp"

namespace dlmsgw::security {

// `sender_title` and `invocation_counter` are the sender's: our own when we encrypt.
// Suite ids other than 0 and the compression bit are `unsupported`.
Expected<Bytes> encrypt_payload(SecurityControl security_control, const SystemTitle& sender_title,
                                InvocationCounter invocation_counter, const SecurityKeys& keys,
                                ByteView plaintext);

// Inverse of encrypt_payload. A payload shorter than the tag is `truncated`; a tag mismatch is
// `checksum`.
Expected<Bytes> decrypt_payload(SecurityControl security_control, const SystemTitle& sender_title,
                                InvocationCounter invocation_counter, const SecurityKeys& keys,
                                ByteView payload);

}  // namespace dlmsgw::security
