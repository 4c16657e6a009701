#pragma once
// Readable text for Data, for logs, `dlmsgw decode` and test failure messages. One line, or
// indented with one element per line for nested values.

#include <string>

#include "dlms/axdr/data.hpp"

namespace dlmsgw::axdr {

enum class PrintLayout { one_line, indented };

// e.g. "long-unsigned 13500", "structure{integer -2, enum 35}", "octet-string 41 42 \"AB\"".
std::string to_string(const Data& data, PrintLayout layout = PrintLayout::one_line);

}  // namespace dlmsgw::axdr
