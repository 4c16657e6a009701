#pragma once
// ObjectModel: the objects one logical device exposes, found by logical name. The Association LN
// lists them all in its object_list.

#include <memory>
#include <vector>

#include "dlms/server/cosem_object.hpp"

namespace dlmsgw::server {

class ObjectModel {
 public:
  // Adds `object` and returns it; a second object with the same logical name replaces the first.
  CosemObject& add(std::unique_ptr<CosemObject> object);
  [[nodiscard]] CosemObject* find(const ObisCode& logical_name) const;
  [[nodiscard]] const std::vector<std::unique_ptr<CosemObject>>& objects() const {
    return objects_;
  }

 private:
  std::vector<std::unique_ptr<CosemObject>> objects_;
};

}  // namespace dlmsgw::server
