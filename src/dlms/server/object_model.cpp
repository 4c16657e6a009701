#include "dlms/server/object_model.hpp"

namespace dlmsgw::server {

CosemObject& ObjectModel::add(std::unique_ptr<CosemObject> object) {
  for (auto& existing : objects_) {
    if (existing->logical_name() == object->logical_name()) {
      existing = std::move(object);
      return *existing;
    }
  }
  objects_.push_back(std::move(object));
  return *objects_.back();
}

CosemObject* ObjectModel::find(const ObisCode& logical_name) const {
  for (const auto& object : objects_) {
    if (object->logical_name() == logical_name) return object.get();
  }
  return nullptr;
}

}  // namespace dlmsgw::server
