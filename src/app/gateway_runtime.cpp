#include "app/gateway_runtime.hpp"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <asio/post.hpp>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <mutex>
#include <optional>
#include <sstream>

#include "app/connector_factory.hpp"
#include "app/reboot_command.hpp"
#include "app/trace_route.hpp"
#include "client/file_invocation_counter_store.hpp"
#include "gateway/component_logger.hpp"
#include "gateway/config/configured_secrets.hpp"
#include "gateway/config/platform_attributes.hpp"
#include "gateway/uplink/mqtt_client.hpp"

namespace dlmsgw::app {
namespace {

// Installed once the clean stop has begun: a second Ctrl-C means "now", not "again".
extern "C" void exit_at_once(int) {
  static constexpr char message[] =
      "dlmsgw run: second signal while stopping: exiting now, without waiting for storage\n";
  (void)!::write(STDERR_FILENO, message, sizeof message - 1);
  ::_exit(kExitFailure);
}

void on_second_signal_exit_at_once() {
  struct sigaction action {};
  action.sa_handler = exit_at_once;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  ::signal(SIGHUP, SIG_IGN);  // a reload while stopping means nothing
}

std::string describe_storage(const gateway::StorageConfig& storage) {
  if (storage.type == gateway::StorageType::memory) return "memory (lost on exit)";
  return "sqlite " + storage.data_file_path.string();
}

// Logs a connector's summary, one line per meter, and its file's warnings, then what the storage
// means for their profiles; hands the connectors over.
std::vector<std::unique_ptr<gateway::Connector>> take_and_log(std::vector<BuiltConnector> built,
                                                              gateway::StorageType storage) {
  std::vector<std::unique_ptr<gateway::Connector>> connectors;
  std::vector<std::string> profile_devices;
  for (auto& item : built) {
    spdlog::info("{}", item.summary);
    for (const auto& device : item.devices) spdlog::info("  {}", device);
    for (const auto& warning : item.warnings) spdlog::warn("{}", warning);
    profile_devices.insert(profile_devices.end(), item.profile_devices.begin(),
                           item.profile_devices.end());
    connectors.push_back(std::move(item.connector));
  }
  if (const auto warning = check_profiles_storage(storage, profile_devices)) {
    spdlog::warn("{}", *warning);
  }
  return connectors;
}

// A file's whole text now; nullopt when it cannot be read (removed, say).
std::optional<std::string> watched_file_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// What the connector files are remembered by: their size and hash, not their text (at 10,000
// meters the connector file is megabytes, held for nothing but this comparison). An edit that
// keeps the size and the 64-bit hash goes unseen: not a case to plan for.
GatewayRuntime::FileDigest watched_file_digest(const std::filesystem::path& file) {
  const auto text = watched_file_text(file).value_or("");
  return {text.size(), std::hash<std::string>{}(text)};
}

bool same_connector_entries(const std::vector<gateway::ConnectorConfig>& a,
                            const std::vector<gateway::ConnectorConfig>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.name == y.name && x.type == y.type && x.configuration == y.configuration;
  });
}

std::int64_t runtime_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "127.0.0.1:9110" or "[::1]:9110".
std::string http_authority(const std::string& host, std::uint16_t port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace

struct GatewayRuntime::StorageGate {
  std::mutex mutex;
  gateway::StorageService* storage = nullptr;  // none once closed

  void ask(std::function<void(bool)> opened) {
    std::lock_guard lock(mutex);
    if (storage == nullptr) {
      opened(false);
      return;
    }
    storage->when_left(
        [opened = std::move(opened)](Expected<void> left) { opened(left.has_value()); });
  }
  void close() {
    std::lock_guard lock(mutex);
    storage = nullptr;
  }
};

GatewayRuntime::GatewayRuntime(gateway::GatewayConfig config, std::string version)
    : config_(std::move(config)), version_(std::move(version)) {}

GatewayRuntime::~GatewayRuntime() {
  commit_pool_.join();
  spdlog::apply_all([this](const std::shared_ptr<spdlog::logger>& logger) {
    auto& sinks = logger->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), remote_logs_), sinks.end());
  });
  endpoint_.reset();  // it reads the metrics, which read the gateway and storage
  metrics_.reset();
  gateway_.reset();                           // before storage, which its uplink uses
  if (storage_gate_) storage_gate_->close();  // the cursors' writer outlives storage
  if (storage_) storage_->stop();
}

