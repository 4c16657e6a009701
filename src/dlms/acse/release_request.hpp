#pragma once
// RLRQ (A-RELEASE request, [APPLICATION 2] = 0x62): closes an application association.
//
//   62 L  80 01 reason (normal 0, urgent 1, user-defined 30)     optional
//         BE user-information (xDLMS InitiateRequest, when ciphered) optional
//
// Meters commonly get "62 00" or "62 03 80 01 00".

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/bytes.hpp"
#include "core/expected.hpp"

namespace dlmsgw::acse {

inline constexpr std::uint8_t kRlrqTag = 0x62;

enum class ReleaseRequestReason : std::uint8_t {
  normal = 0,
  urgent = 1,
  user_defined = 30,
};

// "normal", "urgent", "user-defined"; "unknown" for other values.
std::string_view to_string(ReleaseRequestReason reason);

struct RlrqParameters {
  std::optional<ReleaseRequestReason> reason = ReleaseRequestReason::normal;
  std::optional<Bytes> user_information;  // an xDLMS APDU, carried as it is

  bool operator==(const RlrqParameters&) const = default;
};

Bytes encode_rlrq(const RlrqParameters& parameters);
// Unknown elements are skipped; unknown reason values are kept.
Expected<RlrqParameters> decode_rlrq(ByteView bytes);

}  // namespace dlmsgw::acse
