#include "dlms/acse/authentication_redaction.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace dlmsgw::acse {
namespace {

// application-context-name [1] { OBJECT IDENTIFIER 2.16.756.5.8.1.x }: every AARQ carries it.
constexpr std::array<std::uint8_t, 10> kContextNamePrefix{0xA1, 0x09, 0x06, 0x07, 0x60,
                                                          0x85, 0x74, 0x05, 0x08, 0x01};
constexpr std::uint8_t kCallingAuthenticationValue = 0xAC;
constexpr std::uint8_t kCharstring = 0x80;  // authentication-value: charstring [0]
constexpr std::uint8_t kMask = '*';

}  // namespace

bool redact_authentication_value(Bytes& frame) {
  const auto context =
      std::search(frame.begin(), frame.end(), kContextNamePrefix.begin(), kContextNamePrefix.end());
  if (context == frame.end()) return false;
  // AC <n+2> 80 <n> <n bytes>, after the context name (short-form lengths: an LLS password or an
  // HLS challenge is at most 64 bytes).
  for (auto at = static_cast<std::size_t>(context - frame.begin()); at + 4 <= frame.size(); ++at) {
    if (frame[at] != kCallingAuthenticationValue || frame[at + 2] != kCharstring) continue;
    const std::size_t length = frame[at + 3];
    if (frame[at + 1] != length + 2 || length >= 0x80 || at + 4 + length > frame.size()) continue;
    std::fill_n(frame.begin() + static_cast<std::ptrdiff_t>(at + 4), length, kMask);
    return true;
  }
  return false;
}

}  // namespace dlmsgw::acse