GatewayRuntime::Startup GatewayRuntime::create(gateway::GatewayConfig config, std::string version,
                                               std::filesystem::path config_file) {
  Startup startup;
  std::unique_ptr<GatewayRuntime> runtime(
      new GatewayRuntime(std::move(config), std::move(version)));
  auto& self = *runtime;
  self.config_file_ = std::move(config_file);
  if (const char* fallback = std::getenv("DLMSGW_CONNECTION_FALLBACK_SECONDS")) {
    const auto seconds = std::atoi(fallback);
    if (seconds > 0) self.connection_fallback_ = std::chrono::seconds(seconds);
  }
  const auto& storage_config = self.config_.storage;
  // Before any thread logs: sinks are not to be added under a logging thread.
  spdlog::apply_all([&self](const std::shared_ptr<spdlog::logger>& logger) {
    logger->sinks().push_back(self.remote_logs_);
  });
  self.collect_secrets(self.config_.connectors);

  // One store for every connector and every reload: a counter restarting would be refused by
  // the meter (and reuse AES-GCM IVs). It lives with the data, which it belongs to.
  auto counters = client::FileInvocationCounterStore::open(
      storage_config.data_file_path.parent_path() / "invocation-counters");
  if (!counters) return {nullptr, kExitConfig, counters.error().message};
  self.counters_ = std::move(*counters);
  // Profile cursors (newest entry stored per meter and profile) live next to the database too.
  auto cursors = connectors::dlms::FileProfileCursorStore::open(
      storage_config.data_file_path.parent_path() / "profile-cursors.json");
  if (!cursors) return {nullptr, kExitConfig, cursors.error().message};
  const auto file_cursors = *cursors;
  self.cursors_ = std::move(*cursors);

  // The connector files first: a mistake in them is the most likely one, and costs nothing yet.
  auto connectors =
      make_connectors(self.io_, self.config_.connectors, self.counters_, self.cursors_);
  if (!connectors) return {nullptr, kExitConfig, connectors.error().message};

  auto queue = gateway::open_record_queue(storage_config);
  if (!queue) return {nullptr, kExitFailure, "storage: " + queue.error().message};
  gateway::StorageServiceOptions storage_options;
  storage_options.on_error = [&self](const Error& error) {
    self.health_checks_.storage_failed(error);
    gateway::component_logger("storage")->error("storage: {}", error.message);
  };
  // Told in the gateway's loss summary (one line per interval), not one line per commit.
  storage_options.on_dropped = [&self](std::uint64_t now, std::uint64_t /*total*/) {
    if (self.gateway_) {
      self.gateway_->report_loss(
          "dropped from storage, oldest first, for its limits (storage.max_records_count, "
          "storage.messages_ttl_in_days) or a full disk",
          now);
    }
  };
  self.storage_ = std::make_unique<gateway::StorageService>(
      std::move(*queue), self.io_.get_executor(), std::move(storage_options));
  if (storage_config.type == gateway::StorageType::memory) {
    // A stop loses what memory holds: the cursors on disk cover only entries that have left it
    // (delivered, set aside or dropped), so that the meter is asked again for the others.
    self.storage_gate_ = std::make_shared<StorageGate>();
    self.storage_gate_->storage = self.storage_.get();
    file_cursors->set_gate([gate = self.storage_gate_](std::function<void(bool)> opened) {
      gate->ask(std::move(opened));
    });
  }

  auto options = gateway::to_gateway_options(self.config_);
  options.version = self.version_;
  options.on_direct_store_error = [&self](const Error& error) {
    self.health_checks_.storage_failed(error);
  };
  if (storage_config.type == gateway::StorageType::sqlite) {
    // Next to the data: both describe the same installation and move together.
    options.registry_file = storage_config.data_file_path.parent_path() / "devices.json";
  }
  options.uplink.on_puback_latency = [&self](std::chrono::steady_clock::duration latency) {
    if (self.metrics_) self.metrics_->observe_puback_latency(latency);
  };
  options.on_shutdown = [&self](int exit_code) {
    self.begin_shutdown(exit_code, "gateway_restart requested by ThingsBoard");
  };
  options.client_attributes =
      gateway::gateway_client_attributes(self.config_, self.version_,
                                         std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count());
  options.shared_keys = RemoteConfigurator::requested_keys();
  options.on_shared_attributes = [&self](const nlohmann::json& shared) {
    if (!self.remote_ || self.stopping_) return;
    try {
      self.remote_->on_shared_attributes(shared);
    } catch (const std::exception& e) {
      // A value of an unexpected JSON type from the network: refused, never a crash.
      spdlog::error("shared attributes from ThingsBoard not applied: {}", e.what());
    }
  };
  if (!self.config_.reboot_command.empty()) {
    options.on_reboot = [command = self.config_.reboot_command] { start_reboot_command(command); };
  }
  auto service = gateway::GatewayService::create(self.io_, *self.storage_, std::move(options));
  if (!service) return {nullptr, kExitConfig, service.error().message};
  self.gateway_ = std::move(*service);
  RemoteConfigurator::Hooks hooks;
  hooks.check = [&self](const gateway::ConnectorConfig& entry) -> Expected<void> {
    DLMSGW_TRY_ASSIGN(auto built, make_connector(self.io_, entry, 0, self.counters_));
    for (const auto& warning : built.warnings) spdlog::warn("{}", warning);
    return {};
  };
  hooks.reload = [&self]() -> Expected<void> {
    if (self.stopping_) return {};
    return self.reload_connectors();
  };
  hooks.off_loop = [&self](std::function<void()> work,
                           std::function<void(std::optional<std::string>)> then) {
    asio::post(
        self.commit_pool_, [&self, work = std::move(work), then = std::move(then)]() mutable {
          // Whatever the disk or memory throws here is the commit's failure, told on the loop: an
          // exception leaving this thread would end the process (std::terminate).
          std::optional<std::string> thrown;
          try {
            work();
          } catch (const std::exception& e) {
            thrown = e.what();
          } catch (...) {
            thrown = "unknown exception";
          }
          asio::post(self.io_, [then = std::move(then), thrown = std::move(thrown)]() mutable {
            then(std::move(thrown));
          });
        });
  };
  hooks.written = [&self](const std::filesystem::path& file,
                          const std::optional<std::string>& started_from) {
    self.remember_written(file, started_from);
  };
  hooks.publish = [&self](const nlohmann::json& attributes) {
    self.gateway_->update_client_attributes(attributes);
  };
  hooks.request = [&self](const std::vector<std::string>& keys) {
    (void)self.gateway_->request_shared_attributes(keys);
  };
  hooks.remote_logging = [&self](const std::string& level) { self.set_remote_logging(level); };
  hooks.log_level = [](const std::string& component, const std::string& level) {
    if (auto logger = spdlog::get(component)) logger->set_level(spdlog::level::from_str(level));
  };
  hooks.connector_logging = [&self](const std::string& connector, bool enabled,
                                    const std::string& level) {
    const auto threshold = enabled ? remote_log_level(level) : std::nullopt;
    const auto found = self.connector_remote_levels_.find(connector);
    if (found != self.connector_remote_levels_.end() && found->second == threshold) return;
    self.connector_remote_levels_[connector] = threshold;
    spdlog::info("remote logs of connector '{}': {}", connector,
                 threshold ? "from " + level + " (while RemoteLoggingLevel is on)"
                           : std::string("off (enableRemoteLogging false or logLevel NONE)"));
  };
  hooks.switch_connection = [&self](const gateway::GatewayConfig& next,
                                    std::function<void(Expected<void>)> done) {
    self.switch_connection(next, std::move(done));
  };
  self.remote_ =
      std::make_unique<RemoteConfigurator>(self.config_, std::move(hooks), self.config_file_);

  spdlog::info("dlmsgw {}: ThingsBoard {}:{} over {}, storage {}, device registry {}",
               self.version_, self.config_.host, self.config_.port,
               gateway::describe_transport(gateway::to_gateway_options(self.config_).mqtt),
               describe_storage(storage_config),
               self.gateway_->registry().path().empty()
                   ? std::string("in memory")
                   : self.gateway_->registry().path().string());
  for (const auto& warning : self.config_.warnings) spdlog::warn("{}", warning);
  for (auto& connector : take_and_log(std::move(*connectors), storage_config.type)) {
    if (auto added = self.gateway_->add_connector(std::move(connector)); !added) {
      return {nullptr, kExitConfig, added.error().message};
    }
  }
  auto metrics = GatewayMetrics::create(
      self.registry_, *self.gateway_, *self.storage_, [&self] { return self.meter_snapshots(); },
      self.version_);
  if (!metrics) return {nullptr, kExitFailure, "metrics: " + metrics.error().message};
  self.metrics_ = std::move(*metrics);
  startup.runtime = std::move(runtime);
  return startup;
}

