#include "dlms/xdlms/apdu_printer.hpp"

#include "core/hex.hpp"
#include "dlms/axdr/data_printer.hpp"

namespace dlmsgw::xdlms {
namespace {

// Raw block data beyond this is elided: the reassembled value is what a reader wants to see.
constexpr std::size_t kMaxRawBytesShown = 64;

// Collects "  label: value" lines; multi-line values are indented under their label.
class Text {
 public:
  explicit Text(std::string_view title) : text_(title) {}

  void line(std::string_view content) {
    text_ += "\n  ";
    text_ += content;
  }
  void field(std::string_view label, std::string_view value) {
    text_ += "\n  ";
    text_ += label;
    text_ += ": ";
    for (const char c : value) {
      text_ += c;
      if (c == '\n') text_ += "  ";
    }
  }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
};

std::string value_text(const axdr::Data& data) {
  return axdr::to_string(data, axdr::PrintLayout::indented);
}

std::string result_text(const GetDataResult& result) {
  if (const auto* data = std::get_if<axdr::Data>(&result)) return value_text(*data);
  return "data-access-result " + describe(std::get<DataAccessResult>(result));
}

// "success (0)"; unknown values already carry their number: "unknown (7)".
template <class Enum>
std::string numbered(Enum value) {
  std::string name = to_string(value);
  if (name.starts_with("unknown")) return name;
  return name + " (" + std::to_string(static_cast<int>(value)) + ")";
}

void add_attributes(Text& text, const std::vector<AttributeWithSelection>& attributes) {
  text.line(std::to_string(attributes.size()) + " attribute(s)");
  for (std::size_t i = 0; i < attributes.size(); ++i) {
    text.field("attribute " + std::to_string(i + 1), attributes[i].attribute.to_string());
    if (attributes[i].access) {
      text.field("access " + std::to_string(i + 1), attributes[i].access->to_string());
    }
  }
}

std::string raw_text(const Bytes& raw) {
  const std::size_t shown = std::min(raw.size(), kMaxRawBytesShown);
  std::string bytes = std::to_string(raw.size()) + " byte(s)";
  if (shown != 0) bytes += ": " + to_hex(ByteView(raw).first(shown));
  if (shown < raw.size()) bytes += " ...";
  return bytes;
}

void add_block(Text& text, const DataBlockSa& block) {
  text.field("block number", std::to_string(block.block_number));
  text.field("last block", block.last_block ? "yes" : "no");
  text.field("raw data", raw_text(block.raw_data));
}

std::string describe_one(const GetRequestNormal& apdu) {
  Text text("Get-Request-Normal");
  text.line(apdu.invoke.to_string());
  text.field("attribute", apdu.attribute.to_string());
  if (apdu.access) text.field("access", apdu.access->to_string());
  return text.take();
}

std::string describe_one(const GetRequestNext& apdu) {
  Text text("Get-Request-Next");
  text.line(apdu.invoke.to_string());
  text.field("block number", std::to_string(apdu.block_number));
  return text.take();
}

std::string describe_one(const GetRequestWithList& apdu) {
  Text text("Get-Request-With-List");
  text.line(apdu.invoke.to_string());
  add_attributes(text, apdu.attributes);
  return text.take();
}

std::string describe_one(const GetResponseNormal& apdu) {
  Text text("Get-Response-Normal");
  text.line(apdu.invoke.to_string());
  text.field("result", result_text(apdu.result));
  return text.take();
}

std::string describe_one(const GetResponseWithDatablock& apdu) {
  Text text("Get-Response-With-Datablock");
  text.line(apdu.invoke.to_string());
  text.field("block number", std::to_string(apdu.block_number));
  text.field("last block", apdu.last_block ? "yes" : "no");
  if (const auto* raw = std::get_if<Bytes>(&apdu.result)) {
    text.field("raw data", raw_text(*raw));
  } else {
    text.field("result", "data-access-result " + describe(std::get<DataAccessResult>(apdu.result)));
  }
  return text.take();
}

std::string describe_one(const GetResponseWithList& apdu) {
  Text text("Get-Response-With-List");
  text.line(apdu.invoke.to_string());
  text.line(std::to_string(apdu.results.size()) + " result(s)");
  for (std::size_t i = 0; i < apdu.results.size(); ++i) {
    text.field("result " + std::to_string(i + 1), result_text(apdu.results[i]));
  }
  return text.take();
}

std::string describe_one(const SetRequestNormal& apdu) {
  Text text("Set-Request-Normal");
  text.line(apdu.invoke.to_string());
  text.field("attribute", apdu.attribute.to_string());
  if (apdu.access) text.field("access", apdu.access->to_string());
  text.field("value", value_text(apdu.value));
  return text.take();
}

std::string describe_one(const SetRequestWithFirstDatablock& apdu) {
  Text text("Set-Request-With-First-Datablock");
  text.line(apdu.invoke.to_string());
  text.field("attribute", apdu.attribute.to_string());
  if (apdu.access) text.field("access", apdu.access->to_string());
  add_block(text, apdu.block);
  return text.take();
}

std::string describe_one(const SetRequestWithDatablock& apdu) {
  Text text("Set-Request-With-Datablock");
  text.line(apdu.invoke.to_string());
  add_block(text, apdu.block);
  return text.take();
}

std::string describe_one(const SetRequestWithList& apdu) {
  Text text("Set-Request-With-List");
  text.line(apdu.invoke.to_string());
  add_attributes(text, apdu.attributes);
  for (std::size_t i = 0; i < apdu.values.size(); ++i) {
    text.field("value " + std::to_string(i + 1), value_text(apdu.values[i]));
  }
  return text.take();
}

std::string describe_one(const SetResponseNormal& apdu) {
  Text text("Set-Response-Normal");
  text.line(apdu.invoke.to_string());
  text.field("result", describe(apdu.result));
  return text.take();
}

std::string describe_one(const SetResponseDatablock& apdu) {
  Text text("Set-Response-Datablock");
  text.line(apdu.invoke.to_string());
  text.field("block number", std::to_string(apdu.block_number));
  return text.take();
}

std::string describe_one(const SetResponseLastDatablock& apdu) {
  Text text("Set-Response-Last-Datablock");
  text.line(apdu.invoke.to_string());
  text.field("result", describe(apdu.result));
  text.field("block number", std::to_string(apdu.block_number));
  return text.take();
}

std::string describe_one(const SetResponseWithList& apdu) {
  Text text("Set-Response-With-List");
  text.line(apdu.invoke.to_string());
  text.line(std::to_string(apdu.results.size()) + " result(s)");
  for (std::size_t i = 0; i < apdu.results.size(); ++i) {
    text.field("result " + std::to_string(i + 1), describe(apdu.results[i]));
  }
  return text.take();
}

std::string describe_one(const ActionRequestNormal& apdu) {
  Text text("Action-Request-Normal");
  text.line(apdu.invoke.to_string());
  text.field("method", apdu.method.to_string());
  text.field("parameters", apdu.parameters ? value_text(*apdu.parameters) : "none");
  return text.take();
}

std::string describe_one(const ActionRequestWithFirstPblock& apdu) {
  Text text("Action-Request-With-First-Pblock");
  text.line(apdu.invoke.to_string());
  text.field("method", apdu.method.to_string());
  add_block(text, apdu.block);
  return text.take();
}

std::string describe_one(const ActionRequestWithPblock& apdu) {
  Text text("Action-Request-With-Pblock");
  text.line(apdu.invoke.to_string());
  add_block(text, apdu.block);
  return text.take();
}

std::string describe_one(const ActionResponseNextPblock& apdu) {
  Text text("Action-Response-Next-Pblock");
  text.line(apdu.invoke.to_string());
  text.field("block number", std::to_string(apdu.block_number));
  return text.take();
}

std::string describe_one(const ActionResponseNormal& apdu) {
  Text text("Action-Response-Normal");
  text.line(apdu.invoke.to_string());
  text.field("result", numbered(apdu.result));
  if (apdu.return_parameters) {
    text.field("return parameters", result_text(*apdu.return_parameters));
  }
  return text.take();
}

std::string describe_one(const ExceptionResponse& apdu) {
  Text text("Exception-Response");
  text.field("state error", numbered(apdu.state_error));
  text.field("service error", numbered(apdu.service_error));
  if (apdu.invocation_counter) {
    text.field("expected invocation counter", std::to_string(*apdu.invocation_counter));
  }
  return text.take();
}

std::string describe_one(const ConfirmedServiceError& apdu) {
  Text text("Confirmed-Service-Error");
  text.line(apdu.to_string());
  return text.take();
}

}  // namespace

std::string describe(const Apdu& apdu) {
  return std::visit([](const auto& alternative) { return describe_one(alternative); }, apdu);
}

}  // namespace dlmsgw::xdlms
