#include "dlms/xdlms/selective_access.hpp"

#include "dlms/axdr/data_codec.hpp"
#include "dlms/axdr/data_printer.hpp"

namespace dlmsgw::xdlms {
namespace {

Error shape_error(std::string_view what, std::string_view expected) {
  return make_error(ErrorCode::malformed,
                    std::string(what) + ": expected " + std::string(expected));
}

// The elements of a structure of exactly `count` elements.
Expected<const axdr::DataList*> structure_of(const axdr::Data& data, std::size_t count,
                                             std::string_view what) {
  const axdr::DataList* elements = data.as_list();
  if (data.type() != axdr::DataType::structure || elements == nullptr ||
      elements->size() != count) {
    return shape_error(what, "a structure of " + std::to_string(count) + " elements, got " +
                                 axdr::to_string(data));
  }
  return elements;
}

template <class T>
Expected<T> unsigned_of(const axdr::Data& data, axdr::DataType type, std::string_view what) {
  const std::uint64_t* value = data.as_unsigned();
  if (data.type() != type || value == nullptr) {
    return shape_error(what, std::string(axdr::to_string(type)) + ", got " + axdr::to_string(data));
  }
  return static_cast<T>(*value);
}

}  // namespace

std::string SelectiveAccess::to_string() const {
  std::string text;
  switch (selector) {
    case kRangeDescriptorSelector:
      text = "range_descriptor";
      break;
    case kEntryDescriptorSelector:
      text = "entry_descriptor";
      break;
    default:
      text = "access selector " + std::to_string(selector);
  }
  return text + " " + axdr::to_string(parameters);
}

CaptureObjectDefinition CaptureObjectDefinition::clock() {
  return CaptureObjectDefinition{8, ObisCode(0, 0, 1, 0, 0, 255), 2, 0};
}

axdr::Data CaptureObjectDefinition::to_data() const {
  const auto& groups = logical_name.groups();
  return axdr::Data::structure({axdr::Data::long_unsigned(class_id),
                                axdr::Data::octet_string(Bytes(groups.begin(), groups.end())),
                                axdr::Data::integer(attribute_index),
                                axdr::Data::long_unsigned(data_index)});
}

Expected<CaptureObjectDefinition> CaptureObjectDefinition::from_data(const axdr::Data& data) {
  DLMSGW_TRY_ASSIGN(const axdr::DataList* elements,
                    structure_of(data, 4, "capture object definition"));
  CaptureObjectDefinition definition;
  DLMSGW_TRY_ASSIGN(definition.class_id,
                    unsigned_of<std::uint16_t>((*elements)[0], axdr::DataType::long_unsigned,
                                               "capture object class_id"));
  const Bytes* name = (*elements)[1].as_bytes();
  if ((*elements)[1].type() != axdr::DataType::octet_string || name == nullptr) {
    return shape_error("capture object logical_name", "octet-string");
  }
  DLMSGW_TRY_ASSIGN(definition.logical_name, ObisCode::from_bytes(*name));
  const std::int64_t* index = (*elements)[2].as_signed();
  if ((*elements)[2].type() != axdr::DataType::integer || index == nullptr) {
    return shape_error("capture object attribute_index", "integer");
  }
  definition.attribute_index = static_cast<std::int8_t>(*index);
  DLMSGW_TRY_ASSIGN(definition.data_index,
                    unsigned_of<std::uint16_t>((*elements)[3], axdr::DataType::long_unsigned,
                                               "capture object data_index"));
  return definition;
}

RangeDescriptor RangeDescriptor::between(const cosem::DateTime& from, const cosem::DateTime& to) {
  RangeDescriptor range;
  range.from_value = axdr::Data::octet_string(from.encode());
  range.to_value = axdr::Data::octet_string(to.encode());
  return range;
}

SelectiveAccess RangeDescriptor::to_selective_access() const {
  axdr::DataList columns;
  columns.reserve(selected_values.size());
  for (const auto& column : selected_values) columns.push_back(column.to_data());
  return SelectiveAccess{kRangeDescriptorSelector,
                         axdr::Data::structure({restricting_object.to_data(), from_value, to_value,
                                                axdr::Data::array(std::move(columns))})};
}

Expected<RangeDescriptor> RangeDescriptor::from_selective_access(const SelectiveAccess& access) {
  if (access.selector != kRangeDescriptorSelector) {
    return shape_error("range_descriptor",
                       "access selector 1, got " + std::to_string(access.selector));
  }
  DLMSGW_TRY_ASSIGN(const axdr::DataList* elements,
                    structure_of(access.parameters, 4, "range_descriptor"));
  RangeDescriptor range;
  auto restricting = CaptureObjectDefinition::from_data((*elements)[0]);
  if (!restricting) return restricting.error().with_context("range_descriptor restricting_object");
  range.restricting_object = *restricting;
  range.from_value = (*elements)[1];
  range.to_value = (*elements)[2];
  const axdr::DataList* columns = (*elements)[3].as_list();
  if ((*elements)[3].type() != axdr::DataType::array || columns == nullptr) {
    return shape_error("range_descriptor selected_values", "an array");
  }
  for (const auto& column : *columns) {
    auto definition = CaptureObjectDefinition::from_data(column);
    if (!definition) return definition.error().with_context("range_descriptor selected_values");
    range.selected_values.push_back(*definition);
  }
  return range;
}

SelectiveAccess EntryDescriptor::to_selective_access() const {
  return SelectiveAccess{kEntryDescriptorSelector,
                         axdr::Data::structure({axdr::Data::double_long_unsigned(from_entry),
                                                axdr::Data::double_long_unsigned(to_entry),
                                                axdr::Data::long_unsigned(from_selected_value),
                                                axdr::Data::long_unsigned(to_selected_value)})};
}

Expected<EntryDescriptor> EntryDescriptor::from_selective_access(const SelectiveAccess& access) {
  if (access.selector != kEntryDescriptorSelector) {
    return shape_error("entry_descriptor",
                       "access selector 2, got " + std::to_string(access.selector));
  }
  DLMSGW_TRY_ASSIGN(const axdr::DataList* elements,
                    structure_of(access.parameters, 4, "entry_descriptor"));
  EntryDescriptor entry;
  DLMSGW_TRY_ASSIGN(entry.from_entry,
                    unsigned_of<std::uint32_t>((*elements)[0], axdr::DataType::double_long_unsigned,
                                               "entry_descriptor from_entry"));
  DLMSGW_TRY_ASSIGN(entry.to_entry,
                    unsigned_of<std::uint32_t>((*elements)[1], axdr::DataType::double_long_unsigned,
                                               "entry_descriptor to_entry"));
  DLMSGW_TRY_ASSIGN(entry.from_selected_value,
                    unsigned_of<std::uint16_t>((*elements)[2], axdr::DataType::long_unsigned,
                                               "entry_descriptor from_selected_value"));
  DLMSGW_TRY_ASSIGN(entry.to_selected_value,
                    unsigned_of<std::uint16_t>((*elements)[3], axdr::DataType::long_unsigned,
                                               "entry_descriptor to_selected_value"));
  return entry;
}

void encode_optional_access(ByteWriter& writer, const std::optional<SelectiveAccess>& access) {
  if (!access) {
    writer.put_u8(0x00);
    return;
  }
  writer.put_u8(0x01);
  writer.put_u8(access->selector);
  axdr::encode_data(writer, access->parameters);
}

Expected<std::optional<SelectiveAccess>> decode_optional_access(ByteReader& reader) {
  DLMSGW_TRY_ASSIGN(const std::uint8_t present, reader.read_u8("access-selection presence"));
  if (present == 0x00) return std::optional<SelectiveAccess>{};
  if (present != 0x01) {
    return make_error(ErrorCode::malformed, "access-selection presence byte " +
                                                std::to_string(present) + ", expected 0 or 1");
  }
  SelectiveAccess access;
  DLMSGW_TRY_ASSIGN(access.selector, reader.read_u8("access-selector"));
  auto parameters = axdr::decode_data(reader);
  if (!parameters) return parameters.error().with_context("access-parameters");
  access.parameters = std::move(*parameters);
  return std::optional<SelectiveAccess>(std::move(access));
}

}  // namespace dlmsgw::xdlms
