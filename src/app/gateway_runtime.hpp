#pragma once
// GatewayRuntime: the running gateway of `dlmsgw run`, assembled from a loaded tb_gateway.yaml.
// It owns the event loop, storage (StorageService, on its own thread), the GatewayService and the
// connectors, and turns signals into the lifecycle:
//
//   SIGTERM, SIGINT  stop the connectors (they release their associations), stop the gateway (MQTT
//                    DISCONNECT), flush storage, exit 0. A second one while stopping exits at once.
//   SIGHUP           read the connector files again; if they all parse, replace the connectors
//                    (stored data is kept; removed meters get v1/gateway/disconnect); if one does
//                    not, log why and keep the running ones. tb_gateway.yaml is not read again.
//   local edits      tb_gateway.yaml and the connector files are watched (ConfigWatch): a content
//                    that differs from what runs is checked and applied as SIGHUP does (for
//                    tb_gateway.yaml: its connectors list, logging and remoteConfiguration; the
//                    rest waits for a restart, as the log says), or refused with the reader's
//                    message (logged, remoteConfigurationError) keeping the running one; the
//                    page's attributes are published again. Our own writes change no content
//                    we do not already run, so they reload nothing twice.
//   ThingsBoard      connector changes from the Gateways page (RemoteConfigurator) reload the
//                    same way; RemoteLoggingLevel sends log lines as telemetry (RemoteLogSink);
//                    general_configuration moves the connection, with a fallback.
//   gateway_restart  (RPC from ThingsBoard) the same clean stop, then exit 75 for the service
//                    manager to restart us.
//
// With health.enabled it also serves GET /health, GET /metrics and POST /trace over HTTP (see
// docs/operations.md); the endpoint failing to bind is logged and the gateway runs without it.

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/thread_pool.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/config_watch.hpp"
#include "app/gateway_health.hpp"
#include "app/gateway_metrics.hpp"
#include "app/remote_configurator.hpp"
#include "app/remote_log_sink.hpp"
#include "app/service_watchdog.hpp"
#include "connectors/dlms/dlms_connector.hpp"
#include "gateway/config/gateway_config.hpp"
#include "gateway/gateway_service.hpp"
#include "gateway/storage/storage_service.hpp"
#include "observability/health_state.hpp"
#include "observability/http_endpoint.hpp"
#include "observability/metrics_registry.hpp"

namespace dlmsgw::app {

// `dlmsgw run` exit statuses (also in its --help).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // runtime failure (storage cannot be opened, ...)
inline constexpr int kExitConfig = 2;   // configuration error: the message says which file and key
inline constexpr int kExitRestart = gateway::kRestartExitCode;  // 75: gateway_restart

class GatewayRuntime {
 public:
  struct Startup {
    std::unique_ptr<GatewayRuntime> runtime;  // null on failure
    int exit_code = kExitOk;                  // kExitConfig or kExitFailure on failure
    std::string error;
  };
  // A connector file as it runs: its size and hash (see watched_file_digest).
  struct FileDigest {
    std::size_t size = 0;
    std::size_t hash = 0;
    bool operator==(const FileDigest&) const = default;
  };

  // Opens storage, builds the gateway and every connector. Nothing is started yet. `config_file`:
  // the tb_gateway.yaml `config` came from, which ThingsBoard's general_configuration rewrites.
  static Startup create(gateway::GatewayConfig config, std::string version,
                        std::filesystem::path config_file = {});
  ~GatewayRuntime();
  GatewayRuntime(const GatewayRuntime&) = delete;
  GatewayRuntime& operator=(const GatewayRuntime&) = delete;

  // Starts everything and runs the loop until a stop; returns the process exit status.
  int run();

