#include "app/remote_configurator.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "gateway/component_logger.hpp"
#include "gateway/config/platform_attributes.hpp"

namespace dlmsgw::app {
namespace {

std::shared_ptr<spdlog::logger> remote_log() {
  return gateway::component_logger("gateway");
}

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Error file_error(const std::filesystem::path& path, const std::string& what) {
  return Error{ErrorCode::io_error, path.string() + ": " + what + ": " + std::strerror(errno)};
}

// Writes a new file readable by the owner only; it must not exist yet. `sync`: fsync before
// returning (a file only read back at once may leave that to later).
Expected<void> write_new_private_file(const std::filesystem::path& path, std::string_view text,
                                      bool sync = true) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return file_error(path, "cannot be created");
  std::size_t written = 0;
  while (written < text.size()) {
    const auto n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto error = file_error(path, "cannot be written");
      ::close(fd);
      ::unlink(path.c_str());
      return error;
    }
    written += static_cast<std::size_t>(n);
  }
  if ((sync && ::fsync(fd) != 0) || ::close(fd) != 0) {
    auto error = file_error(path, "cannot be written");
    ::unlink(path.c_str());
    return error;
  }
  return {};
}

Expected<void> sync_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return file_error(path, "cannot be opened");
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return file_error(path, "cannot be written");
  return {};
}

void sync_directory(const std::filesystem::path& directory) {
  const int fd = ::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

// A file's whole text; nullopt when it cannot be read.
std::optional<std::string> read_text_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<nlohmann::json> read_json_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = nlohmann::json::parse(text.str(), nullptr, false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

// A file name the platform may choose: a plain name in the configuration directory.
bool plain_json_file_name(const std::string& name) {
  return !name.empty() && name.find('/') == std::string::npos && name != "." && name != ".." &&
         name.front() != '.' && name.ends_with(".json") && name.size() <= 200;
}

std::string file_name_for(const std::string& connector) {
  std::string file;
  for (const unsigned char c : connector) {
    file += std::isalnum(c) != 0 ? static_cast<char>(std::tolower(c)) : '_';
  }
  return (file.empty() ? "connector" : file) + ".json";
}

}  // namespace

Expected<void> write_private_file_atomically(const std::filesystem::path& path,
                                             std::string_view text) {
  const auto temporary = path.parent_path() / ("." + path.filename().string() + ".new");
  ::unlink(temporary.c_str());
  DLMSGW_TRY(write_new_private_file(temporary, text));
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    auto error = file_error(path, "cannot be replaced");
    ::unlink(temporary.c_str());
    return error;
  }
  sync_directory(path.parent_path());
  return {};
}

Expected<std::filesystem::path> back_up_file(const std::filesystem::path& file, std::size_t keep) {
  const auto directory = file.parent_path() / "backup";
  if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
    return file_error(directory, "cannot be created");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return file_error(file, "cannot be read for its backup");
  std::stringstream text;
  text << in.rdbuf();
  const std::string prefix = file.stem().string() + ".backup.";
  const auto extension =
      file.extension().empty() ? std::string(".json") : file.extension().string();
  auto backup = directory / (prefix + std::to_string(unix_ms_now()) + extension);
  ::unlink(backup.c_str());
  DLMSGW_TRY(write_new_private_file(backup, text.str()));
  std::vector<std::filesystem::path> backups;
  std::error_code ec;
  // error_code overloads throughout: this runs on the commit thread.
  for (std::filesystem::directory_iterator it(directory, ec), end; !ec && it != end;
       it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.starts_with(prefix) && name.ends_with(extension)) backups.push_back(it->path());
  }
  // Same prefix and digits of one length for centuries: the name order is the time order.
  std::sort(backups.begin(), backups.end());
  for (std::size_t i = 0; i + keep < backups.size(); ++i) std::filesystem::remove(backups[i], ec);
  return backup;
}

RemoteConfigurator::RemoteConfigurator(gateway::GatewayConfig& config, Hooks hooks,
                                       std::filesystem::path config_file)
    : config_(config), hooks_(std::move(hooks)), config_file_(std::move(config_file)) {
  if (config_file_.empty()) return;
  state_file_ = config_file_.parent_path() / "remote-configuration-state.json";
  if (const auto state = read_json_file(state_file_); state && state->is_object()) {
    const auto handled = state->find("handled");
    if (handled != state->end() && handled->is_object()) handled_ = *handled;
  }
}

std::optional<std::int64_t> RemoteConfigurator::handled_ts(const std::string& key) const {
  const auto found = handled_.find(key);
  if (found == handled_.end() || !found->is_number_integer()) return std::nullopt;
  return found->get<std::int64_t>();
}

