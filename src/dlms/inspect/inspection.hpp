#pragma once
// Inspection: a readable tree of what some DLMS bytes contain (frame fields, APDU fields, values),
// for `dlmsgw decode` and trace logs. Each node is a field name and its value in words; children
// hold the fields inside it. Nothing here can fail: undecodable parts become an "error" node saying
// why.

#include <string>
#include <vector>

namespace dlmsgw::inspect {

struct Inspection {
  std::string field;  // "HDLC frame", "control", "AARE", "result", ...
  std::string value;  // "I N(S)=0 N(R)=1 P/F", "accepted", "" for a pure container
  std::vector<Inspection> children;

  Inspection& add(std::string child_field, std::string child_value = {}) {
    children.push_back(Inspection{std::move(child_field), std::move(child_value), {}});
    return children.back();
  }
  bool operator==(const Inspection&) const = default;
};

// Indented text, two spaces per level: "field: value".
std::string to_text(const Inspection& inspection);
// Whether any node of the tree is an "error" node.
bool has_error(const Inspection& inspection);

}  // namespace dlmsgw::inspect
