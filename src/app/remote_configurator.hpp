#pragma once
// RemoteConfigurator: what ThingsBoard's Gateways page changes through the gateway's own shared
// attributes (the protocol of the ThingsBoard IoT Gateway's remote configurator), applied to the
// running `dlmsgw run`:
//
//   <connector name>   {name, type, configuration, configurationJson, ts, ...}: the connector's
//                      file. Checked by the same reader as at start (refused with its message, the
//                      running connectors untouched); written atomically (mode 0600: it may hold
//                      passwords and keys) after a backup of the old one in backup/; then the
//                      connectors reloaded as SIGHUP reloads them. Content equal to the file
//                      writes and restarts nothing (a platform re-sending on reconnect).
//                      Its enableRemoteLogging and logLevel say whether and from which level
//                      its log lines go out as <name>_LOGS (while RemoteLoggingLevel is on).
//   active_connectors  names: connectors not listed stop, listed ones we lack are asked for.
//   RemoteLoggingLevel where remote logs start (NONE: off); applied with remoteConfiguration off
//                      too, as in the Python gateway.
//   {"deleted": [..]}  RemoteLoggingLevel deleted turns remote logs off; other keys: nothing.
//
// Every applied change is echoed as the client attribute of the same key with the pushed "ts", so
// that the page shows it in sync. With thingsboard.remoteConfiguration false, only
// RemoteLoggingLevel is applied. logs_configuration sets the components' log levels (in memory:
// tb_gateway.yaml is not rewritten; the page's value is applied again after every connect).
//
//   general_configuration  the thingsboard section (general_configuration.hpp says what is taken).
//                      A push whose ts is the one last handled (kept in
//                      remote-configuration-state.json: the platform re-sending it after a
//                      reconnect or a restart) changes nothing: tb_gateway.yaml, maybe edited
//                      since, stands. No clock is compared. New host, port or credentials: the
//                      connection moves to them (switch_connection); only once connected there are
//                      they written to tb_gateway.yaml (old file in backup/, secrets in files) and
//                      echoed. Not connected within the bound, or refused: back on the old
//                      settings, and remoteConfigurationError says why. Settings read only at start
//                      (qos, statistics, rate limits) are written and listed in
//                      remoteConfigurationRestartRequired.
//   storage_configuration  the settings running now: echoed, the storage untouched (never
//                      recreated for a re-sent or unchanged form). Changed: refused, saying
//                      that tb_gateway.yaml and a restart change storage (nothing stored may be
//                      left behind in an old database while running).

#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "app/general_configuration.hpp"
#include "core/expected.hpp"
#include "gateway/config/gateway_config.hpp"

namespace dlmsgw::app {

class RemoteConfigurator {
 public:
  struct Hooks {
    // Builds (and drops) a connector from an entry: the validator of a pushed file.
    std::function<Expected<void>(const gateway::ConnectorConfig& entry)> check;
    // Reloads the running connectors from running_entries() (the SIGHUP path).
    std::function<Expected<void>()> reload;
    // Publishes client attributes (and keeps them for reconnects).
    std::function<void(const nlohmann::json& attributes)> publish;
    // Asks the platform for shared attributes of the gateway.
    std::function<void(const std::vector<std::string>& keys)> request;
    // Sets one component's local log level (spdlog name).
    std::function<void(const std::string& component, const std::string& level)> log_level;
    // The remote log level ("NONE" for off).
    std::function<void(const std::string& level)> remote_logging;
    // A connector's remote logs as the page sets them (enableRemoteLogging, logLevel).
    std::function<void(const std::string& connector, bool enabled, const std::string& level)>
        connector_logging;
    // Moves the connection to `next`'s host, port and credentials; `done` once connected, or with
    // why not once the old ones are back.
    std::function<void(const gateway::GatewayConfig& next,
                       std::function<void(Expected<void> outcome)> done)>
        switch_connection;
    // A file it wrote (connector file, tb_gateway.yaml): the file watch takes its content as
    // what runs, so that the gateway's own write reloads nothing a second time; for
    // tb_gateway.yaml only when `started_from` (the text the write was made from) is what runs,
    // else the file is judged as a local edit (an operator's edit not taken yet is in it).
    // May be empty.
    std::function<void(const std::filesystem::path& file,
                       const std::optional<std::string>& started_from)>
        written;
    // Runs `work` off the event loop (file writes with fsync), one at a time in the order given,
    // then `then` on the loop, always: with what `work` threw (an exception's message), if it
    // threw. Empty: both at once, in place.
    std::function<void(std::function<void()> work,
                       std::function<void(std::optional<std::string> thrown)> then)>
        off_loop;
  };

  // `config` is the runtime's: pushed connectors are added to its connectors list. `config_file`:
  // the tb_gateway.yaml it was read from (empty: general_configuration is refused).
  RemoteConfigurator(gateway::GatewayConfig& config, Hooks hooks,
                     std::filesystem::path config_file = {});