 private:
  GatewayRuntime(gateway::GatewayConfig config, std::string version);
  void wait_for_signal();
  void reload();
  // The SIGHUP path: builds the running connector entries and replaces the connectors.
  Expected<void> reload_connectors();
  void set_remote_logging(const std::string& level);
  // A watched file changed (debounced): what differs from what runs is applied or refused.
  void on_local_edit();
  // Takes what applies at once of an edited tb_gateway.yaml; true when its connectors changed.
  bool take_gateway_file(const gateway::GatewayConfig& edited);
  void refuse_local_edit(const std::string& key, const std::string& why);
  // The contents that run now, and the files to watch.
  void remember_files();
  // A file the gateway wrote itself (remote configuration): its content is what runs; for
  // tb_gateway.yaml only if the write `started_from` what runs, else (an operator's edit not
  // taken yet is in it) the file is judged as a local edit.
  void remember_written(const std::filesystem::path& file,
                        const std::optional<std::string>& started_from);
  // general_configuration from ThingsBoard: the connection moves to `next`'s settings; back to
  // the running ones when it is not up within connection_fallback_ or the server refuses them.
  void switch_connection(const gateway::GatewayConfig& next,
                         std::function<void(Expected<void>)> done);
  void start_switch(const gateway::MqttOptions& fresh, std::function<void(Expected<void>)> done);
  void watch_connection_switch();
  void send_remote_logs();
  [[nodiscard]] std::string remote_log_key(const RemoteLogLine& line) const;
  // What the remote logs mask: the secrets of tb_gateway.yaml and of these connector files.
  void collect_secrets(const std::vector<gateway::ConnectorConfig>& connectors);
  void begin_shutdown(int exit_code, const std::string& reason);
  void start_health_endpoint();
  [[nodiscard]] std::vector<connectors::dlms::MeterSnapshot> meter_snapshots() const;
  // The running DLMS connectors (owned by gateway_; a reload may replace them): metrics, trace.
  [[nodiscard]] std::vector<connectors::dlms::DlmsConnector*> dlms_connectors() const;

  asio::io_context io_{1};
  // Remote configuration commits (files with fsync): one thread, so in the order they came, and
  // the loop never waits on a disk. Joined before the rest goes.
  asio::thread_pool commit_pool_{1};
  gateway::GatewayConfig config_;
  std::string version_;
  std::shared_ptr<client::InvocationCounterStore> counters_;       // kept across reloads
  std::shared_ptr<connectors::dlms::ProfileCursorStore> cursors_;  // kept across reloads
  std::unique_ptr<gateway::StorageService> storage_;
  // With storage in memory: what the profile cursors ask before each write (StorageService::
  // when_left), closed before storage goes.
  struct StorageGate;
  std::shared_ptr<StorageGate> storage_gate_;
  std::unique_ptr<gateway::GatewayService> gateway_;
  // Observability: the endpoint goes first in the destructor (it reads all the rest).
  observability::MetricsRegistry registry_;
  observability::HealthState health_;
  GatewayHealth health_checks_{config_.storage};
  std::unique_ptr<GatewayMetrics> metrics_;
  std::unique_ptr<observability::HttpEndpoint> endpoint_;
  asio::signal_set signals_{io_};
  std::shared_ptr<RemoteLogSink> remote_logs_ = std::make_shared<RemoteLogSink>();
  asio::steady_timer remote_log_timer_{io_};
  std::vector<std::string> secrets_;  // masked in remote log lines
  // Connectors whose remote logs the page set: from which level (nullopt: none). Others: all.
  std::map<std::string, std::optional<spdlog::level::level_enum>> connector_remote_levels_;
  std::unique_ptr<RemoteConfigurator> remote_;
  std::unique_ptr<ConfigWatch> watch_;  // null: no inotify (local edits need SIGHUP)
  std::string yaml_text_;               // tb_gateway.yaml as last taken (or refused)
  std::map<std::filesystem::path, FileDigest> file_texts_;  // connector files as they run
  std::filesystem::path config_file_;
  // How long new settings from ThingsBoard get to connect before the old ones come back
  // (DLMSGW_CONNECTION_FALLBACK_SECONDS overrides it).
  std::chrono::seconds connection_fallback_{60};
  struct ConnectionSwitch {
    gateway::MqttOptions old;
    std::chrono::steady_clock::time_point deadline;
    std::size_t attempts_before = 0;
    std::function<void(Expected<void>)> done;
  };
  std::optional<ConnectionSwitch> switch_;
  asio::steady_timer switch_timer_{io_};
  bool stopping_ = false;
  int exit_code_ = kExitOk;
  // How long the loop keeps running after stop() for connectors to release their associations
  // and for the DISCONNECT to be written; it ends sooner when nothing is left to do.
  std::chrono::seconds shutdown_grace_{5};
  ServiceWatchdog watchdog_{io_};  // last: its ticks stop before anything else goes
};

}  // namespace dlmsgw::app