void RemoteConfigurator::commit(
    std::function<void()> work,
    std::function<void(const std::optional<std::string>& thrown)> then) {
  if (!hooks_.off_loop) {
    std::optional<std::string> thrown;
    try {
      work();
    } catch (const std::exception& e) {
      thrown = e.what();
    }
    then(thrown);
    return;
  }
  ++committing_;
  hooks_.off_loop(std::move(work),
                  [this, then = std::move(then)](std::optional<std::string> thrown) {
                    --committing_;
                    try {
                      then(thrown);
                    } catch (const std::exception& e) {
                      spdlog::error("remote configuration: {}", e.what());
                    }
                    // What came meanwhile, in order (a change among it may start another commit).
                    while (committing_ == 0 && !waiting_.empty()) {
                      auto next = std::move(waiting_.front());
                      waiting_.pop_front();
                      on_shared_attributes(next);
                    }
                  });
}

void RemoteConfigurator::record_handled(const std::string& key, std::int64_t ts) {
  handled_[key] = ts;
  if (state_file_.empty()) return;
  auto text = nlohmann::json{{"handled", handled_}}.dump(2) + "\n";
  auto work = [file = state_file_, text = std::move(text), key] {
    if (auto written = write_private_file_atomically(file, text); !written) {
      remote_log()->warn("{} (after a restart the same {} from ThingsBoard is handled again)",
                         written.error().message, key);
    }
  };
  if (hooks_.off_loop) {
    hooks_.off_loop(std::move(work), [key](const std::optional<std::string>& thrown) {
      if (thrown) remote_log()->warn("the state of {} not saved: {}", key, *thrown);
    });  // in order with the commits; nothing waits on it
  } else {
    work();
  }
}

const std::vector<std::string>& RemoteConfigurator::requested_keys() {
  static const std::vector<std::string> keys = {"RemoteLoggingLevel", "general_configuration",
                                                "storage_configuration", "logs_configuration",
                                                "active_connectors"};
  return keys;
}

std::vector<gateway::ConnectorConfig> RemoteConfigurator::running_entries() const {
  std::vector<gateway::ConnectorConfig> running;
  for (const auto& entry : config_.connectors) {
    if (inactive_.count(entry.name) == 0) running.push_back(entry);
  }
  return running;
}

void RemoteConfigurator::on_shared_attributes(const nlohmann::json& shared) {
  if (committing_ > 0) {
    waiting_.push_back(shared);
    return;
  }
  for (auto it = shared.begin(); it != shared.end(); ++it) {
    if (committing_ > 0) {
      // A change is being written: the rest of this message waits, ahead of later ones.
      nlohmann::json rest = nlohmann::json::object();
      for (; it != shared.end(); ++it) rest[it.key()] = it.value();
      waiting_.push_front(std::move(rest));
      return;
    }
    try {
      on_attribute(it.key(), it.value());
    } catch (const std::exception& e) {
      // A value of an unexpected JSON type from the network: refused, never a crash.
      remote_log()->error("shared attribute '{}' from ThingsBoard not applied: {}", it.key(),
                          e.what());
    }
  }
}

void RemoteConfigurator::on_attribute(const std::string& key, const nlohmann::json& value) {
  if (key == "deleted") {
    if (!value.is_array()) return;
    for (const auto& deleted : value) {
      if (deleted == "RemoteLoggingLevel") {
        on_remote_logging("NONE");
      } else if (deleted.is_string()) {
        remote_log()->debug("shared attribute '{}' deleted on ThingsBoard: nothing to do",
                            deleted.get<std::string>());
      }
    }
  } else if (key == "RemoteLoggingLevel") {
    on_remote_logging(value);
  } else if (key == "logs_configuration" && config_.remote_configuration) {
    on_logs_configuration(value);
  } else if (key == "general_configuration" && config_.remote_configuration) {
    on_general_configuration(value);
  } else if (key == "storage_configuration" && config_.remote_configuration) {
    on_storage_configuration(value);
  } else if (key == "general_configuration" || key == "storage_configuration" ||
             key == "logs_configuration" || key == "grpc_configuration") {
    auto content = value;
    if (content.is_object()) content.erase("ts");
    auto& last = not_applied_[key];
    if (last == content.dump()) return;
    const bool first = last.empty();
    last = content.dump();
    if (!config_.remote_configuration) return;
    // The answer after a connect holds what the page saved long ago: not news.
    remote_log()->log(first ? spdlog::level::debug : spdlog::level::info,
                      "{} from ThingsBoard not applied: dlmsgw reads these settings from "
                      "tb_gateway.yaml at start (edit it and restart dlmsgw)",
                      key);
  } else if (key == "active_connectors") {
    on_active_connectors(value);
  } else if (value.is_object() && value.contains("configurationJson")) {
    on_connector(key, value);
  } else {
    remote_log()->debug("shared attribute '{}' from ThingsBoard: not one dlmsgw uses", key);
  }
}

