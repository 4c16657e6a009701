#pragma once
// GatewayService: the gateway core assembled. It owns the MQTT connection, the uplink, the device
// registry, the RPC router and the connectors, and gives each connector a GatewaySink that stores
// what it submits before anything is sent. Storage (StorageService) is owned by the caller so that
// it outlives the service and is stopped last.
//
// On every (re)connect: subscribe (MqttClient re-subscribes), announce every registered device
// (v1/gateway/connect; the first time, its client attributes connectorType and connectorName),
// publish the gateway's client attributes (GatewayOptions::client_attributes; on the first
// connect also totalMemory, totalDisk, cpuCount), ask getSessionLimits, then resume the uplink.
// Then it asks for the gateway's own shared attributes (GatewayOptions::shared_keys) on
// v1/devices/me/attributes/request/<n>; the answer's "shared" object and every later push on
// v1/devices/me/attributes (including {"deleted":[..]}) go to on_shared_attributes. A push that
// is one of our own client-attribute messages of the last seconds, echoed by a plain broker,
// is not one.
// Statistics go out every statistics period as the gateway device's telemetry
// (v1/devices/me/telemetry).
//
// Gateway RPC methods, answered as the ThingsBoard IoT Gateway answers them (the platform's
// gateway widgets read these shapes): gateway_ping {"code":200,"resp":"pong"}, gateway_devices
// {"code":200,"resp":{device: connector}}, gateway_version
// {"code":200,"resp":{"current_version"..}}, gateway_stats (the statistics telemetry),
// gateway_restart (replies {"success":true}, then calls on_shutdown(kRestartExitCode) so that the
// application exits cleanly with the code its service manager restarts on) and gateway_reboot
// (on_reboot; refused when unset).

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gateway/connector.hpp"
#include "gateway/device_registry.hpp"
#include "gateway/direct_device_uplink.hpp"
#include "gateway/log_throttle.hpp"
#include "gateway/loss_report.hpp"
#include "gateway/platform_statistics.hpp"
#include "gateway/rpc_router.hpp"
#include "gateway/storage/record.hpp"
#include "gateway/storage/storage_service.hpp"
#include "gateway/uplink/gateway_outgoing.hpp"
#include "gateway/uplink/mqtt_client.hpp"
#include "gateway/uplink_service.hpp"

