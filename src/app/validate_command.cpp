#include "app/validate_command.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/config_check.hpp"
#include "app/config_probe.hpp"
#include "gateway/uplink/mqtt_client.hpp"

namespace dlmsgw::app {
namespace {

constexpr int kExitValid = 0;
constexpr int kExitProbeFailed = 1;
constexpr int kExitInvalid = 2;

struct ValidateOptions {
  std::string config = "/etc/dlmsgw";
  bool probe = false;
  bool json = false;
  double probe_timeout_s = 10;
  std::string counter_dir;
  std::string as_user;  // empty: the packaged service user when run as root and it exists
};

// The user the package runs the service as (packaging/systemd/dlmsgw.service: User=dlmsgw).
constexpr const char* kServiceUser = "dlmsgw";

std::string count(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string summary(const ConfigCheck& check) {
  const std::string files = count(check.gateway_files, "gateway file", "gateway files") + ", " +
                            count(check.connector_files, "connector file", "connector files") +
                            ", " + count(check.meters.size(), "meter", "meters");
  const std::string warnings = count(check.warnings.size(), "warning", "warnings");
  if (check.valid()) return "configuration valid: " + files + ", " + warnings;
  return "configuration invalid: " + count(check.errors.size(), "error", "errors") + ", " +
         warnings + " (" + files + ")";
}

std::string took_text(std::chrono::milliseconds took) {
  if (took.count() < 1000) return std::to_string(took.count()) + " ms";
  std::ostringstream text;
  text << std::fixed << std::setprecision(2) << static_cast<double>(took.count()) / 1000.0 << " s";
  return text.str();
}

void print_table(const std::vector<ProbeRow>& rows) {
  std::size_t target = 6;
  std::size_t address = 7;
  for (const auto& row : rows) {
    target = std::max(target, row.target.size());
    address = std::max(address, row.address.size());
  }
  const auto line = [&](const std::string& a, const std::string& b, const std::string& c,
                        const std::string& d) {
    std::cout << std::left << std::setw(static_cast<int>(target)) << a << "  "
              << std::setw(static_cast<int>(address)) << b << "  " << std::setw(8) << c << "  " << d
              << "\n";
  };
  line("TARGET", "ADDRESS", "TIME", "RESULT");
  for (const auto& row : rows) line(row.target, row.address, took_text(row.took), row.result);
}

// How `run` will reach ThingsBoard, TLS or not: the operator sees it before the token is sent.
std::string uplink_line(const gateway::GatewayConfig& config) {
  const auto mqtt = gateway::to_gateway_options(config).mqtt;
  return "ThingsBoard " + mqtt.host + ":" + std::to_string(mqtt.port) + " over " +
         gateway::describe_transport(mqtt);
}

nlohmann::json to_json(const ConfigCheck& check, const std::vector<ProbeRow>& rows) {
  nlohmann::json report{{"valid", check.valid()},
                        {"errors", check.errors},
                        {"warnings", check.warnings},
                        {"gatewayFiles", check.gateway_files},
                        {"connectorFiles", check.connector_files},
                        {"meters", check.meters.size()},
                        {"summary", summary(check)}};
  if (check.gateway) report["uplink"] = uplink_line(*check.gateway);
  if (!rows.empty()) {
    auto probe = nlohmann::json::array();
    for (const auto& row : rows) {
      probe.push_back({{"target", row.target},
                       {"address", row.address},
                       {"ok", row.ok},
                       {"result", row.result},
                       {"tookMs", row.took.count()}});
    }
    report["probe"] = std::move(probe);
  }
  return report;
}

int run_validate(const ValidateOptions& options, const std::string& checked_as) {
  const auto check = check_configuration(options.config);
  std::vector<ProbeRow> rows;
  if (check.valid() && options.probe && check.gateway) {
    ProbeOptions probe;
    probe.broker_timeout = probe.meter_timeout =
        std::chrono::milliseconds(static_cast<std::int64_t>(options.probe_timeout_s * 1000));
    probe.counter_folder = options.counter_dir;
    rows = probe_configuration(*check.gateway, check.meters, probe);
  }
  const bool probe_failed =
      std::any_of(rows.begin(), rows.end(), [](const ProbeRow& row) { return !row.ok; });
  if (options.json) {
    auto report = to_json(check, rows);
    if (!checked_as.empty()) report["checkedAs"] = checked_as;
    std::cout << report.dump(2) << "\n";
  } else {
    if (!checked_as.empty()) std::cout << "checked as " << checked_as << "\n";
    for (const auto& error : check.errors) std::cout << error << "\n";
    for (const auto& warning : check.warnings) std::cout << "warning: " << warning << "\n";
    if (check.gateway) std::cout << "uplink: " << uplink_line(*check.gateway) << "\n";
    std::cout << summary(check) << "\n";
    if (!rows.empty()) {
      std::cout << "\n";
      print_table(rows);
      std::size_t failed = 0;
      for (const auto& row : rows) failed += row.ok ? 0 : 1;
      std::cout << "probe: "
                << (failed == 0 ? "all " + count(rows.size(), "target", "targets") + " reachable"
                                : std::to_string(failed) + " of " +
                                      count(rows.size(), "target", "targets") + " failed")
                << "\n";
    }
  }
  if (!check.valid()) return kExitInvalid;
  return probe_failed ? kExitProbeFailed : kExitValid;
}

// The service reads its files as its own user, not as the root who runs validate: a token file
// root can read but the service cannot made the unit exit 2 and stay down. So, with a user,
// validate runs its checks in a child that has dropped to that user's uid, gid and groups.
// Without systemd's $STATE_DIRECTORY, the user's home stands for it when it exists (the package
// makes /var/lib/dlmsgw, the unit's StateDirectory, dlmsgw's home).
int validate_as_user(const ValidateOptions& options) {
  std::string name = options.as_user;
  if (name.empty()) {
    if (::geteuid() != 0 || ::getpwnam(kServiceUser) == nullptr) return run_validate(options, "");
    name = kServiceUser;
  }
  errno = 0;
  const passwd* user = ::getpwnam(name.c_str());
  if (user == nullptr) {
    std::cout << "dlmsgw validate: --as-user " << name << ": no such user"
              << (errno != 0 ? std::string(" (") + std::strerror(errno) + ")" : std::string())
              << " (give the user the service runs as: User= in its unit)\n";
    return kExitInvalid;
  }
  const std::string checked_as = "user " + name + " (uid " + std::to_string(user->pw_uid) + ")";
  if (user->pw_uid == ::geteuid()) return run_validate(options, checked_as);
  if (::geteuid() != 0) {
    std::cout << "dlmsgw validate: --as-user " << name
              << ": checking files as another user needs root (run it with sudo), or give "
                 "--as-user for yourself\n";
    return kExitInvalid;
  }
  const uid_t uid = user->pw_uid;
  const gid_t gid = user->pw_gid;
  const std::string home = user->pw_dir != nullptr ? user->pw_dir : "";
  std::cout.flush();
  const pid_t child = ::fork();
  if (child < 0) {
    std::cout << "dlmsgw validate: --as-user " << name << ": fork: " << std::strerror(errno)
              << "\n";
    return kExitInvalid;
  }
  if (child == 0) {
    if (::initgroups(name.c_str(), gid) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) {
      std::cout << "dlmsgw validate: --as-user " << name
                << ": cannot switch to the user: " << std::strerror(errno) << "\n";
      std::cout.flush();
      ::_exit(kExitInvalid);
    }
    struct stat info {};
    if (!home.empty() && ::stat(home.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
      if (std::getenv("STATE_DIRECTORY") == nullptr) ::setenv("STATE_DIRECTORY", home.c_str(), 1);
      // --probe keeps its invocation counters under the user's home, not root's.
      ::setenv("HOME", home.c_str(), 1);
      ::unsetenv("XDG_STATE_HOME");
    }
    const int status = run_validate(options, checked_as);
    std::cout.flush();
    ::_exit(status);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : kExitInvalid;
}

}  // namespace

void add_validate_command(CLI::App& app) {
  auto options = std::make_shared<ValidateOptions>();
  auto* command = app.add_subcommand(
      "validate",
      "Check a configuration without running it: tb_gateway.yaml and every connector file it "
      "names (--probe: also reach the broker and each meter)");
  command
      ->add_option("-c,--config", options->config,
                   "configuration directory holding tb_gateway.yaml (or .json), or that file")
      ->capture_default_str();
  command->add_flag("--probe", options->probe,
                    "also connect to the broker (MQTT CONNECT with the configured credentials) "
                    "and to each meter (association and one read of its first point)");
  command
      ->add_option("--probe-timeout", options->probe_timeout_s,
                   "seconds each probe may take (broker, each meter; probed at the same time)")
      ->check(CLI::Range(0.1, 600.0))
      ->capture_default_str();
  command->add_option("--counter-dir", options->counter_dir,
                      "folder of our invocation counters for ciphered meters (default "
                      "$XDG_STATE_HOME/dlmsgw/invocation-counters or "
                      "~/.local/state/dlmsgw/invocation-counters)");
  command->add_option("--as-user", options->as_user,
                      "check the files as this user sees them (the service's User=); default: " +
                          std::string(kServiceUser) +
                          " when run as root and that user exists. Other users need root");
  command->add_flag("--json", options->json, "print the report as JSON");
  command->footer(
      "Each problem is printed as file:line: key: problem (hint); warnings (unknown keys, "
      "QoS 0...) as \"warning: ...\". The last line sums up, e.g. "
      "\"configuration valid: 1 gateway file, 1 connector file, 3 meters, 2 warnings\".\n"
      "Exit status: 0 valid (warnings allowed), 1 valid but a probe failed (a meter or the "
      "broker unreachable, timed out or refused), 2 configuration invalid.");
  command->callback([options] {
    const int status = validate_as_user(*options);
    if (status != 0) throw CLI::RuntimeError(status);
  });
}

}  // namespace dlmsgw::app