int GatewayRuntime::run() {
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  signals_.add(SIGHUP);
  wait_for_signal();
  // Local edits are picked up without SIGHUP. A save is several events (and an editor may write
  // a new file and rename it): one check after the last event.
  auto debounce = std::chrono::milliseconds(300);
  if (const char* value = std::getenv("DLMSGW_CONFIG_WATCH_DEBOUNCE_MS")) {
    if (const auto ms = std::atoi(value); ms >= 0) debounce = std::chrono::milliseconds(ms);
  }
  if (auto watch = ConfigWatch::start(io_, debounce, [this] { on_local_edit(); }); watch) {
    watch_ = std::move(*watch);
  } else {
    spdlog::warn("configuration files not watched, edits need SIGHUP: {}", watch.error().message);
  }
  if (!config_file_.empty()) yaml_text_ = watched_file_text(config_file_).value_or("");
  remember_files();
  start_health_endpoint();
  gateway_->start();
  (void)sd_notify(0, "READY=1");
  watchdog_.start();
  // One handler at a time until a stop begins (begin_shutdown runs inside one).
  while (!stopping_ && io_.run_one() > 0) {
  }
  // Connectors release their associations, the uplink and MQTT close; then storage commits.
  io_.restart();
  io_.run_for(shutdown_grace_);
  commit_pool_.join();  // a configuration change being written is finished, not cut
  storage_->stop();
  // The profile cursors are written off the loop, a moment behind storage: write the last ones.
  if (auto flushed = cursors_->flush(); !flushed) spdlog::error("{}", flushed.error().message);
  spdlog::info("stopped");
  return exit_code_;
}

