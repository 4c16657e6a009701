#pragma once
// Data-Access-Result (Green Book): why a server could not read or write one attribute. It answers a
// GET in place of the data, and is the whole answer to a SET. Values the standard does not define
// are kept as they are (the enum holds any byte) and named "unknown (N)".

#include <cstdint>
#include <string>

namespace dlmsgw::xdlms {

enum class DataAccessResult : std::uint8_t {
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
  long_get_aborted = 15,
  no_long_get_in_progress = 16,
  long_set_aborted = 17,
  no_long_set_in_progress = 18,
  data_block_number_invalid = 19,
  other_reason = 250,
};

// "read-write-denied", ...; "unknown (N)" for values the Green Book does not define.
std::string to_string(DataAccessResult result);

}  // namespace dlmsgw::xdlms
