#include "app/simulate_command.hpp"

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <chrono>
#include <iostream>
#include <memory>
#include <sstream>

#include "core/hex.hpp"
#include "simulator/simulator.hpp"

namespace dlmsgw {
namespace {

struct SimulateOptions {
  std::string profile = "microstar";
  std::optional<std::string> transport;  // the profile's when not given
  std::size_t meters = 1;
  std::optional<std::uint16_t> base_port;
  std::string bind = "127.0.0.1";
  std::uint64_t seed = 1;
  std::vector<std::string> faults;
  std::optional<double> inactivity_timeout;     // seconds
  std::optional<double> fault_delay;            // seconds
  std::optional<std::uint32_t> capture_period;  // seconds
  std::optional<std::uint32_t> profile_entries;
  std::optional<std::uint32_t> billing_period;  // seconds; monthly when not given
  bool refuse_range_access = false;
  std::optional<double> clock_set_back_after;  // seconds from start
  std::uint32_t clock_set_back_by = 3600;      // seconds
  bool json = false;
};

std::string json_escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string describe_json(const simulator::Simulator& sim) {
  const auto& config = sim.config();
  std::ostringstream out;
  out << "{\"event\":\"ready\",\"profile\":\"" << config.profile_name << "\",\"transport\":\""
      << (config.transport == simulator::Transport::hdlc ? "hdlc" : "wrapper") << "\",\"bind\":\""
      << json_escape(config.bind_address) << "\",\"meters\":" << config.meters << ",\"ports\":[";
  for (std::size_t i = 0; i < sim.ports().size(); ++i) out << (i ? "," : "") << sim.ports()[i];
  out << "],\"seed\":" << config.seed << ",\"load_profile\":{\"obis\":\""
      << config.meter_profile.load_profile_code().to_string()
      << "\",\"capture_period_s\":" << config.meter_profile.capture_period_seconds
      << ",\"entries\":" << config.meter_profile.profile_entries
      << ",\"range_access\":" << (config.meter_profile.refuse_range_access ? "false" : "true")
      << "}";
  out << ",\"billing\":{\"obis\":\"" << config.meter_profile.billing_profile_code().to_string()
      << "\",\"period_s\":" << config.meter_profile.billing_period_seconds
      << ",\"entries\":" << config.meter_profile.billing_entries << "},\"event_log\":{\"obis\":\""
      << server::MeterProfile::event_log_code().to_string()
      << "\",\"entries\":" << config.meter_profile.event_entries << "}";
  if (config.meter_profile.clock_set_back_at_ms != 0) {
    out << ",\"clock_set_back\":{\"at_ms\":" << config.meter_profile.clock_set_back_at_ms
        << ",\"by_ms\":" << config.meter_profile.clock_set_back_ms << "}";
  }
  if (config.transport == simulator::Transport::hdlc) {
    out << ",\"server_address\":{\"logical\":0,\"physical\":1,\"size\":1,\"byte\":\"0x03\"}";
  } else {
    out << ",\"server_wport\":1";
  }
  out << ",\"clients\":[";
  bool first = true;
  for (const auto& [sap, policy] : config.server.clients) {
    out << (first ? "" : ",") << "{\"sap\":" << sap << ",\"mechanism\":\""
        << acse::to_string(policy.mechanism) << "\"";
    if (policy.mechanism == acse::MechanismName::low) {
      out << ",\"password\":\"" << json_escape(policy.password) << "\"";
    }
    out << ",\"ciphered\":" << (policy.ciphered ? "true" : "false") << "}";
    first = false;
  }
  const auto security = sim.server_config_for(0).security;
  out << "],\"conformance\":\"" << config.server.supported_conformance.to_string().substr(0, 8)
      << "\",\"system_title\":\"" << security.system_title.to_hex() << "\",\"block_key\":\""
      << to_hex(security.block_key.bytes(), '\0') << "\",\"authentication_key\":\""
      << to_hex(security.authentication_key.bytes(), '\0')
      << "\",\"inactivity_timeout_ms\":" << config.inactivity_timeout.count()
      << ",\"one_client_at_a_time\":" << (config.one_client_at_a_time ? "true" : "false") << "}";
  return out.str();
}

void print_text(const simulator::Simulator& sim) {
  const auto& config = sim.config();
  const auto& ports = sim.ports();
  std::cout << "dlmsgw simulate: " << config.meters << " " << config.profile_name << " meter(s) on "
            << config.bind_address << " ports " << ports.front() << ".." << ports.back() << " ("
            << (config.transport == simulator::Transport::hdlc
                    ? "HDLC over TCP, server address 0x03 = logical 0 / physical 1"
                    : "wrapper, server wPort 1")
            << ")\n";
  for (const auto& [sap, policy] : config.server.clients) {
    std::cout << "  client " << sap << ": " << acse::to_string(policy.mechanism);
    if (policy.mechanism == acse::MechanismName::low) std::cout << " password " << policy.password;
    if (policy.ciphered) std::cout << ", ciphered";
    std::cout << "\n";
  }
  std::cout << "  conformance " << config.server.supported_conformance.to_string() << "\n"
            << "  system title " << sim.server_config_for(0).security.system_title.to_hex()
            << (config.meters > 1 ? " (plus i for meter i)" : "") << ", block key "
            << to_hex(config.server.security.block_key.bytes(), '\0') << ", authentication key "
            << to_hex(config.server.security.authentication_key.bytes(), '\0') << "\n"
            << "  load profile " << config.meter_profile.load_profile_code().to_string() << ": "
            << config.meter_profile.profile_entries << " entries every "
            << config.meter_profile.capture_period_seconds << " s"
            << (config.meter_profile.refuse_range_access ? ", range access refused" : "") << "\n"
            << "  billing profile " << config.meter_profile.billing_profile_code().to_string()
            << ": " << config.meter_profile.billing_entries << " entries, "
            << (config.meter_profile.billing_period_seconds > 0
                    ? "every " + std::to_string(config.meter_profile.billing_period_seconds) + " s"
                    : std::string("monthly"))
            << "; event log " << server::MeterProfile::event_log_code().to_string() << ": "
            << config.meter_profile.event_entries << " entries\n"
            << "  seed " << config.seed << "; Ctrl-C to stop" << std::endl;
}

int run_simulate(const SimulateOptions& options) {
  auto config = simulator::SimulatorConfig::for_profile(options.profile);
  if (!config) {
    std::cerr << "dlmsgw simulate: " << config.error().message << "\n";
    return 2;
  }
  if (options.transport) {
    config->transport =
        *options.transport == "hdlc" ? simulator::Transport::hdlc : simulator::Transport::wrapper;
  }
  config->meters = options.meters;
  if (options.base_port) config->base_port = *options.base_port;
  config->bind_address = options.bind;
  config->seed = options.seed;
  if (options.capture_period)
    config->meter_profile.capture_period_seconds = *options.capture_period;
  if (options.profile_entries) config->meter_profile.profile_entries = *options.profile_entries;
  config->meter_profile.refuse_range_access = options.refuse_range_access;
  if (options.billing_period) {
    config->meter_profile.billing_period_seconds = *options.billing_period;
  }
  if (options.clock_set_back_after) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    config->meter_profile.clock_set_back_at_ms =
        now + static_cast<std::int64_t>(*options.clock_set_back_after * 1000);
    config->meter_profile.clock_set_back_ms = std::int64_t{options.clock_set_back_by} * 1000;
  }
  if (options.inactivity_timeout) {
    config->inactivity_timeout =
        std::chrono::milliseconds(static_cast<std::int64_t>(*options.inactivity_timeout * 1000));
  }
  if (options.fault_delay) {
    config->fault_delay =
        std::chrono::milliseconds(static_cast<std::int64_t>(*options.fault_delay * 1000));
  }
  for (const auto& text : options.faults) {
    auto fault = simulator::parse_fault(text);
    if (!fault) {
      std::cerr << "dlmsgw simulate: " << fault.error().message << "\n";
      return 2;
    }
    config->fault_rates[static_cast<std::size_t>(fault->first)] = fault->second;
  }
  simulator::raise_open_file_limit();
  asio::io_context io(1);
  simulator::Simulator sim(io, std::move(*config));
  if (auto started = sim.start(); !started) {
    std::cerr << "dlmsgw simulate: " << started.error().message << "\n";
    return 1;
  }
  if (options.json) {
    std::cout << describe_json(sim) << std::endl;
  } else {
    print_text(sim);
  }
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const std::error_code&, int) { sim.stop(); });
  io.run();
  const auto& counters = sim.counters();
  if (options.json) {
    std::cout << "{\"event\":\"summary\",\"connections\":" << counters.connections
              << ",\"requests\":" << counters.requests
              << ",\"busy_refusals\":" << counters.busy_refusals
              << ",\"inactivity_drops\":" << counters.inactivity_drops
              << ",\"security_errors\":" << counters.security_errors
              << ",\"faults_injected\":" << counters.faults_total() << ",\"faults\":{";
    for (std::size_t i = 0; i < simulator::kFaultCount; ++i) {
      std::cout << (i ? "," : "") << "\"" << simulator::to_string(static_cast<simulator::Fault>(i))
                << "\":" << counters.faults[i];
    }
    std::cout << "}}" << std::endl;
  } else {
    std::cout << "dlmsgw simulate: stopped; " << counters.connections << " connections, "
              << counters.requests << " requests, " << counters.faults_total() << " faults injected"
              << std::endl;
  }
  return 0;
}

}  // namespace