void RemoteConfigurator::on_logs_configuration(const nlohmann::json& value) {
  if (value.dump() == last_logs_) return;  // sent again (a reconnect): nothing to do
  last_logs_ = value.dump();
  if (!value.is_object()) return refuse("logs_configuration", "not a JSON object");
  // The page's form ({"local":{"<component>":{"logLevel":..}}}) or the Python gateway's logging
  // dictionary ({"loggers":{"<logger>":{"level":..}}}, its logger names mapped to components).
  std::map<std::string, std::string> levels;
  const auto& components = gateway::log_component_names();
  const auto add = [&](const std::string& component, const nlohmann::json& level) -> bool {
    if (!level.is_string()) return false;
    auto name = level.get<std::string>();
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    static const std::map<std::string, std::string> spdlog_names = {
        {"TRACE", "trace"},       {"DEBUG", "debug"}, {"INFO", "info"},
        {"WARNING", "warn"},      {"WARN", "warn"},   {"ERROR", "err"},
        {"CRITICAL", "critical"}, {"NONE", "off"},    {"NOTSET", "off"}};
    const auto found = spdlog_names.find(name);
    if (found == spdlog_names.end()) return false;
    levels[component] = found->second;
    return true;
  };
  static const std::map<std::string, std::vector<std::string>> python_loggers = {
      {"service", {"gateway", "http"}},
      {"tb_connection", {"mqtt", "uplink"}},
      {"storage", {"storage"}},
      {"connector", {"connector", "dlms"}},
      {"converter", {"dlms"}}};
  if (const auto local = value.find("local"); local != value.end() && local->is_object()) {
    for (const auto& [name, entry] : local->items()) {
      // Ours, or the page's (the Python gateway's logger names).
      std::vector<std::string> targets;
      if (std::find(components.begin(), components.end(), name) != components.end()) {
        targets.push_back(name);
      } else if (const auto mapped = python_loggers.find(name); mapped != python_loggers.end()) {
        targets = mapped->second;
      }
      for (const auto& component : targets) {
        if (!entry.is_object() || !add(component, entry.value("logLevel", nlohmann::json()))) {
          return refuse("logs_configuration",
                        "local." + name +
                            ".logLevel: expected one of TRACE, DEBUG, INFO, WARNING, "
                            "ERROR, CRITICAL, NONE");
        }
      }
    }
  }
  if (const auto loggers = value.find("loggers"); loggers != value.end() && loggers->is_object()) {
    for (const auto& [name, entry] : loggers->items()) {
      const auto mapped = python_loggers.find(name);
      if (mapped == python_loggers.end() || !entry.is_object()) continue;
      for (const auto& component : mapped->second) {
        if (!add(component, entry.value("level", nlohmann::json()))) {
          return refuse("logs_configuration", "loggers." + name +
                                                  ".level: expected one of TRACE, DEBUG, INFO, "
                                                  "WARNING, ERROR, CRITICAL, NONE");
        }
      }
    }
  }
  // Log files: dlmsgw writes its log to stderr, which systemd keeps in the journal; it has no
  // file of its own to place or rotate. Those settings are named as not applied and left out of
  // the echo (so the page does not show them as taken); the levels apply.
  std::vector<std::string> not_applied;
  auto applied = value;
  if (const auto local = value.find("local"); local != value.end() && local->is_object()) {
    for (const auto& [name, entry] : local->items()) {
      if (!entry.is_object()) continue;
      const auto path = entry.value("filePath", nlohmann::json());
      if (!path.is_string() || path.get<std::string>().empty() || path == "journal") continue;
      not_applied.push_back("local." + name + ".filePath \"" + path.get<std::string>() +
                            "\" (and its backupCount, savingTime, savingPeriod)");
      auto& echoed = applied["local"][name];
      echoed["filePath"] = "journal";
      for (const auto* key : {"backupCount", "savingTime", "savingPeriod"}) echoed.erase(key);
    }
  }
  if (const auto handlers = value.find("handlers");
      handlers != value.end() && handlers->is_object()) {
    for (const auto& [name, handler] : handlers->items()) {
      if (!handler.is_object() || !handler.contains("filename")) continue;
      std::string rotation;
      for (const auto* key : {"when", "interval", "backupCount", "maxBytes"}) {
        if (const auto found = handler.find(key); found != handler.end()) {
          rotation += std::string(", ") + key + " " + found->dump();
        }
      }
      not_applied.push_back("handlers." + name + " (file " + handler["filename"].dump() + rotation +
                            ")");
      applied["handlers"].erase(name);
      if (applied.contains("loggers") && applied["loggers"].is_object()) {
        for (auto& [logger_name, logger] : applied["loggers"].items()) {
          (void)logger_name;
          if (!logger.is_object() || !logger.contains("handlers") ||
              !logger["handlers"].is_array()) {
            continue;
          }
          auto& names = logger["handlers"];
          names.erase(std::remove(names.begin(), names.end(), nlohmann::json(name)), names.end());
        }
      }
    }
  }
  for (const auto& [component, level] : levels) {
    const auto old = config_.logging.levels.count(component) != 0
                         ? config_.logging.levels.at(component)
                         : config_.logging.level;
    if (old == level) continue;
    config_.logging.levels[component] = level;
    hooks_.log_level(component, level);
    remote_log()->info("log level of '{}' set to {} from ThingsBoard (until dlmsgw restarts)",
                       component, level);
  }
  echo("logs_configuration", applied);
  if (!not_applied.empty()) {
    std::string list;
    for (const auto& item : not_applied) list += (list.empty() ? "" : "; ") + item;
    const auto why =
        "not applied: " + list +
        ": dlmsgw writes its log to stderr, which systemd keeps in the journal (journalctl -u "
        "dlmsgw); set its size and age there (journald.conf SystemMaxUse=, MaxRetentionSec=). "
        "The log levels were applied";
    remote_log()->warn("logs_configuration from ThingsBoard: {}", why);
    hooks_.publish({{"remoteConfigurationError",
                     {{"key", "logs_configuration"}, {"message", why}, {"ts", unix_ms_now()}}}});
  }
}