void GatewayRuntime::wait_for_signal() {
  signals_.async_wait([this](std::error_code ec, int signal) {
    if (ec || stopping_) return;
    if (signal == SIGHUP) {
      reload();
      wait_for_signal();
      return;
    }
    begin_shutdown(kExitOk, signal == SIGINT ? "SIGINT" : "SIGTERM");
  });
}

void GatewayRuntime::reload() {
  (void)sd_notify(0, "RELOADING=1");
  spdlog::info(
      "SIGHUP: reading the connector files again (tb_gateway.yaml is read only at start: restart "
      "dlmsgw for changes to it)");
  if (auto reloaded = reload_connectors(); !reloaded) {
    spdlog::error("reload refused, the running connectors keep going: {}",
                  reloaded.error().message);
  }
  (void)sd_notify(0, "READY=1");
}

Expected<void> GatewayRuntime::reload_connectors() {
  const auto entries = remote_ ? remote_->running_entries() : config_.connectors;
  DLMSGW_TRY_ASSIGN(auto built, make_connectors(io_, entries, counters_, cursors_));
  DLMSGW_TRY(gateway_->replace_connectors(take_and_log(std::move(built), config_.storage.type)));
  spdlog::info("reload done: {} connector(s) running", entries.size());
  collect_secrets(entries);
  // The Gateways page shows each connector's file: the edited one from now on.
  const auto& levels = config_.logging.levels;
  auto attributes = gateway::connector_client_attributes(
      entries, levels.count("connector") != 0 ? levels.at("connector") : config_.logging.level,
      gateway_->uplink_limits().max_payload_bytes);  // the running limit, not a saved new one
  if (remote_) remote_->keep_echoes(attributes);
  gateway_->update_client_attributes(attributes);
  remember_files();
  return {};
}

