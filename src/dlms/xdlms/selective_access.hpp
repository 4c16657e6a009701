#pragma once
// Selective-Access-Descriptor (Green Book): access-selector (Unsigned8) + access-parameters (Data),
// sent after an attribute descriptor to read or write part of an attribute. Its meaning is defined
// by the class; for profile generic (class 7) buffers (Blue Book 4.3.6):
//
//   selector 1, range_descriptor ::= structure {
//     restricting_object  capture_object_definition,  -- usually the clock 0-0:1.0.0 attribute 2
//     from_value, to_value  Data,                     -- date-time as a 12-byte octet-string
//     selected_values  array of capture_object_definition }  -- empty: all columns
//   selector 2, entry_descriptor ::= structure {
//     from_entry, to_entry  double-long-unsigned,      -- 1-based; to_entry 0 = the last entry
//     from_selected_value, to_selected_value  long-unsigned }  -- columns; 0 = the last column
//   capture_object_definition ::= structure {
//     class_id long-unsigned, logical_name octet-string, attribute_index integer,
//     data_index long-unsigned }
//
// SelectiveAccess carries any selector; RangeDescriptor and EntryDescriptor build and read the two
// profile generic forms.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/byte_reader.hpp"
#include "core/byte_writer.hpp"
#include "core/expected.hpp"
#include "dlms/axdr/data.hpp"
#include "dlms/cosem/date_time.hpp"
#include "dlms/obis/obis_code.hpp"

namespace dlmsgw::xdlms {

inline constexpr std::uint8_t kRangeDescriptorSelector = 1;
inline constexpr std::uint8_t kEntryDescriptorSelector = 2;

struct SelectiveAccess {
  std::uint8_t selector = 0;
  axdr::Data parameters;

  // "range_descriptor structure{...}", "entry_descriptor ...", "access selector 5 ...".
  [[nodiscard]] std::string to_string() const;
  bool operator==(const SelectiveAccess&) const = default;
};

struct CaptureObjectDefinition {
  std::uint16_t class_id = 0;
  ObisCode logical_name;
  std::int8_t attribute_index = 0;
  std::uint16_t data_index = 0;  // 0: the whole attribute

  // The clock's time (class 8, 0-0:1.0.0, attribute 2): the restricting object of load profiles.
  static CaptureObjectDefinition clock();

  [[nodiscard]] axdr::Data to_data() const;
  static Expected<CaptureObjectDefinition> from_data(const axdr::Data& data);
  bool operator==(const CaptureObjectDefinition&) const = default;
};

struct RangeDescriptor {
  CaptureObjectDefinition restricting_object = CaptureObjectDefinition::clock();
  axdr::Data from_value;
  axdr::Data to_value;
  std::vector<CaptureObjectDefinition> selected_values;  // empty: all columns

  // The entries whose clock lies between `from` and `to`, every column; the date-times travel as
  // 12-byte octet-strings, the form meters expect.
  static RangeDescriptor between(const cosem::DateTime& from, const cosem::DateTime& to);

  [[nodiscard]] SelectiveAccess to_selective_access() const;
  // Fails unless `access` has selector 1 and parameters of the shape above.
  static Expected<RangeDescriptor> from_selective_access(const SelectiveAccess& access);
  bool operator==(const RangeDescriptor&) const = default;
};

struct EntryDescriptor {
  std::uint32_t from_entry = 1;
  std::uint32_t to_entry = 0;  // 0: up to the last entry
  std::uint16_t from_selected_value = 1;
  std::uint16_t to_selected_value = 0;  // 0: up to the last column

  [[nodiscard]] SelectiveAccess to_selective_access() const;
  // Fails unless `access` has selector 2 and parameters of the shape above.
  static Expected<EntryDescriptor> from_selective_access(const SelectiveAccess& access);
  bool operator==(const EntryDescriptor&) const = default;
};

// The OPTIONAL access-selection of a request: 00, or 01 selector parameters.
void encode_optional_access(ByteWriter& writer, const std::optional<SelectiveAccess>& access);
Expected<std::optional<SelectiveAccess>> decode_optional_access(ByteReader& reader);

}  // namespace dlmsgw::xdlms