void RemoteConfigurator::on_general_configuration(const nlohmann::json& value) {
  if (switching_) {
    // Taken up once the move in progress is over (connected or back on the old settings).
    pending_general_ = value;
    return;
  }
  if (value.dump() == last_general_) return;  // sent again (a reconnect): nothing to do
  last_general_ = value.dump();
  if (!value.is_object()) return refuse("general_configuration", "not a JSON object");
  const auto ts_field = value.find("ts");
  const std::int64_t ts = ts_field != value.end() && ts_field->is_number_integer()
                              ? ts_field->get<std::int64_t>()
                              : unix_ms_now();
  // The push handled last (re-sent after a reconnect or a restart): handled, whatever happened
  // to tb_gateway.yaml since (an operator's edit stands). Only the page's own ts are compared:
  // no clock of the platform against ours.
  if (handled_ts("general_configuration") == ts) {
    remote_log()->info(
        "general_configuration from ThingsBoard (saved at {} ms) was handled already: the "
        "settings of {} stand (and are what the gateway publishes)",
        ts, config_file_.string());
    return;
  }
  auto change = plan_general_configuration(config_, config_file_, value);
  if (!change) {
    // Refused for its content: handled. Not for the disk (tb_gateway.yaml unreadable): a re-send
    // is tried again.
    if (change.error().code != ErrorCode::io_error) record_handled("general_configuration", ts);
    return refuse("general_configuration", change.error().message);
  }
  if (!change->changed()) {
    record_handled("general_configuration", ts);
    echo("general_configuration", general_configuration_attribute(config_, ts));
    return;
  }
  if (!change->connection_changed) {
    return commit_general_configuration(*change, ts, config_, value);
  }
  switching_ = true;
  remote_log()->info(
      "general_configuration from ThingsBoard: moving the connection from {}:{} to {}:{}",
      config_.host, config_.port, change->config.host, change->config.port);
  const auto next = change->config;  // the change itself moves into the callback
  hooks_.switch_connection(next, [this, change = std::move(*change), ts, running = config_,
                                  value](Expected<void> outcome) {
    switching_ = false;
    if (outcome) {
      commit_general_configuration(change, ts, running, value);
    } else {
      // Settings that do not connect: handled (a re-send after a restart does not move the
      // connection again to what did not work).
      record_handled("general_configuration", ts);
      refuse("general_configuration", outcome.error().message);
    }
    if (pending_general_) {
      auto pushed = std::move(*pending_general_);
      pending_general_.reset();
      if (committing_ > 0) {
        waiting_.push_back({{"general_configuration", std::move(pushed)}});
      } else {
        on_general_configuration(pushed);
      }
    }
  });
}

