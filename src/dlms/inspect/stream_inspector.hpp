#pragma once
// Inspects bytes copied from a trace: one or more HDLC frames (starting with 0x7E; segmented
// I-frames are reassembled across frames), one or more IEC 62056-47 wrapper frames (starting with
// version 00 01), or a bare APDU. The kind is recognised from the first bytes.

#include "core/bytes.hpp"
#include "dlms/inspect/inspection.hpp"

namespace dlmsgw::inspect {

enum class TraceKind { hdlc, wrapper, apdu };

TraceKind detect_trace_kind(ByteView bytes);
// One node per frame (or one for the APDU), in order.
std::vector<Inspection> inspect_trace(ByteView bytes);

}  // namespace dlmsgw::inspect