void GatewayRuntime::remember_files() {
  file_texts_.clear();
  std::vector<std::filesystem::path> files;
  if (!config_file_.empty()) files.push_back(config_file_);
  for (const auto& entry : config_.connectors) {
    file_texts_[entry.configuration] = watched_file_digest(entry.configuration);
    files.push_back(entry.configuration);
  }
  if (!watch_) return;
  if (auto watched = watch_->watch(files); !watched) {
    spdlog::warn("configuration files not watched, edits need SIGHUP: {}", watched.error().message);
  }
}

void GatewayRuntime::remember_written(const std::filesystem::path& file,
                                      const std::optional<std::string>& started_from) {
  const auto text = watched_file_text(file).value_or("");
  if (file == config_file_) {
    if (started_from && *started_from != yaml_text_) {
      // Written from a text that does not run (an operator's save not taken yet): what it holds
      // besides our change is that edit, taken as one.
      spdlog::info("{} held a local edit not taken yet when dlmsgw wrote it: taking it",
                   file.string());
      if (watch_) watch_->poke();
      return;
    }
    yaml_text_ = text;
  } else if (file_texts_.count(file) != 0) {
    file_texts_[file] = {text.size(), std::hash<std::string>{}(text)};
  }
}

void GatewayRuntime::refuse_local_edit(const std::string& key, const std::string& why) {
  spdlog::error("local edit of {} refused, the running configuration is kept: {}", key, why);
  gateway_->update_client_attributes(
      {{"remoteConfigurationError", {{"key", key}, {"message", why}, {"ts", runtime_unix_ms()}}}});
}

bool GatewayRuntime::take_gateway_file(const gateway::GatewayConfig& edited) {
  const auto name = config_file_.filename().string();
  for (const auto& component : gateway::log_component_names()) {
    const auto level_of = [&](const gateway::LoggingConfig& logging) {
      const auto own = logging.levels.find(component);
      return own != logging.levels.end() ? own->second : logging.level;
    };
    const auto level = level_of(edited.logging);
    if (level == level_of(config_.logging)) continue;
    if (auto logger = spdlog::get(component)) logger->set_level(spdlog::level::from_str(level));
    spdlog::info("{}: log level of '{}' now {}", name, component, level);
  }
  config_.logging = edited.logging;
  if (edited.remote_configuration != config_.remote_configuration) {
    config_.remote_configuration = edited.remote_configuration;
    spdlog::info("{}: remoteConfiguration now {}", name, edited.remote_configuration);
  }
  // What runs is read at start: said, not silently ignored.
  const auto general = [](const gateway::GatewayConfig& config) {
    auto attributes = gateway::gateway_client_attributes(config, "", 0);
    return attributes["general_configuration"].dump() + attributes["storage_configuration"].dump();
  };
  auto compared = edited;
  compared.remote_configuration = config_.remote_configuration;
  if (general(compared) != general(config_) || edited.health.port != config_.health.port ||
      edited.health.host != config_.health.host ||
      edited.health.enabled != config_.health.enabled) {
    spdlog::warn(
        "{} changed in its thingsboard, storage or health settings: dlmsgw reads these at start "
        "(restart it); the running ones stay",
        name);
  }
  auto published = gateway::gateway_client_attributes(config_, version_, runtime_unix_ms());
  gateway_->update_client_attributes({{"general_configuration", published["general_configuration"]},
                                      {"storage_configuration", published["storage_configuration"]},
                                      {"logs_configuration", published["logs_configuration"]}});
  // Connectors created from the page that the file does not list (not added to it: a
  // tb_gateway.json, a failed write) keep running: the edit did not remove them, it never had
  // them. Named, so that the operator lists them or deletes them on the page.
  auto connectors = edited.connectors;
  std::string kept;
  for (const auto& entry : config_.connectors) {
    if (!remote_ || remote_->created().count(entry.name) == 0) continue;
    const bool listed = std::any_of(connectors.begin(), connectors.end(),
                                    [&](const auto& e) { return e.name == entry.name; });
    if (listed) continue;
    connectors.push_back(entry);
    kept += (kept.empty() ? "'" : ", '") + entry.name + "'";
  }
  if (!kept.empty()) {
    spdlog::warn(
        "{} does not list connector(s) {} created on ThingsBoard's Gateways page: they keep "
        "running until dlmsgw restarts; list them in the file for them to run after a restart",
        name, kept);
  }
  if (same_connector_entries(connectors, config_.connectors)) return false;
  config_.connectors = std::move(connectors);
  return true;
}

