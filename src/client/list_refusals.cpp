#include "client/list_refusals.hpp"

namespace dlmsgw::client {

ListRefusals::Key ListRefusals::key_of(const std::vector<xdlms::CosemAttributeDescriptor>& list) {
  Key key;
  key.reserve(list.size());
  for (const auto& attribute : list) {
    key.emplace_back(attribute.class_id, attribute.instance, attribute.attribute_id);
  }
  return key;
}

bool ListRefusals::refused(const std::vector<xdlms::CosemAttributeDescriptor>& list,
                           Clock::time_point now) const {
  if (until_.empty()) return false;  // the usual case: no key built on every poll
  const auto found = until_.find(key_of(list));
  return found != until_.end() && now < found->second;
}

void ListRefusals::refuse(const std::vector<xdlms::CosemAttributeDescriptor>& list,
                          Clock::time_point now) {
  until_[key_of(list)] = now + retry_after_;
}

void ListRefusals::accept(const std::vector<xdlms::CosemAttributeDescriptor>& list) {
  if (until_.empty()) return;
  until_.erase(key_of(list));
}

}  // namespace dlmsgw::client
