#include "dlms/acse/release_response.hpp"

#include "dlms/acse/acse_components.hpp"
#include "dlms/acse/ber_element.hpp"

namespace dlmsgw::acse {
namespace {

constexpr std::uint8_t kReason = 0x80;
constexpr std::uint8_t kUserInformation = 0xBE;

// Reads the elements of an RLRE's content into `parameters`, stopping at the first fault: fields
// read before the fault are kept, which is what the lenient decoder relies on.
Expected<void> read_rlre_content(ByteView content, RlreParameters& parameters) {
  ByteReader reader(content);
  while (!reader.empty()) {
    DLMSGW_TRY_ASSIGN(const BerElement element, read_ber_element(reader, "RLRE element"));
    if (element.tag == kReason) {
      DLMSGW_TRY_ASSIGN(const std::uint8_t reason,
                        decode_implicit_integer(element.value, "RLRE reason"));
      parameters.reason = static_cast<ReleaseResponseReason>(reason);
    } else if (element.tag == kUserInformation) {
      DLMSGW_TRY_ASSIGN(parameters.user_information,
                        decode_user_information(element.value, "RLRE user-information"));
    }
  }
  return {};
}

}  // namespace

std::string_view to_string(ReleaseResponseReason reason) {
  switch (reason) {
    case ReleaseResponseReason::normal:
      return "normal";
    case ReleaseResponseReason::not_finished:
      return "not-finished";
    case ReleaseResponseReason::user_defined:
      return "user-defined";
  }
  return "unknown";
}

Bytes encode_rlre(const RlreParameters& parameters) {
  ByteWriter content;
  if (parameters.reason) {
    content.put_bytes(
        encode_implicit_integer(kReason, static_cast<std::uint8_t>(*parameters.reason)));
  }
  if (parameters.user_information) {
    content.put_bytes(encode_user_information(*parameters.user_information));
  }
  return ber_element(kRlreTag, content.bytes());
}

Expected<RlreParameters> decode_rlre(ByteView bytes) {
  DLMSGW_TRY_ASSIGN(const BerElement rlre, read_only_ber_element(bytes, kRlreTag, "RLRE"));
  RlreParameters parameters;
  parameters.reason.reset();
  DLMSGW_TRY(read_rlre_content(rlre.value, parameters));
  return parameters;
}

LenientRlre decode_rlre_leniently(ByteView bytes) {
  LenientRlre outcome;
  outcome.parameters.reason.reset();
  auto strict = decode_rlre(bytes);
  if (strict) {
    outcome.parameters = std::move(*strict);
    return outcome;
  }
  outcome.defect = strict.error();
  // Salvage: a wrong outer tag or a length that overruns the frame still often wraps readable
  // elements, so read from after the outer tag and length, up to what is actually there.
  if (bytes.size() < 2) return outcome;
  std::size_t header = 2;
  if (bytes[1] >= 0x81 && bytes[1] <= 0x84) header += bytes[1] & 0x7Fu;
  if (header >= bytes.size()) return outcome;
  (void)read_rlre_content(bytes.subspan(header), outcome.parameters);
  return outcome;
}

}  // namespace dlmsgw::acse