void RemoteConfigurator::commit_general_configuration(const GeneralConfigurationChange& change,
                                                      std::int64_t ts,
                                                      const gateway::GatewayConfig& running,
                                                      const nlohmann::json& pushed) {
  auto backup = std::make_shared<Expected<std::filesystem::path>>(std::filesystem::path());
  auto started_from = std::make_shared<std::string>(change.planned_from);
  commit(
      [backup, started_from, file = config_file_, change, running, pushed] {
        // tb_gateway.yaml as it is now: changed since the plan (an operator's edit, a connector
        // created on the page during the connection move), the change is planned again from it
        // so that nothing in it is overwritten.
        auto now = read_text_file(file);
        if (!now) {
          *backup = Error{ErrorCode::io_error, file.string() + ": cannot be read"};
          return;
        }
        if (*now == change.planned_from) {
          *backup = write_general_configuration(file, change);
          return;
        }
        auto again = plan_general_configuration(running, file, pushed);
        if (!again) {
          *backup = Error{again.error().code, file.string() +
                                                  " changed while the change was being made and "
                                                  "it does not take it any more (nothing "
                                                  "written): " +
                                                  again.error().message};
          return;
        }
        const auto& a = again->config;
        const auto& b = change.config;
        if (a.host != b.host || a.port != b.port ||
            a.security.access_token != b.security.access_token ||
            a.security.username != b.security.username ||
            a.security.password != b.security.password ||
            a.security.client_id != b.security.client_id || a.security.type != b.security.type) {
          *backup = Error{ErrorCode::invalid_argument,
                          file.string() +
                              " changed while the change was being made, in its connection "
                              "settings: not overwritten; save general_configuration again"};
          return;
        }
        *started_from = again->planned_from;
        *backup = write_general_configuration(file, *again);
      },
      [this, backup, started_from, change, ts](const std::optional<std::string>& thrown) {
        if (thrown) *backup = Error{ErrorCode::io_error, *thrown};
        take_general_configuration(change, ts, *backup, *started_from);
      });
}

void RemoteConfigurator::take_general_configuration(const GeneralConfigurationChange& change,
                                                    std::int64_t ts,
                                                    const Expected<std::filesystem::path>& backup,
                                                    const std::string& started_from) {
  if (!backup) {
    const auto why =
        "connected, but " + config_file_.string() + " cannot be written: " + backup.error().message;
    if (change.connection_changed) {
      // Running on settings a restart would forget: back to those of the file.
      hooks_.switch_connection(config_, [](Expected<void>) {});
    }
    return refuse("general_configuration", why);
  }
  // Written: handled (never on a failed write: a re-send is tried again).
  record_handled("general_configuration", ts);
  if (hooks_.written) hooks_.written(config_file_, started_from);
  const auto& next = change.config;
  config_.host = next.host;
  config_.port = next.port;
  config_.security = next.security;
  config_.remote_configuration = next.remote_configuration;
  config_.qos = next.qos;
  config_.max_payload_size_bytes = next.max_payload_size_bytes;
  config_.statistics = next.statistics;
  config_.statistics_period = next.statistics_period;
  config_.rate_limits = next.rate_limits;
  config_.dp_rate_limits = next.dp_rate_limits;
  config_.messages_rate_limits = next.messages_rate_limits;
  config_.device_rate_limits = next.device_rate_limits;
  config_.device_dp_rate_limits = next.device_dp_rate_limits;
  config_.device_messages_rate_limits = next.device_messages_rate_limits;
  remote_log()->info(
      "general_configuration from ThingsBoard applied{}: {} rewritten (the previous one is {})",
      change.connection_changed
          ? ", connected to " + config_.host + ":" + std::to_string(config_.port)
          : std::string(),
      config_file_.string(), backup->string());
  if (!change.restart_keys.empty()) {
    std::string keys;
    for (const auto& key : change.restart_keys) keys += (keys.empty() ? "" : ", ") + key;
    remote_log()->warn(
        "general_configuration from ThingsBoard: {} written to {}; dlmsgw reads them at start: "
        "they take effect when it restarts",
        keys, config_file_.string());
    hooks_.publish(
        {{"remoteConfigurationRestartRequired",
          {{"key", "general_configuration"}, {"settings", change.restart_keys}, {"ts", ts}}}});
  }
  echo("general_configuration", general_configuration_attribute(config_, ts));
}

void RemoteConfigurator::on_storage_configuration(const nlohmann::json& value) {
  if (value.dump() == last_storage_) return;  // sent again (a reconnect): nothing to do
  last_storage_ = value.dump();
  if (!value.is_object()) return refuse("storage_configuration", "not a JSON object");
  const auto ts_field = value.find("ts");
  const std::int64_t ts = ts_field != value.end() && ts_field->is_number_integer()
                              ? ts_field->get<std::int64_t>()
                              : unix_ms_now();
  auto running = gateway::gateway_client_attributes(config_, "", ts)["storage_configuration"];
  std::string changed;
  for (const auto& [key, pushed] : value.items()) {
    if (key == "ts") continue;
    const auto now = running.find(key);
    // Keys the running storage does not have (a sqlite path for memory storage) count only
    // when they say something.
    const bool differs = now != running.end() ? *now != pushed : !pushed.is_null();
    if (differs) changed += (changed.empty() ? "" : ", ") + key;
  }
  if (changed.empty()) {
    // The settings running now (the page saving the form unchanged, or a reconnect): the storage
    // is not touched, let alone recreated.
    echo("storage_configuration", running);
    return;
  }
  refuse("storage_configuration",
         "not applied (" + changed +
             " changed): dlmsgw does not switch its storage while running, so that no stored "
             "reading is left behind in the old one. Edit the storage section of " +
             (config_file_.empty() ? std::string("tb_gateway.yaml") : config_file_.string()) +
             " and restart dlmsgw (for a new type or data_file_path, once GET /metrics shows "
             "dlmsgw_uplink_queue_records 0)");
}