void add_simulate_command(CLI::App& app) {
  auto options = std::make_shared<SimulateOptions>();
  auto* command = app.add_subcommand(
      "simulate", "Serve simulated DLMS/COSEM meters (no real meter needed) until SIGINT/SIGTERM");
  command->add_option("--profile", options->profile, "microstar (the user's meter) or generic")
      ->check(CLI::IsMember({"microstar", "generic"}));
  command
      ->add_option("--transport", options->transport,
                   "hdlc or wrapper (default: the profile's: hdlc for microstar, wrapper for "
                   "generic); over HDLC the server address is 0x03 (logical 0, physical 1)")
      ->check(CLI::IsMember({"hdlc", "wrapper"}));
  command->add_option("--meters", options->meters, "number of meters, one TCP port each")
      ->check(CLI::Range(std::size_t{1}, std::size_t{60000}));
  command->add_option("--base-port", options->base_port,
                      "port of the first meter (default 3333 microstar, 4059 generic; 0: "
                      "ephemeral ports, listed at start)");
  command->add_option("--bind", options->bind, "address to listen on");
  command->add_option("--seed", options->seed, "seed of the meters' values (meter i uses seed+i)");
  command->add_option("--fault", options->faults,
                      "NAME=RATE (0..1): delay, drop, garbage, flag_bytes, byte_at_a_time, "
                      "stale_duplicate, reset, refuse, slow_accept, late_error");
  command->add_option("--inactivity-timeout", options->inactivity_timeout,
                      "seconds of silence before a meter drops the link (default 180)");
  command->add_option("--fault-delay", options->fault_delay,
                      "seconds of the delay, slow_accept and late_error faults (default 1)");
  command
      ->add_option("--capture-period", options->capture_period,
                   "seconds between load profile entries (default 900; short periods let tests "
                   "cover hours of history in seconds)")
      ->check(CLI::Range(std::uint32_t{1}, std::uint32_t{86400}));
  command
      ->add_option("--profile-entries", options->profile_entries,
                   "entries the load profile holds (default 960; 0: an empty buffer)")
      ->check(CLI::Range(std::uint32_t{0}, std::uint32_t{100000}));
  command
      ->add_option("--billing-period", options->billing_period,
                   "seconds between billing resets (default: monthly, the 1st at 00:00)")
      ->check(CLI::Range(std::uint32_t{1}, std::uint32_t{366 * 86400}));
  command->add_flag("--refuse-range-access", options->refuse_range_access,
                    "the load profile refuses range selective access (selector 1), as some "
                    "meters do; entry access (selector 2) still works");
  command
      ->add_option("--clock-set-back-after", options->clock_set_back_after,
                   "seconds after start at which the meters' clocks are set back (by "
                   "--clock-set-back-by): the entries recorded afterwards repeat capture times")
      ->check(CLI::Range(0.0, 1e7));
  command
      ->add_option("--clock-set-back-by", options->clock_set_back_by,
                   "seconds the clock is set back (default 3600)")
      ->check(CLI::Range(std::uint32_t{1}, std::uint32_t{31 * 86400}));
  command->add_flag("--json", options->json, "one JSON object per line (ready, then summary)");
  command->callback([options] {
    const int status = run_simulate(*options);
    if (status != 0) throw CLI::RuntimeError(status);
  });
}

}  // namespace dlmsgw
