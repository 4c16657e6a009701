#pragma once
// The components shared by the ACSE APDUs (AARQ, AARE, RLRQ, RLRE; IEC 62056-5-3 / ISO 8650 as
// profiled by the Green Book), each as an encode/decode pair. Decoders take the content octets of
// the context-specific element (the tag and length were read by the APDU decoder) and name the
// field in their errors; encoders return the whole element with computed lengths.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/bytes.hpp"
#include "core/expected.hpp"

namespace dlmsgw::acse {

// A system title (the AP-title of DLMS) is 8 bytes: 3 of manufacturer id, 5 of serial.
inline constexpr std::size_t kSystemTitleSize = 8;

// AP-title, e.g. calling-AP-title A6 0A 04 08 <system title>: an OCTET STRING inside [tag].
Bytes encode_ap_title(std::uint8_t tag, ByteView title);
Expected<Bytes> decode_ap_title(ByteView content, std::string_view what);

// ACSE-requirements BIT STRING { authentication (0) }: [tag] 02 07 80 when authenticating.
Bytes encode_acse_requirements(std::uint8_t tag);
// Whether the authentication bit is set.
Expected<bool> decode_acse_requirements(ByteView content, std::string_view what);

// Authentication-value CHOICE, charstring [0] GraphicString: [tag] L 80 L' <value>, of any length.
Bytes encode_authentication_value(std::uint8_t tag, ByteView value);
Expected<Bytes> decode_authentication_value(ByteView content, std::string_view what);

// user-information [30] EXPLICIT: BE L 04 L' <xDLMS APDU>.
Bytes encode_user_information(ByteView apdu);
Expected<Bytes> decode_user_information(ByteView content, std::string_view what);

// A small INTEGER, explicitly tagged ([tag] 03 02 01 v, e.g. the AARE result) or implicitly
// ([tag] 01 v, e.g. the RLRQ reason). Values outside 0..255 are `out_of_range`.
Bytes encode_explicit_integer(std::uint8_t tag, std::uint8_t value);
Expected<std::uint8_t> decode_explicit_integer(ByteView content, std::string_view what);
Bytes encode_implicit_integer(std::uint8_t tag, std::uint8_t value);
Expected<std::uint8_t> decode_implicit_integer(ByteView content, std::string_view what);

}  // namespace dlmsgw::acse
