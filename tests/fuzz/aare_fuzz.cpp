// Fuzz target: arbitrary bytes as an AARE, an InitiateResponse, a ConfirmedServiceError, an AARQ
// and an RLRE. Nothing may crash; whatever decodes must survive encode -> decode unchanged (the
// encoders are total over what the decoders produce).

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "dlms/acse/aare.hpp"
#include "dlms/acse/aarq.hpp"
#include "dlms/acse/release_response.hpp"
#include "dlms/xdlms/confirmed_service_error.hpp"
#include "dlms/xdlms/initiate.hpp"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dlmsgw;
  const ByteView input(data, size);

  if (auto aare = acse::decode_aare(input)) {
    (void)acse::describe(*aare);
    (void)acse::require_accepted(*aare);
    // A decoded AP title of another size than 8 is kept but cannot be encoded.
    if (!aare->responding_ap_title || aare->responding_ap_title->size() == 8) {
      auto encoded = acse::encode_aare(*aare);
      check(encoded.has_value());
      auto again = acse::decode_aare(*encoded);
      check(again.has_value() && *again == *aare);
    }
  }

  if (auto response = xdlms::InitiateResponse::decode(input)) {
    const Bytes encoded = response->encode();
    auto again = xdlms::InitiateResponse::decode(encoded);
    check(again.has_value() && *again == *response);
    (void)response->negotiated_conformance.to_string();
  }

  if (auto request = xdlms::InitiateRequest::decode(input)) {
    auto again = xdlms::InitiateRequest::decode(request->encode());
    check(again.has_value() && *again == *request);
  }

  if (auto error = xdlms::ConfirmedServiceError::decode(input)) {
    (void)error->to_string();
    check(Bytes(input.begin(), input.end()) == error->encode());
  }

  if (auto aarq = acse::decode_aarq(input)) {
    if (!aarq->calling_ap_title || aarq->calling_ap_title->size() == 8) {
      auto encoded = acse::encode_aarq(*aarq);
      check(encoded.has_value());
      auto again = acse::decode_aarq(*encoded);
      check(again.has_value() && *again == *aarq);
    }
  }

  const auto rlre = acse::decode_rlre_leniently(input);
  if (!rlre.defect) {
    auto again = acse::decode_rlre(acse::encode_rlre(rlre.parameters));
    check(again.has_value() && *again == rlre.parameters);
  }
  return 0;
}
