#pragma once
// The lexical pieces of the Prometheus text exposition format 0.0.4: which names are valid and how
// values, label values and help text are written. Kept apart from the registry so that the grammar
// is tested on its own.

#include <string>
#include <string_view>

#include "core/expected.hpp"

namespace dlmsgw::observability {

// [a-zA-Z_:][a-zA-Z0-9_:]*
[[nodiscard]] bool is_valid_metric_name(std::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]* and not starting with "__" (reserved for Prometheus itself).
[[nodiscard]] bool is_valid_label_name(std::string_view name);

// Label values escape backslash, double quote and line feed; HELP text escapes backslash and line
// feed only (the format's rules differ between the two).
void append_label_value(std::string& out, std::string_view value);
void append_help_text(std::string& out, std::string_view help);

// Shortest text that reads back as the same double; "+Inf", "-Inf", "NaN" for the specials.
void append_sample_value(std::string& out, double value);
[[nodiscard]] std::string format_sample_value(double value);

}  // namespace dlmsgw::observability
