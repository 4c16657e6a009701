#include "dlms/xdlms/action_result.hpp"

namespace dlmsgw::xdlms {

std::string to_string(ActionResult result) {
  switch (result) {
    case ActionResult::success:
      return "success";
    case ActionResult::hardware_fault:
      return "hardware-fault";
    case ActionResult::temporary_failure:
      return "temporary-failure";
    case ActionResult::read_write_denied:
      return "read-write-denied";
    case ActionResult::object_undefined:
      return "object-undefined";
    case ActionResult::object_class_inconsistent:
      return "object-class-inconsistent";
    case ActionResult::object_unavailable:
      return "object-unavailable";
    case ActionResult::type_unmatched:
      return "type-unmatched";
    case ActionResult::scope_of_access_violated:
      return "scope-of-access-violated";
    case ActionResult::data_block_unavailable:
      return "data-block-unavailable";
    case ActionResult::long_action_aborted:
      return "long-action-aborted";
    case ActionResult::no_long_action_in_progress:
      return "no-long-action-in-progress";
    case ActionResult::other_reason:
      return "other-reason";
  }
  return "unknown (" + std::to_string(static_cast<int>(result)) + ")";
}

}  // namespace dlmsgw::xdlms
