#pragma once
// Between COSEM values and JSON: what an RPC reply carries, what a configured point publishes,
// and the A-XDR value a SET or ACTION sends for the JSON an RPC gave.

#include <nlohmann/json.hpp>
#include <optional>

#include "client/meter_value.hpp"
#include "connectors/dlms/dlms_connector_config.hpp"
#include "core/expected.hpp"
#include "dlms/axdr/data.hpp"
#include "gateway/reading.hpp"

namespace dlmsgw::connectors::dlms {

// A read value for an RPC reply: {"value": .., "unit": "V" (when any), "type": "long-unsigned"}.
// The value is a number with the register's scaler applied (integers stay exact JSON integers
// when there is no scaler), a string, a bool or null. Arrays and structures become JSON arrays of
// the same shape, recursively (bare values, no unit or type). Octet strings become the ISO 8601
// text when they hold a date-time (a clock's, or any 12-byte octet string that decodes to a
// complete date-time), their text when printable, else hex ("0A1B2C"). Date, time: "2026-11-24",
// "14:27:34". Bit strings: "0101". NaN and infinities: "NaN", "Infinity", "-Infinity".
nlohmann::json to_rpc_json(const client::MeterValue& value);

// The published telemetry value for a configured point:
//  - integers (and enums, bcd) with a scaler >= 0 (or none) and multiplier == divider == 1 stay
//    int64 and exact; a register with a negative scaler is always a double, even when a reading
//    happens to be whole (230.00 V), so a key keeps one type in ThingsBoard;
//  - otherwise number() (scaler applied) * multiplier / divider, rounded to `round` places when
//    set (negative: to tens, hundreds...), as a double; NaN/infinite results are an error;
//  - clock and other date-times -> ISO 8601 string, strings and octet strings -> text as in
//    to_rpc_json, bool -> bool.
// Errors (naming the key): structures, arrays, null-data, divider 0.
Expected<gateway::TelemetryValue> to_telemetry(const client::MeterValue& value,
                                               const PointConfig& point);

// The value to SET or send with an ACTION. Its A-XDR type is `type` when given; else the type of
// `current` (the value the meter holds now, read first by the caller) when given; else inferred:
// null -> null-data, bool -> boolean, integer -> double-long (long64 below int32),
// non-negative integers beyond int32 -> double-long-unsigned, then long64-unsigned,
// real -> float64, "0x0A1B" -> octet-string, other strings -> visible-string (utf8-string when
// not ASCII), array -> array of inferred elements.
// Per target type: integers accept JSON integers, whole reals and decimal strings, range-checked
// ("300 does not fit unsigned (0..255)"); octet-string accepts "0x.." hex, an ISO 8601 date-time
// (encoded as the 12-byte COSEM date-time when `current` is absent or 12 bytes long), plain hex
// when `current` is a binary (non-printable) octet string, else the text's bytes, or an array of
// bytes; date-time/date/time accept the ISO forms to_rpc_json prints; structures take their
// element types pairwise from `current` when it is a structure of the same size; arrays take the
// type of `current`'s first element. Scalers are NOT applied: a register is set with its raw
// integer.
Expected<axdr::Data> data_from_json(const nlohmann::json& value, std::optional<axdr::DataType> type,
                                    const axdr::Data* current);

// "2026-11-24T14:27:34[.50][Z|+01:00]" (a space may stand for the 'T') as a COSEM date-time; the
// deviation is "not specified" when the text has no offset.
std::optional<cosem::DateTime> parse_date_time_text(std::string_view text);

}  // namespace dlmsgw::connectors::dlms