void RemoteConfigurator::on_remote_logging(const nlohmann::json& value) {
  if (!value.is_string()) {
    remote_log()->warn("RemoteLoggingLevel from ThingsBoard is not a string: ignored");
    return;
  }
  const auto level = value.get<std::string>();
  hooks_.remote_logging(level);
  echo("RemoteLoggingLevel", level);
}

void RemoteConfigurator::echo(const std::string& key, const nlohmann::json& value) {
  const auto last = echoed_.find(key);
  if (last != echoed_.end() && last->second == value) return;
  echoed_[key] = value;
  hooks_.publish({{key, value}});
}

void RemoteConfigurator::keep_echoes(nlohmann::json& attributes) const {
  for (auto& [key, value] : attributes.items()) {
    const auto last = echoed_.find(key);
    if (last == echoed_.end() || !last->second.is_object() || !value.is_object()) continue;
    if (last->second.value("configurationJson", nlohmann::json()) ==
        value.value("configurationJson", nlohmann::json())) {
      value = last->second;
    }
  }
}

void RemoteConfigurator::refuse(const std::string& key, const std::string& why) {
  remote_log()->error("remote configuration of '{}' refused, the running configuration is kept: {}",
                      key, why);
  hooks_.publish(
      {{"remoteConfigurationError", {{"key", key}, {"message", why}, {"ts", unix_ms_now()}}}});
}

Expected<std::filesystem::path> RemoteConfigurator::file_for(const std::string& name,
                                                             const nlohmann::json& value) {
  for (const auto& entry : config_.connectors) {
    if (entry.name == name) return entry.configuration;
  }
  std::string file = file_name_for(name);
  if (const auto given = value.find("configuration");
      given != value.end() && given->is_string() && !given->get<std::string>().empty()) {
    file = given->get<std::string>();
    if (!plain_json_file_name(file)) {
      return make_error(ErrorCode::invalid_argument,
                        "\"configuration\": \"" + file +
                            "\" is not a plain file name ending in .json (the file is created "
                            "next to tb_gateway.yaml)");
    }
  }
  const auto path = config_.directory / file;
  for (const auto& entry : config_.connectors) {
    std::error_code ec1;
    std::error_code ec2;
    if (std::filesystem::weakly_canonical(entry.configuration, ec1) ==
            std::filesystem::weakly_canonical(path, ec2) &&
        !ec1 && !ec2) {
      return make_error(
          ErrorCode::invalid_argument,
          "\"configuration\": \"" + file + "\" is the file of connector '" + entry.name + "'");
    }
  }
  return path;
}

