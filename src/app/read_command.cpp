#include "app/read_command.hpp"

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "app/connection_options.hpp"
#include "client/measurement_catalog.hpp"
#include "client/read_target.hpp"

namespace dlmsgw::app {
namespace {

struct ReadOptions {
  CommonOptions common;
  std::vector<std::string> targets;
  unsigned b_field = client::kUserMeterBField;
};

nlohmann::json json_value(const client::MeterValue& value) {
  if (value.date_time()) return value.value_text();
  if (value.data.as_bool() != nullptr) return *value.data.as_bool();
  if (auto number = value.number()) {
    // The exact decimal text parses as a JSON number without binary noise.
    if (value.scaled()) return nlohmann::json::parse(value.scaled()->to_decimal_string());
    return *number;
  }
  return value.value_text();
}

int run_read(const ReadOptions& options) {
  if (options.b_field > 255) {
    std::cerr << "dlmsgw: --b-field " << options.b_field << ": use 0..255\n";
    return 2;
  }
  std::vector<client::ReadTarget> targets;
  for (const std::string& text : options.targets) {
    auto target = client::parse_read_target(text, static_cast<std::uint8_t>(options.b_field));
    if (!target) {
      std::cerr << "dlmsgw: " << target.error().message << "\n";
      return 2;
    }
    targets.push_back(*target);
  }
  return run_session(options.common, [&](client::Session& session) -> asio::awaitable<int> {
    std::vector<xdlms::CosemAttributeDescriptor> attributes;
    for (const auto& target : targets) attributes.push_back(target.attribute);
    auto values = co_await session.read_many(attributes);
    if (!values) {
      std::cerr << "dlmsgw: " << values.error().message << "\n";
      co_return 1;
    }
    int exit_code = 0;
    nlohmann::json array = nlohmann::json::array();
    for (std::size_t i = 0; i < targets.size(); ++i) {
      const auto& result = (*values)[i];
      if (!result) {
        std::cerr << "dlmsgw: " << result.error().message << "\n";
        exit_code = 1;
        continue;
      }
      const auto& attribute = targets[i].attribute;
      if (options.common.json) {
        nlohmann::json item{{"obis", attribute.instance.to_string()},
                            {"classId", attribute.class_id},
                            {"attribute", attribute.attribute_id},
                            {"value", json_value(*result)},
                            {"unit", result->unit_symbol()}};
        if (targets[i].label != attribute.instance.to_string()) item["name"] = targets[i].label;
        array.push_back(std::move(item));
      } else {
        std::string line = attribute.instance.to_string();
        if (targets[i].label != line) line += " (" + targets[i].label + ")";
        line += "  " + result->value_text();
        if (const std::string unit = result->unit_symbol(); !unit.empty()) line += " " + unit;
        std::cout << line << "\n";
      }
    }
    if (options.common.json) std::cout << array.dump(2) << "\n";
    co_return exit_code;
  });
}

}  // namespace

void add_read_command(CLI::App& app) {
  auto options = std::make_shared<ReadOptions>();
  CLI::App* command = app.add_subcommand(
      "read",
      "read values from one meter: OBIS, OBIS:class[:attribute] or a measurement name "
      "(voltage_l1, active_energy, clock, ...)");
  add_connection_options(*command, options->common);
  command
      ->add_option("--b-field", options->b_field,
                   "B field (channel) for named measurements: 1 for the user's meter, 0 standard")
      ->capture_default_str();
  command->add_option("targets", options->targets, "what to read")->required();
  command->callback([options] {
    const int code = run_read(*options);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace dlmsgw::app