namespace dlmsgw::gateway {

// Exit status asking the service manager for a restart (systemd: RestartForceExitStatus=75).
inline constexpr int kRestartExitCode = 75;

struct GatewayOptions {
  MqttOptions mqtt;
  UplinkOptions uplink;
  std::filesystem::path registry_file;  // empty: in memory only
  bool statistics = true;
  std::chrono::milliseconds statistics_period{std::chrono::seconds(60)};
  std::string default_device_type = "default";  // for devices never declared with a type
  // How long a connector may take to answer a device RPC (then the gateway replies with an error),
  // and the platform to answer a connector's attribute request (then the connector gets an error).
  std::chrono::milliseconds rpc_timeout = RpcRouter::kDefaultRpcTimeout;
  std::string version = "0.1.0";
  std::function<void(int exit_code)> on_shutdown;  // gateway_restart
  std::function<void()> on_reboot;                 // gateway_reboot; unset: refused
  // The gateway's client attributes for ThingsBoard's Gateways page (gateway_client_attributes),
  // published on every connect, one message per key under maxPayloadSizeBytes.
  nlohmann::json client_attributes = nlohmann::json::object();
  // The gateway's own shared attributes asked for after every (re)connect (empty: none), and who
  // gets the answer and every later push (unset: they are ignored).
  std::vector<std::string> shared_keys;
  std::function<void(const nlohmann::json& shared)> on_shared_attributes;
  // Each child device's connectorType/connectorName (v1/gateway/attributes). Off only where that
  // topic is refused (a test broker's ACL): a refused QoS 1 message is re-sent on every reconnect.
  bool connector_attributes = true;
  // Devices that publish with their own token (GatewaySink::device_uses_own_token): the one queue
  // all of them share, opened with the first of them (empty: in memory), and their connection
  // (empty: direct_device_mqtt_options of `mqtt`).
  std::function<Expected<std::unique_ptr<RecordQueue>>()> direct_store;
  std::function<MqttOptions(std::string_view device, std::string_view access_token)> direct_mqtt;
  // The shared store's errors (on the loop), e.g. to /health as the gateway's store's are.
  std::function<void(const Error&)> on_direct_store_error;
  // Run on the shared store's thread once it is open, before anything else there: the take-over
  // of an older version's per-device files (take_over_device_files). Empty: none.
  std::function<Expected<std::uint64_t>(RecordQueue&)> direct_store_upgrade;
  // Whether the shared store holds anything from an earlier run (its file, or an older version's
  // per-device files), so that the start-up sweep opens it only then (empty: always).
  std::function<bool()> direct_store_present;
  // How long the sweep waits before it tries again to move records a failed move left behind.
  std::chrono::milliseconds direct_sweep_retry{std::chrono::seconds(30)};
  // Lost readings (refused by storage, dropped for its limits) are logged as one line per cause
  // per interval, with counts (LossReport), never one line per reading or per commit.
  std::chrono::milliseconds loss_summary_interval{std::chrono::seconds(60)};
};

// Readings are {ts, values} entries as the connector read them; records are what storage holds and
// the uplink moves: one per poll (submit_poll), reading (submit) or attribute set.
struct ConnectorCounters {
  std::uint64_t readings = 0;        // readings stored
  std::uint64_t attributes = 0;      // attribute sets stored
  std::uint64_t records = 0;         // records stored for them (telemetry and attributes)
  std::uint64_t store_failures = 0;  // readings and attribute sets refused by storage (not stored)
  std::uint64_t rpcs = 0;            // RPCs routed to it
};

// Converts what a connector submits into a storage record (values as one JSON object).
Record to_record(const Reading& reading, std::string device);
Record to_record(const AttributeSet& attributes, std::string device);
// One poll's readings of `device`: one record, plain telemetry when they share one ts, else a
// telemetry series; several when {"<device>":[entries]} would exceed max_payload_bytes (a reading
// alone over it is a record of its own, which the uplink rejects as it would any such record).
std::vector<Record> to_records(const std::vector<Reading>& readings, const std::string& device,
                               std::size_t max_payload_bytes);

class GatewayService {
 public:
  static constexpr std::uint32_t kMalformedRpcRepliesPerMinute = 60;

  static Expected<std::unique_ptr<GatewayService>> create(asio::io_context& io,
                                                          StorageService& storage,
                                                          GatewayOptions options);
  ~GatewayService();
  GatewayService(const GatewayService&) = delete;
  GatewayService& operator=(const GatewayService&) = delete;

  // Before start(). Connector names must be unique.
  Expected<void> add_connector(std::unique_ptr<Connector> connector);
  void start();
  // Stops connectors, the uplink and the MQTT connection (DISCONNECT). Storage is the caller's.
  void stop();
  // Configuration reload: stops every connector, then adds and starts `connectors` in their place
  // (names must be unique). Devices the old connectors served that no new connector declares while
  // starting get v1/gateway/disconnect and leave the registry; the others keep their platform
  // name. Stored data is untouched. Before start() it only swaps the lists.
  Expected<void> replace_connectors(std::vector<std::unique_ptr<Connector>> connectors);

  // Moves the gateway's connection, and those of devices publishing with their own token, to
  // other settings (host, port, client id, credentials, TLS: MqttClient::reconnect_with). Stored
  // data stays where it is and goes out on the new connection. An error changes nothing.
  Expected<void> reconnect_with(const MqttOptions& mqtt);

  // Replaces some of the gateway's client attributes (after a reload) and publishes them now.
  void update_client_attributes(const nlohmann::json& attributes);

