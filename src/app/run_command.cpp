#include "app/run_command.hpp"

#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>

#include "app/gateway_file.hpp"
#include "app/gateway_runtime.hpp"
#include "app/logging_setup.hpp"
#include "app/startup_check.hpp"
#include "app/version.hpp"
#include "gateway/config/gateway_config.hpp"

namespace dlmsgw::app {
namespace {

struct RunOptions {
  std::string config = "/etc/dlmsgw";
  std::string log_level;  // empty: tb_gateway.yaml's logging.level
};

int run_gateway(const RunOptions& options) {
  auto file = find_gateway_file(options.config);
  if (!file) {
    std::cerr << "dlmsgw run: " << file.error().message << "\n";
    return kExitConfig;
  }
  auto config = gateway::load_gateway_config(*file);
  if (!config) {
    std::cerr << "dlmsgw run: " << config.error().message << "\n";
    return kExitConfig;
  }
  // The same checks `validate` makes, before anything is built: the two cannot disagree.
  if (const auto problems = check_startup(*config, file->string()); !problems.empty()) {
    for (const auto& problem : problems) std::cerr << "dlmsgw run: " << problem << "\n";
    return kExitConfig;
  }
  set_up_logging(config->logging, options.log_level.empty()
                                      ? std::nullopt
                                      : std::optional<std::string>(options.log_level));
  spdlog::info("configuration {}", file->string());
  auto startup = GatewayRuntime::create(std::move(*config), std::string(kVersion), *file);
  if (!startup.runtime) {
    spdlog::shutdown();
    std::cerr << "dlmsgw run: " << startup.error << "\n";
    return startup.exit_code;
  }
  const int status = startup.runtime->run();
  startup.runtime.reset();
  spdlog::shutdown();
  return status;
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto options = std::make_shared<RunOptions>();
  auto* command = app.add_subcommand(
      "run",
      "Run the gateway: meters to ThingsBoard, until SIGTERM or SIGINT (SIGHUP reloads "
      "the connector files)");
  command
      ->add_option("-c,--config", options->config,
                   "configuration directory holding tb_gateway.yaml (or .json), or that file")
      ->capture_default_str();
  command
      ->add_option("--log-level", options->log_level,
                   "log detail, instead of tb_gateway.yaml's logging.level (default info); "
                   "logging.levels still sets single components")
      ->check(CLI::IsMember(gateway::log_level_names()));
  command->footer(
      "Signals: SIGTERM/SIGINT stop cleanly (meters released, storage flushed; a second one exits "
      "at once), SIGHUP reads the connector files again (not tb_gateway.yaml) and keeps the "
      "running connectors if one does not parse.\n"
      "Exit status: 0 stopped cleanly, 1 runtime failure, 2 configuration error (the message names "
      "the file and key), 75 restart requested by ThingsBoard (gateway_restart; systemd: "
      "RestartForceExitStatus=75).");
  command->callback([options] {
    const int status = run_gateway(*options);
    if (status != 0) throw CLI::RuntimeError(status);
  });
}

}  // namespace dlmsgw::app