void RemoteConfigurator::on_connector(const std::string& name, const nlohmann::json& value) {
  if (!config_.remote_configuration) {
    remote_log()->info(
        "connector '{}' from ThingsBoard ignored: thingsboard.remoteConfiguration is false in "
        "tb_gateway.yaml",
        name);
    return;
  }
  const auto& content = value["configurationJson"];
  if (!content.is_object()) return refuse(name, "\"configurationJson\" is not a JSON object");
  auto path = file_for(name, value);
  if (!path) return refuse(name, path.error().message);
  auto existing = std::find_if(config_.connectors.begin(), config_.connectors.end(),
                               [&](const auto& entry) { return entry.name == name; });
  const auto given_type = value.find("type");
  std::string type =
      given_type != value.end() && given_type->is_string() ? given_type->get<std::string>() : "";
  if (type.empty()) type = existing != config_.connectors.end() ? existing->type : "dlms";

  auto applied = value;
  applied["configuration"] = path->filename().string();
  if (!applied.contains("ts")) applied["ts"] = unix_ms_now();
  const bool unchanged = existing != config_.connectors.end() && existing->type == type &&
                         read_json_file(*path) == content;
  if (unchanged) {
    // The same configuration again (a platform re-sending it on reconnect): nothing restarts.
    remote_log()->debug("connector '{}' from ThingsBoard: same as its file, nothing to do", name);
    apply_connector_logging(name, value);
    if (inactive_.count(name) == 0) {
      echo(name, applied);
      return;
    }
    inactive_.erase(name);
    echoed_[name] = applied;
    if (auto reloaded = hooks_.reload(); !reloaded) return refuse(name, reloaded.error().message);
    return;
  }
  // The push handled last for this connector, sent again (a reconnect, a restart) while its file
  // was edited locally since: the edit stands (the page sees it in the connector's attribute).
  const auto ts_field = value.find("ts");
  if (ts_field != value.end() && ts_field->is_number_integer()) {
    const auto ts = ts_field->get<std::int64_t>();
    if (handled_ts(name) == ts) {
      remote_log()->info(
          "connector '{}' from ThingsBoard (saved at {} ms) was handled already: {}, edited "
          "since, stands",
          name, ts, path->string());
      return;
    }
  }
  const std::optional<std::int64_t> push_ts =
      ts_field != value.end() && ts_field->is_number_integer()
          ? std::optional<std::int64_t>(ts_field->get<std::int64_t>())
          : std::nullopt;
  // Checked where it will live, under a name nothing reads, by the reader `dlmsgw run` uses
  // (not synced yet: that is for the commit, off the loop).
  const auto candidate = path->parent_path() / ("." + path->filename().string() + ".check");
  ::unlink(candidate.c_str());
  if (auto written = write_new_private_file(candidate, content.dump(2) + "\n", false); !written) {
    return refuse(name, written.error().message);
  }
  auto checked = hooks_.check(gateway::ConnectorConfig{name, type, candidate});
  if (!checked) {
    ::unlink(candidate.c_str());
    auto why = checked.error().message;
    for (auto at = why.find(candidate.string()); at != std::string::npos;
         at = why.find(candidate.string())) {
      why.replace(at, candidate.string().size(), path->string());
    }
    if (push_ts) record_handled(name, *push_ts);  // refused for its content: handled
    return refuse(name, why);
  }
  // A connector created here is added to tb_gateway.yaml, so that it runs after a restart.
  const bool created = existing == config_.connectors.end();
  std::optional<std::string> gateway_file_text;
  std::string planned_from;  // tb_gateway.yaml as the entry was added to it
  if (created && config_file_.extension() == ".json") {
    remote_log()->warn(
        "connector '{}' is not added to {}: dlmsgw rewrites only a YAML tb_gateway.yaml (rename "
        "it: JSON is YAML); list the connector there for it to run after a restart",
        name, config_file_.string());
  } else if (created && !config_file_.empty()) {
    planned_from = read_text_file(config_file_).value_or("");
    auto text = gateway_file_with_connector(config_file_, planned_from, {name, type, *path});
    if (!text) {
      ::unlink(candidate.c_str());
      return refuse(name, "cannot be added to the connectors of " + config_file_.string() + ": " +
                              text.error().message);
    }
    gateway_file_text = std::move(*text);
  }
  struct Outcome {
    std::optional<Error> error;               // nothing written
    std::optional<Error> gateway_file_error;  // the connector file written, tb_gateway.yaml not
    std::string backup;
    std::string gateway_backup;
    std::string gateway_started_from;  // the text of tb_gateway.yaml the written one came from
  };
  auto outcome = std::make_shared<Outcome>();
  auto work = [outcome, candidate, file = *path, config_file = config_file_,
               gateway_file_text = std::move(gateway_file_text),
               entry = gateway::ConnectorConfig{name, type, *path},
               planned_from = std::move(planned_from)]() mutable {
    const auto fail = [&](Error error) {
      ::unlink(candidate.c_str());
      outcome->error = std::move(error);
    };
    if (auto synced = sync_file(candidate); !synced) return fail(synced.error());
    std::error_code ec;
    const bool exists = std::filesystem::exists(file, ec);
    if (ec) return fail({ErrorCode::io_error, file.string() + ": " + ec.message()});
    if (exists) {
      auto backup = back_up_file(file);
      if (!backup)
        return fail({ErrorCode::io_error, "no backup of the old file: " + backup.error().message});
      outcome->backup = backup->string();
    }
    if (gateway_file_text) {
      // tb_gateway.yaml changed since the plan (an operator's edit, a general_configuration
      // written): the connector is added to it as it is now, nothing in it overwritten.
      auto now = read_text_file(config_file);
      if (!now) return fail({ErrorCode::io_error, config_file.string() + ": cannot be read"});
      if (*now != planned_from) {
        auto again = gateway_file_with_connector(config_file, *now, entry);
        if (!again) {
          return fail({ErrorCode::invalid_argument,
                       config_file.string() +
                           " changed meanwhile and the connector cannot be added to it "
                           "(nothing written): " +
                           again.error().message});
        }
        gateway_file_text = std::move(*again);
      }
      outcome->gateway_started_from = *now;
      auto backup = back_up_file(config_file);
      if (!backup) {
        return fail({ErrorCode::io_error,
                     "no backup of " + config_file.string() + ": " + backup.error().message});
      }
      outcome->gateway_backup = backup->string();
    }
    if (::rename(candidate.c_str(), file.c_str()) != 0) {
      return fail(file_error(file, "cannot be replaced"));
    }
    sync_directory(file.parent_path());
    if (gateway_file_text) {
      if (auto written = write_private_file_atomically(config_file, *gateway_file_text); !written) {
        outcome->gateway_file_error =
            Error{ErrorCode::io_error,
                  "written to " + file.string() + ", but not added to " + config_file.string() +
                      " (it will not run after a restart): " + written.error().message};
      }
    }
  };
  auto then = [this, outcome, name, type, file = *path, value, applied, created, candidate,
               push_ts](const std::optional<std::string>& thrown) {
    if (thrown) {
      ::unlink(candidate.c_str());
      return refuse(name, "not written: " + *thrown);
    }
    // A failed write is not recorded: the same push re-sent is tried again.
    if (outcome->error) return refuse(name, outcome->error->message);
    if (push_ts) record_handled(name, *push_ts);
    if (!outcome->backup.empty()) {
      remote_log()->info("connector '{}': previous file kept as {}", name, outcome->backup);
    }
    if (hooks_.written) hooks_.written(file, std::nullopt);
    auto entry = std::find_if(config_.connectors.begin(), config_.connectors.end(),
                              [&](const auto& e) { return e.name == name; });
    if (entry == config_.connectors.end()) {
      config_.connectors.push_back({name, type, file});
      created_.insert(name);
    } else {
      entry->type = type;
    }
    remote_log()->info("connector '{}': new configuration from ThingsBoard written to {}", name,
                       file.string());
    if (outcome->gateway_file_error) {
      refuse(name, outcome->gateway_file_error->message);
    } else if (created && !outcome->gateway_backup.empty()) {
      if (hooks_.written) hooks_.written(config_file_, outcome->gateway_started_from);
      remote_log()->info("connector '{}' added to the connectors of {} (the previous one is {})",
                         name, config_file_.string(), outcome->gateway_backup);
    }
    apply_connector_logging(name, value);
    inactive_.erase(name);
    // Recorded first: the reload publishes the connectors' attributes through keep_echoes.
    echoed_[name] = applied;
    if (auto reloaded = hooks_.reload(); !reloaded) return refuse(name, reloaded.error().message);
  };
  commit(std::move(work), std::move(then));
}