void GatewayRuntime::on_local_edit() {
  if (stopping_ || !gateway_) return;
  if (remote_ && remote_->committing()) {
    watch_->poke();  // a change from ThingsBoard is being written: look once it is
    return;
  }
  std::vector<std::string> edited;
  std::string key;
  const auto old_connectors = config_.connectors;
  bool reload = false;
  if (!config_file_.empty()) {
    auto text = watched_file_text(config_file_).value_or("");
    if (text != yaml_text_) {
      yaml_text_ = std::move(text);
      edited.push_back(config_file_.string());
      key = config_file_.filename().string();
      if (auto parsed = gateway::load_gateway_config(config_file_); !parsed) {
        refuse_local_edit(key, parsed.error().message);
      } else {
        reload = take_gateway_file(*parsed);
      }
    }
  }
  for (const auto& entry : config_.connectors) {
    const auto known = file_texts_.find(entry.configuration);
    if (known != file_texts_.end() && known->second == watched_file_digest(entry.configuration)) {
      continue;
    }
    edited.push_back(entry.configuration.string());
    if (key.empty()) key = entry.name;
    reload = true;
  }
  if (!reload) return;
  std::string files;
  for (const auto& file : edited) files += (files.empty() ? "" : ", ") + file;
  spdlog::info("local edit of {}: reading the connector files again, as a reload does", files);
  if (auto reloaded = reload_connectors(); !reloaded) {
    // The refused texts are remembered: the same content is not refused again at every event.
    config_.connectors = old_connectors;
    for (const auto& entry : config_.connectors) {
      file_texts_[entry.configuration] = watched_file_digest(entry.configuration);
    }
    refuse_local_edit(key, reloaded.error().message);
  }
}

void GatewayRuntime::set_remote_logging(const std::string& level) {
  const auto threshold = remote_log_level(level);
  const auto before = remote_logs_->threshold();
  if (threshold == before) return;
  if (!threshold) {
    // The last line the page gets: remote logs stop after it.
    spdlog::info("remote logging off (RemoteLoggingLevel {})", level);
    send_remote_logs();
    remote_logs_->set_threshold(std::nullopt);
    remote_log_timer_.cancel();
    return;
  }
  remote_logs_->set_threshold(threshold);
  spdlog::info("remote logging on: lines at {} and above go to ThingsBoard (RemoteLoggingLevel)",
               level);
  if (!before) send_remote_logs();
}

std::string GatewayRuntime::remote_log_key(const RemoteLogLine& line) const {
  if (line.logger == "mqtt" || line.logger == "uplink") return "CONNECTION_LOGS";
  if (line.logger == "storage") return "STORAGE_LOGS";
  if (line.logger == "connector" || line.logger == "dlms") {
    // "meter 'kitchen' ...": the connector serving that meter.
    const auto at = line.text.find("meter '");
    if (at != std::string::npos) {
      const auto begin = at + 7;
      const auto end = line.text.find('\'', begin);
      if (end != std::string::npos) {
        const auto meter = line.text.substr(begin, end - begin);
        for (const auto& entry : gateway_->registry().devices()) {
          if (entry.local_name == meter || entry.name == meter) return entry.connector + "_LOGS";
        }
      }
    }
    const auto running = gateway_->connectors();
    if (running.size() == 1) return std::string(running.front()->name()) + "_LOGS";
  }
  return "SERVICE_LOGS";
}

void GatewayRuntime::collect_secrets(const std::vector<gateway::ConnectorConfig>& connectors) {
  secrets_ = gateway::configured_secrets(config_, connectors);
}

