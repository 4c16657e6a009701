#pragma once
// values_json: a reading's values as the JSON object text stored and sent, {"key":value,..},
// written straight into the text. The same document as the nlohmann object it replaced (keys in
// byte order, a key given twice keeps its last value, invalid UTF-8 replaced, NaN and infinities
// as null, a double always with a point or an exponent), without the tree: building and freeing a
// map node and a string a value was most of what a reading cost to store. Doubles are written in
// their shortest exact form, which may differ in text from nlohmann's (1e-04 for 0.0001).

#include <string>
#include <vector>

#include "gateway/reading.hpp"

namespace dlmsgw::gateway {

// Appends the object to `out`.
void append_values_json(std::string& out, const std::vector<DataPoint>& values);

[[nodiscard]] std::string values_json(const std::vector<DataPoint>& values);

}  // namespace dlmsgw::gateway
