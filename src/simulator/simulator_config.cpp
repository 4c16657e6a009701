#include "simulator/simulator_config.hpp"

namespace dlmsgw::simulator {

SimulatorConfig SimulatorConfig::microstar() {
  SimulatorConfig config;
  config.profile_name = "microstar";
  config.meter_profile = server::MeterProfile::microstar();
  config.server = server::ServerConfig::microstar();
  config.transport = Transport::hdlc;
  config.base_port = 3333;
  config.one_client_at_a_time = true;
  return config;
}

SimulatorConfig SimulatorConfig::generic() {
  return SimulatorConfig{};
}

Expected<SimulatorConfig> SimulatorConfig::for_profile(std::string_view name) {
  if (name == "microstar") return microstar();
  if (name == "generic") return generic();
  return make_error(ErrorCode::invalid_argument,
                    "unknown profile '" + std::string(name) + "' (microstar or generic)");
}

}  // namespace dlmsgw::simulator