  // Asks the platform for some of the gateway's own shared attributes now (when connected); the
  // answer goes to on_shared_attributes. False: not connected, nothing asked.
  bool request_shared_attributes(const std::vector<std::string>& keys);
  // Publishes the gateway's own telemetry now ({"k":v} or [{"ts":..,"values":{..}},..]), as one
  // message; false when not connected or refused (nothing is queued).
  bool publish_gateway_telemetry(const nlohmann::json& telemetry);

  // The statistics telemetry as it would be published now.
  [[nodiscard]] nlohmann::json statistics();
  // What the statistics period adds for ThingsBoard's gateway dashboard (PlatformStatistics):
  // counts since the previous call.
  [[nodiscard]] nlohmann::json dashboard_statistics();
  [[nodiscard]] const UplinkCounters& uplink_counters() const { return uplink_->counters(); }
  // The store shared by the devices with their own token (zero before the first of them).
  [[nodiscard]] QueueStats direct_store_stats() const {
    return direct_storage_ ? direct_storage_->stats() : QueueStats{};
  }
  [[nodiscard]] std::size_t direct_store_pending() const {
    return direct_storage_ ? direct_storage_->pending_records() : 0;
  }
  [[nodiscard]] UplinkService::InFlight uplink_in_flight() const { return uplink_->in_flight(); }
  [[nodiscard]] const UplinkLimits& uplink_limits() const { return uplink_->limits(); }
  // The connectors running now (a reload may replace some): for metrics and the trace switch.
  [[nodiscard]] std::vector<Connector*> connectors() const;
  [[nodiscard]] const DeviceRegistry& registry() const { return registry_; }
  [[nodiscard]] MqttClient& mqtt() { return *client_; }
  [[nodiscard]] std::uint64_t reconnects() const { return reconnects_; }
  [[nodiscard]] std::uint64_t readings_stored() const;
  // Readings and attribute sets connectors submitted that storage refused (never stored).
  [[nodiscard]] std::uint64_t readings_not_stored() const;
  // Records stored for the connectors' submits (one per poll): see ConnectorCounters.
  [[nodiscard]] std::uint64_t records_stored() const;
  // Counts readings lost for `cause` where the gateway does not see it itself (storage dropping
  // the oldest for its limits) and logs them in the summary (see loss_summary_interval).
  void report_loss(const std::string& cause, std::uint64_t count, std::string detail = {});
  // The uplink of a device publishing with its own token, by its local name; nullptr if none.
  [[nodiscard]] DirectDeviceUplink* direct_device(std::string_view device);

 private:
  class Sink;
  GatewayService(asio::io_context& io, StorageService& storage, GatewayOptions options,
                 std::unique_ptr<MqttClient> client, DeviceRegistry registry);

  void on_connection(bool connected);
  void on_message(std::string_view topic, std::string_view payload);
  void on_malformed(std::string_view topic, std::string_view payload, const Error& error);
  enum class Pacing { at_once, paced };
  void announce(const DeviceEntry& entry, Pacing pacing);
  void publish_client_attributes(const nlohmann::json& attributes);
  void publish_client_attributes(const DumpedAttributes& attributes);
  // Takes out of `attributes` those over maxPayloadSizeBytes alone (a connector file with
  // thousands of meters): never sendable, since the limit only tightens, so not kept (at 10,000
  // meters the connector's text is 7 MB); their sizes are noted for the log. Returns their keys.
  std::vector<std::string> drop_unsendable(DumpedAttributes& attributes);
  void warn_unsendable(const std::vector<std::string>& keys) const;
  void on_own_attributes(std::string_view payload, bool response);
  void declare(const std::string& connector, std::string_view local_name, std::string_view type);
  std::string platform_name(const std::string& connector, const std::string& local_name);
  void register_gateway_methods();
  void schedule_statistics();
  void publish_statistics();
  void log_losses();
  void use_own_token(const std::string& connector, std::string_view device, std::string token);
  // The device's own-token mapping ends (its deviceToken changed or was removed on reload): its
  // uplink is closed and the key its records are stored under in the shared store returned.
  std::optional<std::string> end_own_token(const std::string& connector, const std::string& local);
  // Opens the shared store of the devices with their own token, once.
  StorageService* direct_storage();
  // Moves what the shared store holds under `key` into the gateway's queue as device `name`, in
  // chunks committed there before they are removed here.
  void move_to_gateway(std::string key, std::string name);
  // Once connectors declared their devices (start): each key holding records in the shared store
  // that belongs to a configured gateway child is moved to the gateway's queue (a move that
  // stopped partway, or a token removed while the gateway was stopped); an older version's key
  // (the device name) is given to that own-token device's key; the rest is logged once.
  void sweep_direct_store();
  void sweep_key(const std::string& key, std::uint64_t count);
  void retry_sweep();
  // Gives what the shared store holds under `key` (an older version's) to key `to`, a chunk per
  // storage job.
  void rekey(const std::string& key, const std::string& to);
  // The connection options of a device with its own token (client id from its store key).
  MqttOptions direct_mqtt(const std::string& device, const std::string& key,
                          const std::string& token) const;
  DirectDeviceUplink* direct_for(const std::string& connector, const std::string& device);