void GatewayRuntime::send_remote_logs() {
  // At most this many lines a second: the rest waits in the sink's queue (which drops beyond its
  // bound and says how many), so that logs never crowd out readings.
  constexpr std::size_t kLinesPerSecond = 50;
  if (remote_logs_->threshold() && !stopping_ && gateway_->mqtt().connected()) {
    auto taken = remote_logs_->take(kLinesPerSecond);
    if (taken.dropped > 0) {
      taken.lines.push_back({std::chrono::system_clock::now(), spdlog::level::warn, "gateway",
                             std::to_string(taken.dropped) +
                                 " log lines not sent to ThingsBoard (more than " +
                                 std::to_string(kLinesPerSecond) + " a second)"});
    }
    const auto limit = gateway_->uplink_limits().max_payload_bytes;
    nlohmann::json batch = nlohmann::json::array();
    std::size_t batch_bytes = 2;
    for (const auto& line : taken.lines) {
      auto text = format_remote_log_line(line);
      for (const auto& secret : secrets_) {
        for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
          text.replace(at, secret.size(), "***");
        }
      }
      const auto key = remote_log_key(line);
      if (key.ends_with("_LOGS") && key != "SERVICE_LOGS" && key != "CONNECTION_LOGS" &&
          key != "STORAGE_LOGS") {
        // A connector's line: as far as the page set its remote logs.
        const auto found = connector_remote_levels_.find(key.substr(0, key.size() - 5));
        if (found != connector_remote_levels_.end() &&
            (!found->second || line.level < *found->second)) {
          continue;
        }
      }
      nlohmann::json values{{key, text}};
      // The gateway's own components also go under LOGS (the page's general log); connectors
      // only under their own key, as the Python gateway sends them.
      if (key == "SERVICE_LOGS" || key == "CONNECTION_LOGS" || key == "STORAGE_LOGS") {
        values["LOGS"] = text;
      }
      nlohmann::json entry{
          {"ts", std::chrono::duration_cast<std::chrono::milliseconds>(line.time.time_since_epoch())
                     .count()},
          {"values", std::move(values)}};
      const auto bytes =
          entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).size();
      if (bytes + 2 > limit) continue;  // one line alone over the limit: not sent
      if (batch_bytes + bytes + 1 > limit && !batch.empty()) {
        (void)gateway_->publish_gateway_telemetry(batch);
        batch = nlohmann::json::array();
        batch_bytes = 2;
      }
      batch_bytes += bytes + 1;
      batch.push_back(std::move(entry));
    }
    if (!batch.empty()) (void)gateway_->publish_gateway_telemetry(batch);
  }
  if (!remote_logs_->threshold() || stopping_) return;
  remote_log_timer_.expires_after(std::chrono::seconds(1));
  remote_log_timer_.async_wait([this](std::error_code ec) {
    if (!ec) send_remote_logs();
  });
}

void GatewayRuntime::switch_connection(const gateway::GatewayConfig& next,
                                       std::function<void(Expected<void>)> done) {
  // Pushes arrive inside libmosquitto's message callback, where it holds a lock that changing
  // the client's settings takes too: the move starts right after it instead.
  asio::post(io_, [this, fresh = gateway::to_gateway_options(next).mqtt,
                   done = std::move(done)]() mutable { start_switch(fresh, std::move(done)); });
}

void GatewayRuntime::start_switch(const gateway::MqttOptions& fresh,
                                  std::function<void(Expected<void>)> done) {
  if (stopping_) return;
  if (switch_) {
    done(make_error(ErrorCode::protocol_state, "another connection change is in progress"));
    return;
  }
  auto old = gateway::to_gateway_options(config_).mqtt;
  const auto attempts = gateway_->mqtt().connection_attempts();
  if (auto moved = gateway_->reconnect_with(fresh); !moved) {
    done(moved.error());
    return;
  }
  switch_ =
      ConnectionSwitch{std::move(old), std::chrono::steady_clock::now() + connection_fallback_,
                       attempts, std::move(done)};
  watch_connection_switch();
}

