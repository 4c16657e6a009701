#pragma once
// FrameTrace: a hook that sees every byte sequence a channel writes and every chunk it reads, for
// `dlmsgw read --trace` and for debugging a meter on site. Empty by default (no cost).

#include <functional>
#include <string>

#include "core/bytes.hpp"

namespace dlmsgw::client {

enum class TraceDirection { sent, received };

using FrameTrace = std::function<void(TraceDirection direction, ByteView bytes)>;

// "2026-05-01T10:00:00.123 -> 7E A0 ..." with the local wall-clock time. A sent AARQ's LLS
// password is masked (acse::redact_authentication_value) and the line ends "(password masked)".
std::string format_trace_line(TraceDirection direction, ByteView bytes);

}  // namespace dlmsgw::client
