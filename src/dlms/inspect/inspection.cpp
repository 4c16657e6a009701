#include "dlms/inspect/inspection.hpp"

namespace dlmsgw::inspect {
namespace {

void append_text(const Inspection& node, int depth, std::string& out) {
  out.append(static_cast<std::size_t>(depth) * 2, ' ');
  out += node.field;
  if (!node.value.empty()) {
    // Multi-line values (APDU descriptions) continue under the field, indented one level deeper.
    std::size_t start = 0;
    bool first = true;
    while (start <= node.value.size()) {
      const std::size_t end = node.value.find('\n', start);
      const std::string line =
          node.value.substr(start, end == std::string::npos ? end : end - start);
      if (first) {
        out += ": " + line;
        first = false;
      } else {
        out += "\n" + std::string(static_cast<std::size_t>(depth + 1) * 2, ' ') + line;
      }
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  out += "\n";
  for (const auto& child : node.children) append_text(child, depth + 1, out);
}

}  // namespace

std::string to_text(const Inspection& inspection) {
  std::string out;
  append_text(inspection, 0, out);
  return out;
}

bool has_error(const Inspection& inspection) {
  if (inspection.field == "error") return true;
  for (const auto& child : inspection.children) {
    if (has_error(child)) return true;
  }
  return false;
}

}  // namespace dlmsgw::inspect