void RemoteConfigurator::apply_connector_logging(const std::string& name,
                                                 const nlohmann::json& value) {
  const auto enabled = value.find("enableRemoteLogging");
  const auto level = value.find("logLevel");
  if (enabled == value.end() && level == value.end()) return;
  if (!hooks_.connector_logging) return;
  hooks_.connector_logging(
      name, enabled == value.end() || !enabled->is_boolean() || enabled->get<bool>(),
      level != value.end() && level->is_string() ? level->get<std::string>() : std::string("INFO"));
}

void RemoteConfigurator::on_active_connectors(const nlohmann::json& value) {
  if (!config_.remote_configuration) {
    remote_log()->debug(
        "active_connectors from ThingsBoard ignored: thingsboard.remoteConfiguration is false");
    return;
  }
  if (!value.is_array() ||
      !std::all_of(value.begin(), value.end(), [](const auto& v) { return v.is_string(); })) {
    return refuse("active_connectors", "not a list of connector names");
  }
  std::set<std::string> listed;
  for (const auto& name : value) listed.insert(name.get<std::string>());
  std::set<std::string> inactive;
  for (const auto& entry : config_.connectors) {
    if (listed.count(entry.name) == 0) inactive.insert(entry.name);
  }
  std::vector<std::string> missing;
  for (const auto& name : listed) {
    const bool known = std::any_of(config_.connectors.begin(), config_.connectors.end(),
                                   [&](const auto& entry) { return entry.name == name; });
    if (!known) missing.push_back(name);
  }
  if (inactive != inactive_) {
    for (const auto& name : inactive) {
      if (inactive_.count(name) == 0) {
        remote_log()->info("connector '{}' stopped: not in active_connectors on ThingsBoard", name);
      }
    }
    inactive_ = std::move(inactive);
    if (auto reloaded = hooks_.reload(); !reloaded) {
      return refuse("active_connectors", reloaded.error().message);
    }
  }
  echo("active_connectors", value);
  // Connectors created on the page: their configuration is their own shared attribute.
  if (!missing.empty()) hooks_.request(missing);
}

}  // namespace dlmsgw::app
