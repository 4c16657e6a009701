#include "app/decode_command.hpp"

#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "core/hex.hpp"
#include "dlms/inspect/stream_inspector.hpp"

namespace dlmsgw::app {
namespace {

nlohmann::json to_json(const inspect::Inspection& node) {
  nlohmann::json object{{"field", node.field}, {"value", node.value}};
  if (!node.children.empty()) {
    auto& children = object["fields"] = nlohmann::json::array();
    for (const auto& child : node.children) children.push_back(to_json(child));
  }
  return object;
}

struct DecodeOptions {
  std::vector<std::string> hex_parts;
  bool json = false;
};

int run_decode(const DecodeOptions& options) {
  std::string text;
  if (options.hex_parts.empty() || (options.hex_parts.size() == 1 && options.hex_parts[0] == "-")) {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    for (const auto& part : options.hex_parts) text += part + " ";
  }
  auto bytes = parse_hex(text);
  if (!bytes) {
    std::cerr << "dlmsgw decode: " << bytes.error().message
              << " (give the bytes as hex, e.g. 7E A0 07 03 21 93 0F 01 7E)\n";
    return 2;
  }
  if (bytes->empty()) {
    std::cerr << "dlmsgw decode: no bytes given (pass hex as arguments or on standard input)\n";
    return 2;
  }
  const auto nodes = inspect::inspect_trace(*bytes);
  bool failed = false;
  nlohmann::json json = nlohmann::json::array();
  for (const auto& node : nodes) {
    failed = failed || inspect::has_error(node);
    if (options.json) {
      json.push_back(to_json(node));
    } else {
      std::cout << inspect::to_text(node);
    }
  }
  if (options.json) std::cout << json.dump(2) << "\n";
  return failed ? 1 : 0;
}

}  // namespace

void add_decode_command(CLI::App& app) {
  auto options = std::make_shared<DecodeOptions>();
  auto* command = app.add_subcommand(
      "decode",
      "Decode HDLC frames, wrapper frames or bare APDUs given in hex (from a trace or a log)");
  command->add_option("hex", options->hex_parts,
                      "the bytes in hex; spaces allowed; '-' or nothing reads stdin");
  command->add_flag("--json", options->json, "print a JSON array of {field, value, fields}");
  command->callback([options] {
    const int status = run_decode(*options);
    if (status != 0) throw CLI::RuntimeError(status);
  });
}

}  // namespace dlmsgw::app
