#include "client/frame_trace.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "core/hex.hpp"
#include "dlms/acse/authentication_redaction.hpp"

namespace dlmsgw::client {

std::string format_trace_line(TraceDirection direction, ByteView bytes) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm local{};
  localtime_r(&seconds, &local);
  char stamp[40];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &local);
  char line[64];
  std::snprintf(line, sizeof line, "%s.%03lld %s ", stamp, static_cast<long long>(millis),
                direction == TraceDirection::sent ? "->" : "<-");
  if (direction == TraceDirection::received) return line + to_hex(bytes);
  // A trace is pasted into tickets and chats: the LLS password of the AARQ is masked, as in the
  // gateway's journal.
  Bytes frame(bytes.begin(), bytes.end());
  const bool masked = acse::redact_authentication_value(frame);
  return line + to_hex(frame) + (masked ? " (password masked)" : "");
}

}  // namespace dlmsgw::client
