#pragma once
// RLRE (A-RELEASE response, [APPLICATION 3] = 0x63): the server's answer to an RLRQ.
//
//   63 L  80 01 reason (normal 0, not-finished 1, user-defined 30)   optional
//         BE user-information                                         optional
//
// Some meters answer the RLRQ with a malformed RLRE. By then the client is done with the meter:
// release must complete anyway, so besides the strict decoder there is a lenient one that keeps
// what it can read and reports the defect instead of failing.

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/bytes.hpp"
#include "core/expected.hpp"

namespace dlmsgw::acse {

inline constexpr std::uint8_t kRlreTag = 0x63;

enum class ReleaseResponseReason : std::uint8_t {
  normal = 0,
  not_finished = 1,
  user_defined = 30,
};

// "normal", "not-finished", "user-defined"; "unknown" for other values.
std::string_view to_string(ReleaseResponseReason reason);

struct RlreParameters {
  std::optional<ReleaseResponseReason> reason = ReleaseResponseReason::normal;
  std::optional<Bytes> user_information;  // an xDLMS APDU, carried as it is

  bool operator==(const RlreParameters&) const = default;
};

Bytes encode_rlre(const RlreParameters& parameters);
// Strict: any malformation is an error. Unknown elements are skipped.
Expected<RlreParameters> decode_rlre(ByteView bytes);

// What a lenient read of an RLRE gives: the fields that could be read, and what was wrong (no
// defect for a well-formed RLRE). The association counts as released in every case.
struct LenientRlre {
  RlreParameters parameters;
  std::optional<Error> defect;
};
LenientRlre decode_rlre_leniently(ByteView bytes);

}  // namespace dlmsgw::acse