  // The shared attributes asked for after every (re)connect.
  static const std::vector<std::string>& requested_keys();

  // An answer to the request or a push: a flat object of shared attributes. While a change is
  // being written, what comes waits and is taken in order once it is written.
  void on_shared_attributes(const nlohmann::json& shared);

  // Replaces, in client attributes about to be published, a connector whose file is still what
  // was last pushed by that push's echo (its ts), so that a reload does not show it out of sync.
  void keep_echoes(nlohmann::json& attributes) const;

  // A change is being written (off the loop): local edits wait until it is done.
  [[nodiscard]] bool committing() const { return committing_ > 0; }

  // Connectors created from the page while running: a local edit of tb_gateway.yaml that does not
  // list them keeps them (GatewayRuntime::take_gateway_file).
  [[nodiscard]] const std::set<std::string>& created() const { return created_; }

  // The connector entries that run: all configured ones but those active_connectors left out.
  [[nodiscard]] std::vector<gateway::ConnectorConfig> running_entries() const;

 private:
  void on_attribute(const std::string& key, const nlohmann::json& value);
  void on_connector(const std::string& name, const nlohmann::json& value);
  // Runs `work` off the loop and `then` on it (with what `work` threw, if it threw); pushes wait
  // meanwhile.
  void commit(std::function<void()> work,
              std::function<void(const std::optional<std::string>& thrown)> then);
  // Remembers (in the state file) the ts of the push of `key` last handled.
  void record_handled(const std::string& key, std::int64_t ts);
  [[nodiscard]] std::optional<std::int64_t> handled_ts(const std::string& key) const;
  void apply_connector_logging(const std::string& name, const nlohmann::json& value);
  void on_active_connectors(const nlohmann::json& value);
  void on_remote_logging(const nlohmann::json& value);
  void on_logs_configuration(const nlohmann::json& value);
  void on_general_configuration(const nlohmann::json& value);
  void on_storage_configuration(const nlohmann::json& value);
  // Writes a change that holds (connected, or nothing to connect), takes it and echoes it.
  // `running` and `pushed`: what it was planned from, to plan it again from tb_gateway.yaml as it
  // is at write time when the file changed since.
  void commit_general_configuration(const GeneralConfigurationChange& change, std::int64_t ts,
                                    const gateway::GatewayConfig& running,
                                    const nlohmann::json& pushed);
  // On the loop once written: takes the change and echoes it (or refuses it). `started_from`:
  // the text of tb_gateway.yaml the written one was made from.
  void take_general_configuration(const GeneralConfigurationChange& change, std::int64_t ts,
                                  const Expected<std::filesystem::path>& backup,
                                  const std::string& started_from);
  void refuse(const std::string& key, const std::string& why);
  // Publishes `value` as the client attribute `key` unless it is what was last published there.
  void echo(const std::string& key, const nlohmann::json& value);
  Expected<std::filesystem::path> file_for(const std::string& name, const nlohmann::json& value);

  gateway::GatewayConfig& config_;
  Hooks hooks_;
  std::set<std::string> inactive_;
  std::set<std::string> created_;  // connectors created from the page since start
  std::map<std::string, std::string> not_applied_;
  std::map<std::string, nlohmann::json> echoed_;  // key -> content last logged about
  std::filesystem::path config_file_;
  std::string last_general_;            // the last general_configuration handled (content and ts)
  std::string last_storage_;            // the last storage_configuration handled
  std::string last_logs_;               // the last logs_configuration handled
  bool switching_ = false;              // a connection move in progress
  int committing_ = 0;                  // commits being written
  std::deque<nlohmann::json> waiting_;  // pushes that came while committing
  // remote-configuration-state.json next to tb_gateway.yaml: the ts of the last push handled of
  // general_configuration and of each connector, so that the same push after a reconnect or a
  // restart changes nothing (the file, maybe edited since, stands) without comparing clocks.
  std::filesystem::path state_file_;
  nlohmann::json handled_ = nlohmann::json::object();  // key -> ts
  std::optional<nlohmann::json> pending_general_;      // pushed meanwhile
};

// Files are written off the loop (Hooks::off_loop), in the order the changes came. A connector
// created from the page is added to tb_gateway.yaml's connectors list (backup first), so that it
// runs after a restart without the platform.

// Writes `text` to `path` atomically (a temporary file in the same directory, fsync, rename),
// readable and writable by the owner only.
Expected<void> write_private_file_atomically(const std::filesystem::path& path,
                                             std::string_view text);

// Copies `file` into `directory`/backup as "<stem>.backup.<unix ms><its extension>" (mode 0600),
// keeping the newest `keep` backups of that file.
Expected<std::filesystem::path> back_up_file(const std::filesystem::path& file,
                                             std::size_t keep = 10);

}  // namespace dlmsgw::app
