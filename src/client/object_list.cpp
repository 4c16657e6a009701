#include "client/object_list.hpp"

#include "dlms/axdr/data_printer.hpp"

namespace dlmsgw::client {
namespace {

Error bad(std::size_t index, const std::string& why) {
  return make_error(ErrorCode::malformed,
                    "object list element " + std::to_string(index) + ": " + why);
}

const axdr::DataList* list_of(const axdr::Data& data, axdr::DataType type) {
  return data.type() == type ? data.as_list() : nullptr;
}

Expected<std::uint8_t> small(const axdr::Data& data, std::int64_t min, std::int64_t max) {
  if (const auto* flag = data.as_bool()) return static_cast<std::uint8_t>(*flag ? 1 : 0);
  DLMSGW_TRY_ASSIGN(const std::int64_t value, data.to_int64());
  if (value < min || value > max) {
    return make_error(ErrorCode::out_of_range, std::to_string(value) + " out of range");
  }
  return static_cast<std::uint8_t>(value);
}

}  // namespace

Expected<std::vector<ObjectListEntry>> decode_object_list(const axdr::Data& data) {
  const auto* elements = list_of(data, axdr::DataType::array);
  if (elements == nullptr) {
    return make_error(ErrorCode::malformed,
                      "object list is not an array: " + axdr::to_string(data));
  }
  std::vector<ObjectListEntry> entries;
  entries.reserve(elements->size());
  for (std::size_t i = 0; i < elements->size(); ++i) {
    const auto* fields = list_of((*elements)[i], axdr::DataType::structure);
    if (fields == nullptr || fields->size() < 3)
      return bad(i, "not structure{class, version, name, rights}");
    ObjectListEntry entry;
    auto class_id = (*fields)[0].to_int64();
    if (!class_id || *class_id < 0 || *class_id > 0xFFFF) return bad(i, "bad class_id");
    entry.class_id = static_cast<std::uint16_t>(*class_id);
    auto version = small((*fields)[1], 0, 255);
    if (!version) return bad(i, "bad version");
    entry.version = *version;
    const auto* name = (*fields)[2].as_bytes();
    if (name == nullptr) return bad(i, "logical_name is not an octet-string");
    auto obis = ObisCode::from_bytes(*name);
    if (!obis) return bad(i, obis.error().message);
    entry.logical_name = *obis;
    if (fields->size() >= 4) {
      const auto* rights = list_of((*fields)[3], axdr::DataType::structure);
      if (rights == nullptr || rights->size() < 2)
        return bad(i, "access_rights is not structure{attributes, methods}");
      if (const auto* attributes = (*rights)[0].as_list()) {
        for (const axdr::Data& item : *attributes) {
          const auto* parts = item.as_list();
          if (parts == nullptr || parts->size() < 2) return bad(i, "bad attribute_access_item");
          auto id = small((*parts)[0], -128, 127);
          auto mode = small((*parts)[1], 0, 255);
          if (!id || !mode) return bad(i, "bad attribute_access_item");
          entry.attributes.push_back({static_cast<std::int8_t>(*id), *mode});
        }
      }
      if (const auto* methods = (*rights)[1].as_list()) {
        for (const axdr::Data& item : *methods) {
          const auto* parts = item.as_list();
          if (parts == nullptr || parts->size() < 2) return bad(i, "bad method_access_item");
          auto id = (*parts)[0].to_int64();
          auto mode = small((*parts)[1], 0, 255);
          if (!id || *id < -128 || *id > 127 || !mode) return bad(i, "bad method_access_item");
          entry.methods.push_back({static_cast<std::int8_t>(*id), *mode});
        }
      }
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

axdr::Data encode_object_list(const std::vector<ObjectListEntry>& entries) {
  axdr::DataList elements;
  for (const ObjectListEntry& entry : entries) {
    axdr::DataList attributes;
    for (const AttributeAccess& access : entry.attributes) {
      attributes.push_back(
          axdr::Data::structure({axdr::Data::integer(access.attribute_id),
                                 axdr::Data::enumerated(access.access_mode), axdr::Data::null()}));
    }
    axdr::DataList methods;
    for (const MethodAccess& access : entry.methods) {
      methods.push_back(axdr::Data::structure(
          {axdr::Data::integer(access.method_id), axdr::Data::enumerated(access.access_mode)}));
    }
    const auto& groups = entry.logical_name.groups();
    elements.push_back(axdr::Data::structure(
        {axdr::Data::long_unsigned(entry.class_id), axdr::Data::unsigned_integer(entry.version),
         axdr::Data::octet_string(Bytes(groups.begin(), groups.end())),
         axdr::Data::structure(
             {axdr::Data::array(std::move(attributes)), axdr::Data::array(std::move(methods))})}));
  }
  return axdr::Data::array(std::move(elements));
}

std::string attribute_access_symbol(std::uint8_t mode) {
  switch (mode) {
    case 0:
      return "-";
    case 1:
      return "R";
    case 2:
      return "W";
    case 3:
      return "RW";
    case 4:
      return "aR";
    case 5:
      return "aW";
    case 6:
      return "aRW";
    default:
      return "?" + std::to_string(mode);
  }
}

std::string method_access_symbol(std::uint8_t mode) {
  switch (mode) {
    case 0:
      return "-";
    case 1:
      return "X";
    case 2:
      return "aX";
    default:
      return "?" + std::to_string(mode);
  }
}

std::string describe_access(const ObjectListEntry& entry) {
  std::string text;
  for (const AttributeAccess& access : entry.attributes) {
    if (!text.empty()) text += ' ';
    text += std::to_string(access.attribute_id) + ":" + attribute_access_symbol(access.access_mode);
  }
  if (!entry.methods.empty()) {
    text += ";";
    for (const MethodAccess& access : entry.methods) {
      text +=
          " m" + std::to_string(access.method_id) + ":" + method_access_symbol(access.access_mode);
    }
  }
  return text;
}

}  // namespace dlmsgw::client
