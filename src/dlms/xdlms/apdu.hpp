#pragma once
// Apdu: any xDLMS service APDU this module reads, and decode_apdu(), which reads one from the
// first byte on. What it does not read it refuses with a clear error (ErrorCode::unsupported naming
// the APDU and where it is handled): the ACSE APDUs AARQ/AARE/RLRQ/RLRE (0x60-0x63, module acse),
// the ciphered ones (glo-/ded-/general-ciphering, module security), and the list-with-block forms
// of SET and ACTION and the ACTION answers in blocks.

#include <cstdint>
#include <string_view>
#include <variant>

#include "core/bytes.hpp"
#include "core/expected.hpp"
#include "dlms/xdlms/action_request.hpp"
#include "dlms/xdlms/action_response.hpp"
#include "dlms/xdlms/confirmed_service_error.hpp"
#include "dlms/xdlms/exception_response.hpp"
#include "dlms/xdlms/get_request.hpp"
#include "dlms/xdlms/get_response.hpp"
#include "dlms/xdlms/set_request.hpp"
#include "dlms/xdlms/set_response.hpp"

namespace dlmsgw::xdlms {

using Apdu = std::variant<GetRequestNormal, GetRequestNext, GetRequestWithList, GetResponseNormal,
                          GetResponseWithDatablock, GetResponseWithList, SetRequestNormal,
                          SetRequestWithFirstDatablock, SetRequestWithDatablock, SetRequestWithList,
                          SetResponseNormal, SetResponseDatablock, SetResponseLastDatablock,
                          SetResponseWithList, ActionRequestNormal, ActionRequestWithFirstPblock,
                          ActionRequestWithPblock, ActionResponseNormal, ActionResponseNextPblock,
                          ExceptionResponse, ConfirmedServiceError>;

// The whole of `bytes` must be one APDU.
Expected<Apdu> decode_apdu(ByteView bytes);
Bytes encode_apdu(const Apdu& apdu);

// The Green Book name of an APDU tag ("get-request", "glo-get-response", "aarq", ...); "unknown"
// for tags no APDU uses.
std::string_view apdu_tag_name(std::uint8_t tag);

}  // namespace dlmsgw::xdlms
