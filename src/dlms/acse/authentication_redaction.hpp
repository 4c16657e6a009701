#pragma once
// Frames fit for a log: the LLS password travels in clear in the AARQ's calling-authentication-
// value (AC len 80 len <password>), so a frame trace in the journal would publish it. This masks
// that value with '*' in a raw link frame (HDLC or wrapper: the AARQ is found by its
// application-context-name, whatever surrounds it). An HDLC FCS no longer checks after masking;
// the trace line says the frame was masked. An AARQ split over several HDLC frames is not found
// (an AARQ is far below any negotiated frame size).

#include "core/bytes.hpp"

namespace dlmsgw::acse {

// True when an authentication value was found and masked in `frame`.
bool redact_authentication_value(Bytes& frame);

}  // namespace dlmsgw::acse
