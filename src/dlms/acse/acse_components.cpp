#include "dlms/acse/acse_components.hpp"

#include <string>

#include "dlms/acse/ber_element.hpp"

namespace dlmsgw::acse {
namespace {

constexpr std::uint8_t kInteger = 0x02;
constexpr std::uint8_t kOctetString = 0x04;
constexpr std::uint8_t kUserInformation = 0xBE;
constexpr std::uint8_t kCharstring = 0x80;  // Authentication-value charstring [0] IMPLICIT

}  // namespace

Bytes encode_ap_title(std::uint8_t tag, ByteView title) {
  return ber_element(tag, ber_element(kOctetString, title));
}

Expected<Bytes> decode_ap_title(ByteView content, std::string_view what) {
  DLMSGW_TRY_ASSIGN(const BerElement title, read_only_ber_element(content, kOctetString, what));
  return Bytes(title.value.begin(), title.value.end());
}

Bytes encode_acse_requirements(std::uint8_t tag) {
  // BIT STRING of one bit: 7 unused bits, then bit 0 (authentication) set.
  const Bytes bits = {0x07, 0x80};
  return ber_element(tag, bits);
}

Expected<bool> decode_acse_requirements(ByteView content, std::string_view what) {
  if (content.empty()) {
    return make_error(ErrorCode::malformed, std::string(what) + ": empty BIT STRING");
  }
  if (content[0] > 7) {
    return make_error(ErrorCode::malformed, std::string(what) + ": " + std::to_string(content[0]) +
                                                " unused bits in a BIT STRING (at most 7)");
  }
  return content.size() >= 2 && (content[1] & 0x80) != 0;
}

Bytes encode_authentication_value(std::uint8_t tag, ByteView value) {
  return ber_element(tag, ber_element(kCharstring, value));
}

Expected<Bytes> decode_authentication_value(ByteView content, std::string_view what) {
  DLMSGW_TRY_ASSIGN(const BerElement value, read_only_ber_element(content, kCharstring, what));
  return Bytes(value.value.begin(), value.value.end());
}

Bytes encode_user_information(ByteView apdu) {
  return ber_element(kUserInformation, ber_element(kOctetString, apdu));
}

Expected<Bytes> decode_user_information(ByteView content, std::string_view what) {
  DLMSGW_TRY_ASSIGN(const BerElement apdu, read_only_ber_element(content, kOctetString, what));
  return Bytes(apdu.value.begin(), apdu.value.end());
}

Bytes encode_implicit_integer(std::uint8_t tag, std::uint8_t value) {
  // BER INTEGER is two's complement: 128..255 need a leading zero octet to stay positive.
  Bytes octets;
  if (value >= 0x80) octets.push_back(0x00);
  octets.push_back(value);
  return ber_element(tag, octets);
}

Expected<std::uint8_t> decode_implicit_integer(ByteView content, std::string_view what) {
  if (content.empty() || content.size() > 4) {
    return make_error(ErrorCode::malformed, std::string(what) + ": INTEGER of " +
                                                std::to_string(content.size()) +
                                                " octets (1 to 4 accepted)");
  }
  if ((content[0] & 0x80) != 0) {
    return make_error(ErrorCode::out_of_range, std::string(what) + ": negative value");
  }
  std::uint32_t value = 0;
  for (const std::uint8_t octet : content) value = (value << 8) | octet;
  if (value > 0xFF) {
    return make_error(ErrorCode::out_of_range,
                      std::string(what) + ": value " + std::to_string(value) + " above 255");
  }
  return static_cast<std::uint8_t>(value);
}

Bytes encode_explicit_integer(std::uint8_t tag, std::uint8_t value) {
  return ber_element(tag, encode_implicit_integer(kInteger, value));
}

Expected<std::uint8_t> decode_explicit_integer(ByteView content, std::string_view what) {
  DLMSGW_TRY_ASSIGN(const BerElement integer, read_only_ber_element(content, kInteger, what));
  return decode_implicit_integer(integer.value, what);
}

}  // namespace dlmsgw::acse
