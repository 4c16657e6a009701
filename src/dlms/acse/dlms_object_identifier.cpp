#include "dlms/acse/dlms_object_identifier.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "core/hex.hpp"

namespace dlmsgw::acse {
namespace {

// 2.16 -> 2*40+16 = 0x60; 756 -> 0x85 0x74 (base 128); 5; 8.
constexpr std::array<std::uint8_t, 5> kDlmsUaPrefix = {0x60, 0x85, 0x74, 0x05, 0x08};

}  // namespace

Bytes encode_dlms_object_identifier(DlmsObjectKind kind, std::uint8_t id) {
  Bytes bytes(kDlmsUaPrefix.begin(), kDlmsUaPrefix.end());
  bytes.push_back(static_cast<std::uint8_t>(kind));
  bytes.push_back(id);
  return bytes;
}

Expected<std::uint8_t> decode_dlms_object_identifier(ByteView content, DlmsObjectKind kind,
                                                     std::string_view what) {
  const bool matches = content.size() == kDlmsUaPrefix.size() + 2 &&
                       std::equal(kDlmsUaPrefix.begin(), kDlmsUaPrefix.end(), content.begin()) &&
                       content[kDlmsUaPrefix.size()] == static_cast<std::uint8_t>(kind) &&
                       content.back() < 0x80;
  if (!matches) {
    const char* expected =
        kind == DlmsObjectKind::application_context ? "2.16.756.5.8.1.x" : "2.16.756.5.8.2.x";
    return make_error(ErrorCode::unsupported, std::string(what) + ": OID " + to_hex(content) +
                                                  " is not a DLMS UA " + expected);
  }
  return content.back();
}

}  // namespace dlmsgw::acse
