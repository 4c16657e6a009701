#pragma once
// ObjectRequest: the params of the reserved RPCs get, set and action, which reach any COSEM object
// without configuring it first. Two forms are accepted:
//  - the ThingsBoard gateway's string form, as its other connectors use it:
//      "obis=1-1:32.7.0;classId=3;attribute=2;value=230;type=long-unsigned;"
//    keys are case-insensitive, spaces around keys and values are trimmed, the trailing ';' is
//    optional; the value is parsed as JSON when it is valid JSON (230, true, [1,2], "text",
//    null), else kept as text (value=MS123456). A value cannot contain ';' in this form.
//  - a JSON object {"obis":..,"classId":..,"attribute"|"method":..,"value":..,"type":..}, keys
//    case-insensitive too.
// classId defaults to the class the OBIS code usually has (client::default_class_for), the
// attribute to 2 (get/set) and the method to 1 (action). Errors name the wrong param and show the
// expected form.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "connectors/dlms/dlms_connector_config.hpp"
#include "core/expected.hpp"
#include "dlms/axdr/data_type.hpp"
#include "dlms/obis/obis_code.hpp"

namespace dlmsgw::connectors::dlms {

struct ObjectRequest {
  RpcKind kind = RpcKind::get;
  std::uint16_t class_id = 0;
  ObisCode obis;
  std::int8_t id = 0;                   // attribute (get/set) or method (action)
  std::optional<nlohmann::json> value;  // set: always present; action: when given
  std::optional<axdr::DataType> type;   // the A-XDR type to send the value as, when given
  bool operator==(const ObjectRequest&) const = default;
};

Expected<ObjectRequest> parse_object_request(RpcKind kind, const nlohmann::json& params);

// An A-XDR type by its Blue Book name as to_string(DataType) prints it ("long-unsigned",
// "octet-string", "enum"), case-insensitive, '_' for '-' accepted, plus the long forms
// "enumerated", "long-integer", "unsigned-integer" and "null".
std::optional<axdr::DataType> parse_data_type_name(std::string_view name);

}  // namespace dlmsgw::connectors::dlms
