#pragma once
// Action-Result (Green Book): the outcome of an ACTION (method invocation). Same numbering as
// Data-Access-Result where the meanings coincide; values the standard does not define are kept and
// named "unknown (N)".

#include <cstdint>
#include <string>

namespace dlmsgw::xdlms {

enum class ActionResult : std::uint8_t {
  success = 0,
  hardware_fault = 1,
  temporary_failure = 2,
  read_write_denied = 3,
  object_undefined = 4,
  object_class_inconsistent = 9,
  object_unavailable = 11,
  type_unmatched = 12,
  scope_of_access_violated = 13,
  data_block_unavailable = 14,
  long_action_aborted = 15,
  no_long_action_in_progress = 16,
  other_reason = 250,
};

// "long-action-aborted", ...; "unknown (N)" for values the Green Book does not define.
std::string to_string(ActionResult result);

}  // namespace dlmsgw::xdlms
