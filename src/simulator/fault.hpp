#pragma once
// Faults the simulator can inject on the wire, each with a rate 0..1 (the probability per
// opportunity: per answer, per connection or per accept).
//   delay           answer after `delay` (default 1 s)
//   drop            do not answer
//   garbage         write random bytes before the answer
//   flag_bytes      choose the answer's value so 0x7E appears in its data and FCS (HDLC; never
//                   a profile generic object's attributes, which describe its buffer)
//   byte_at_a_time  write the answer one byte per write
//   stale_duplicate write the previous answer again before this one
//   reset           write half of the answer, then reset the connection (RST)
//   refuse          reset a new connection at once
//   slow_accept     wait `delay` before serving a new connection
//   late_error      answer an exception-response or confirmed-service-error (which carry no
//                   invoke id) only after `delay`: what a client that timed out meets as the
//                   first answer to its next request

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/expected.hpp"

namespace dlmsgw::simulator {

enum class Fault : std::uint8_t {
  delay,
  drop,
  garbage,
  flag_bytes,
  byte_at_a_time,
  stale_duplicate,
  reset,
  refuse,
  slow_accept,
  late_error,
};
inline constexpr std::size_t kFaultCount = 10;

std::string_view to_string(Fault fault);
std::optional<Fault> fault_from_name(std::string_view name);

using FaultRates = std::array<double, kFaultCount>;
using FaultCounts = std::array<std::uint64_t, kFaultCount>;

// "NAME=RATE" with RATE in 0..1; errors name the bad part.
Expected<std::pair<Fault, double>> parse_fault(std::string_view text);

}  // namespace dlmsgw::simulator
