#include "dlms/xdlms/data_access_result.hpp"

namespace dlmsgw::xdlms {

std::string to_string(DataAccessResult result) {
  switch (result) {
    case DataAccessResult::success:
      return "success";
    case DataAccessResult::hardware_fault:
      return "hardware-fault";
    case DataAccessResult::temporary_failure:
      return "temporary-failure";
    case DataAccessResult::read_write_denied:
      return "read-write-denied";
    case DataAccessResult::object_undefined:
      return "object-undefined";
    case DataAccessResult::object_class_inconsistent:
      return "object-class-inconsistent";
    case DataAccessResult::object_unavailable:
      return "object-unavailable";
    case DataAccessResult::type_unmatched:
      return "type-unmatched";
    case DataAccessResult::scope_of_access_violated:
      return "scope-of-access-violated";
    case DataAccessResult::data_block_unavailable:
      return "data-block-unavailable";
    case DataAccessResult::long_get_aborted:
      return "long-get-aborted";
    case DataAccessResult::no_long_get_in_progress:
      return "no-long-get-in-progress";
    case DataAccessResult::long_set_aborted:
      return "long-set-aborted";
    case DataAccessResult::no_long_set_in_progress:
      return "no-long-set-in-progress";
    case DataAccessResult::data_block_number_invalid:
      return "data-block-number-invalid";
    case DataAccessResult::other_reason:
      return "other-reason";
  }
  return "unknown (" + std::to_string(static_cast<int>(result)) + ")";
}

}  // namespace dlmsgw::xdlms