void GatewayRuntime::watch_connection_switch() {
  if (!switch_ || stopping_) return;
  auto& mqtt = gateway_->mqtt();
  std::optional<std::string> why;
  if (mqtt.connected()) {
    auto done = std::move(switch_->done);
    switch_.reset();
    done({});
    return;
  }
  if (mqtt.refusal()) {
    why = mqtt.refusal()->message;
  } else if (std::chrono::steady_clock::now() >= switch_->deadline) {
    why = "no connection to " + mqtt.endpoint() + " within " +
          std::to_string(connection_fallback_.count()) + " s (" +
          std::to_string(mqtt.connection_attempts() - switch_->attempts_before) + " attempts)";
    if (mqtt.last_connection_error()) why = *why + ": " + mqtt.last_connection_error()->message;
  }
  if (why) {
    auto state = std::move(*switch_);
    switch_.reset();
    const auto back = state.old.host + ":" + std::to_string(state.old.port);
    if (auto moved = gateway_->reconnect_with(state.old); !moved) {
      spdlog::error("back to {}: {}", back, moved.error().message);
    }
    state.done(make_error(ErrorCode::timeout,
                          *why + "; the gateway went back to " + back + " and its settings"));
    return;
  }
  switch_timer_.expires_after(std::chrono::milliseconds(100));
  switch_timer_.async_wait([this](std::error_code ec) {
    if (!ec) watch_connection_switch();
  });
}

void GatewayRuntime::begin_shutdown(int exit_code, const std::string& reason) {
  if (stopping_) return;
  stopping_ = true;
  exit_code_ = exit_code;
  (void)sd_notify(0, "STOPPING=1");
  spdlog::info("{}: stopping (meters released, storage flushed); a second signal exits at once",
               reason);
  std::error_code ignored;
  signals_.cancel(ignored);
  signals_.clear(ignored);
  on_second_signal_exit_at_once();
  remote_log_timer_.cancel();
  switch_timer_.cancel();
  if (watch_) watch_->stop();
  gateway_->stop();
}

std::vector<connectors::dlms::DlmsConnector*> GatewayRuntime::dlms_connectors() const {
  std::vector<connectors::dlms::DlmsConnector*> dlms;
  for (auto* connector : gateway_->connectors()) {
    if (auto* meters = dynamic_cast<connectors::dlms::DlmsConnector*>(connector)) {
      dlms.push_back(meters);
    }
  }
  return dlms;
}

std::vector<connectors::dlms::MeterSnapshot> GatewayRuntime::meter_snapshots() const {
  std::vector<connectors::dlms::MeterSnapshot> snapshots;
  for (const auto* connector : dlms_connectors()) {
    auto more = connector->meter_snapshots();
    if (snapshots.empty()) {
      snapshots = std::move(more);  // one connector: its vector as it is, not grown into a copy
      continue;
    }
    snapshots.reserve(snapshots.size() + more.size());
    std::move(more.begin(), more.end(), std::back_inserter(snapshots));
  }
  return snapshots;
}

void GatewayRuntime::start_health_endpoint() {
  const auto& health = config_.health;
  if (!health.enabled) {
    spdlog::info("health endpoint off (health.enabled: false)");
    return;
  }
  observability::HttpEndpointOptions options;
  options.address = health.host;
  options.port = health.port;
  options.host_names = health.host_names;
  options.before_metrics = [this] { metrics_->refresh(); };
  options.extra_routes = [this](const observability::HttpRequest& request) {
    // Every answer about health reflects the state now.
    if (request.path == "/health") health_checks_.update(health_, *gateway_);
    return route_trace(
        request, [this] { return dlms_connectors(); }, config_.health.trace_token);
  };
  health_checks_.update(health_, *gateway_);
  auto endpoint =
      observability::HttpEndpoint::start(io_.get_executor(), options, registry_, health_);
  if (!endpoint) {
    // Readings matter more than their metrics: keep delivering without the endpoint.
    spdlog::error(
        "health endpoint not started: {} (set health.port, or health.enabled: false); running "
        "without it",
        endpoint.error().message);
    return;
  }
  endpoint_ = std::move(*endpoint);
  spdlog::info("health endpoint on http://{} (/health, /metrics, POST /trace {})",
               http_authority(health.host, endpoint_->port()),
               health.trace_token.empty() ? "off: no health.traceTokenFile" : "with its token");
}

}  // namespace dlmsgw::app
