#pragma once
// Inspects one bare APDU: ACSE (AARQ, AARE, RLRQ, RLRE), xDLMS (Initiate, GET/SET/ACTION,
// exception, confirmed-service-error) and ciphered APDUs (security header shown; the content stays
// ciphered).

#include "core/bytes.hpp"
#include "dlms/inspect/inspection.hpp"

namespace dlmsgw::inspect {

Inspection inspect_apdu(ByteView apdu);

}  // namespace dlmsgw::inspect