  asio::io_context& io_;
  StorageService& storage_;
  GatewayOptions options_;
  DumpedAttributes client_attributes_;  // options_.client_attributes and every update since
  // Client attributes too large to send, not kept: key -> bytes of its "key":value member.
  std::map<std::string, std::size_t> unsendable_attributes_;
  std::unique_ptr<MqttClient> client_;
  DeviceRegistry registry_;
  std::unique_ptr<UplinkService> uplink_;
  std::unique_ptr<RpcRouter> router_;
  std::vector<std::unique_ptr<Connector>> connectors_;
  std::vector<std::unique_ptr<Sink>> sinks_;
  std::map<std::string, ConnectorCounters> counters_;
  // The store of every device publishing with its own token (before direct_: outlives them).
  std::unique_ptr<StorageService> direct_storage_;
  // Devices publishing with their own token: uplinks by token, one device per token (they
  // outlive connector reloads, keeping their connection), and (connector, local name) -> token.
  std::map<std::string, std::unique_ptr<DirectDeviceUplink>> direct_;
  std::map<std::pair<std::string, std::string>, std::string> direct_devices_;
  asio::steady_timer stats_timer_;
  asio::steady_timer sweep_timer_;
  bool sweep_pending_ = false;
  std::set<std::string> moving_;        // keys move_to_gateway is moving now
  std::set<std::string> sweep_warned_;  // keys of no configured device, logged once
  // Records of each key in the shared store, counted when the statistics were last sent.
  std::map<std::string, std::uint64_t> direct_depths_;
  LossReport losses_;
  asio::steady_timer loss_timer_;
  std::optional<std::chrono::steady_clock::time_point> loss_timer_at_;  // when it fires, if set
  std::uint64_t connections_ = 0;
  std::uint64_t reconnects_ = 0;
  std::uint64_t dropped_ = 0;
  // Messages from the platform that could not be parsed; warned about at most 10 a minute.
  std::uint64_t malformed_messages_ = 0;
  std::uint64_t messages_received_ = 0;
  // Devices whose connectorType/connectorName went out, with that connector (announce).
  std::map<std::string, std::string> connector_attributes_sent_;
  // Our client-attribute messages of the last seconds, to tell a plain broker's echo from a push
  // (ThingsBoard itself never sends client attributes back): each matches one arrival.
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::string>> published_attributes_;
  std::int64_t attribute_request_id_ = 0;
  PlatformStatistics dashboard_;
  std::chrono::steady_clock::time_point dashboard_at_ = std::chrono::steady_clock::now();
  LogThrottle malformed_log_;
  // Error replies to malformed RPCs: the platform waits for them, but a flood must not be answered
  // with one (the rest are counted in malformedMessages and left to the platform's timeout).
  LogThrottle malformed_replies_{kMalformedRpcRepliesPerMinute};
  std::chrono::steady_clock::time_point started_at_ = std::chrono::steady_clock::now();
  std::optional<std::pair<std::chrono::steady_clock::time_point, double>> last_cpu_;
  bool started_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace dlmsgw::gateway
