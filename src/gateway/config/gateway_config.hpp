#pragma once
// GatewayConfig: tb_gateway.yaml (or tb_gateway.json: JSON is YAML) with the ThingsBoard IoT
// Gateway's own keys, so an existing file keeps working:
//
//   thingsboard:
//     host: thingsboard.cloud          # required
//     port: 1883
//     qos: 1                           # 0 or 1
//     maxPayloadSizeBytes: 8196
//     statistics: {enable: true, statsSendPeriodInSeconds: 60}
//     rebootCommand: "systemctl reboot"   # gateway_reboot RPC runs it; absent: refused
//     remoteConfiguration: true        # connectors edited from ThingsBoard's Gateways page
//     security:                        # one of:
//       accessToken: TOKEN             #   token (or accessTokenFile: /path, mode 0600)
//       username: u, password: p, clientId: c   (or passwordFile: /path)
//       caCert: ca.pem, cert: c.pem, privateKey: k.pem   # TLS; with cert/privateKey: mutual TLS
//       type: tlsAccessToken | tlsPrivateKey              # TLS (system trust store without caCert)
//     rateLimits / dpRateLimits / messagesRateLimits            # gateway: "N:S,N:S"
//     deviceRateLimits / deviceDpRateLimits / deviceMessagesRateLimits   # per device
//   storage:                           # absent: sqlite at the default path below
//     type: sqlite | memory            # default sqlite; memory loses unsent readings on exit
//     data_file_path: data/data.db     # relative to this file (a directory: dlmsgw.db in it);
//                                      # default $STATE_DIRECTORY/data.db under systemd (the
//                                      # package: /var/lib/dlmsgw/data.db)
//     max_records_count: 100000        # oldest dropped beyond it (0: no limit)
//     read_records_count: 100          # records per uplink batch
//     messages_ttl_in_days: 7          # sqlite: older records dropped (0: keep)
//   connectors:
//     - {name: DLMS Connector, type: dlms, configuration: dlms_connector.json}
//   health:                            # dlmsgw's own: the /health and /metrics HTTP endpoint
//     enabled: true
//     host: 127.0.0.1                  # a numeric IPv4/IPv6 address (0.0.0.0: every interface)
//     port: 9110                       # 0: a free port, logged at start
//     hostNames: [gw1.example.net]     # Host header names accepted besides IPs and localhost
//     traceTokenFile: trace-token      # POST /trace needs this bearer token; absent: POST off
//   logging:                           # dlmsgw's own (`dlmsgw run --log-level` wins over level)
//     level: info                      # trace, debug, info, warn, error, critical, off
//     levels: {uplink: debug}          # per component: gateway, uplink, mqtt, storage,
//                                      # connector, dlms, http
//
// Rate limit values "DEFAULT_..." (as in TB's shipped file) mean "none configured": the limits
// ThingsBoard returns for getSessionLimits apply. Unknown keys are warned about; keys of the TB
// gateway that dlmsgw does not use (remoteShell, grpc, ...) are accepted and noted. Wrong types
// and values are refused as "file:line: key: problem (hint)".
//
// Environment overrides (applied after the file, each also checked):
//   TB_GW_HOST, TB_GW_PORT, TB_GW_QOS, TB_GW_ACCESS_TOKEN, TB_GW_ACCESS_TOKEN_FILE,
//   TB_GW_USERNAME, TB_GW_PASSWORD, TB_GW_PASSWORD_FILE, TB_GW_CLIENT_ID, TB_GW_CA_CERT,
//   TB_GW_CERT, TB_GW_PRIVATE_KEY, TB_GW_STORAGE_TYPE, TB_GW_STORAGE_PATH,
//   TB_GW_MAX_PAYLOAD_SIZE_BYTES, TB_GW_HEALTH_ENABLED, TB_GW_HEALTH_HOST, TB_GW_HEALTH_PORT,
//   TB_GW_LOG_LEVEL.
// Secret files (accessTokenFile, passwordFile): refused when readable by others (chmod 600),
// warned when readable by the group; one trailing newline is stripped.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.hpp"
#include "gateway/gateway_service.hpp"
#include "gateway/storage/record_queue.hpp"

namespace dlmsgw::gateway {

struct SecurityConfig {
  std::string type;  // thingsboard.security.type as written ("" when absent)
  std::string access_token;
  std::string username;
  std::optional<std::string> password;
  std::string client_id;
  std::string ca_cert;  // the server's CA; empty: the system trust store
  std::string cert;     // mutual TLS: cert and private_key together
  std::string private_key;
  std::string credentials_source;  // for the "token refused" error: where the secret came from
};

// TLS for type tlsAccessToken or tlsPrivateKey, and whenever caCert or cert is given (as the
// ThingsBoard gateway decides). Plain MQTT otherwise: type accessToken or usernamePassword, or no
// type, without certificates.
bool uses_tls(const SecurityConfig& security);

enum class StorageType { memory, sqlite };

// What a default-constructed StorageConfig holds (memory) is for code and tests; a configuration
// file without a storage section gets sqlite (parse_gateway_config).
struct StorageConfig {
  StorageType type = StorageType::memory;
  std::filesystem::path data_file_path = "./data/data.db";
  std::uint64_t max_records_count = 100'000;
  std::size_t read_records_count = 100;
  std::uint32_t messages_ttl_in_days = 7;
};

struct ConnectorConfig {
  std::string name;
  std::string type;
  std::filesystem::path configuration;  // resolved against the gateway file's directory
};

// The health and metrics endpoint (see docs/operations.md).
struct HealthEndpointConfig {
  bool enabled = true;
  std::string host = "127.0.0.1";  // loopback: metrics are nobody else's business by default
  std::uint16_t port = 9110;       // 0: the system picks one
  // Names a scraper may use in the Host header besides IP addresses and localhost.
  std::vector<std::string> host_names;
  // From traceTokenFile: POST /trace needs "Authorization: Bearer <token>"; empty: POST /trace off.
  std::string trace_token;
};

// Log levels: spdlog level names. `levels` holds per-component overrides, by logger name.
struct LoggingConfig {
  std::string level = "info";
  std::map<std::string, std::string> levels;
};

// The level names logging.level accepts, and the component names logging.levels accepts.
const std::vector<std::string>& log_level_names();
const std::vector<std::string>& log_component_names();

struct GatewayConfig {
  std::string host;
  std::uint16_t port = 1883;
  int qos = 1;
  // thingsboard.mqttVersion: with 5, a PUBACK reason code can refuse one message (set aside at
  // once) instead of the session being closed on it.
  MqttVersion mqtt_version = MqttVersion::v311;
  std::size_t max_payload_size_bytes = 8196;
  SecurityConfig security;
  // Rate limit strings as written (empty: none), see UplinkLimits for their meaning.
  std::string rate_limits, dp_rate_limits, messages_rate_limits;
  std::string device_rate_limits, device_dp_rate_limits, device_messages_rate_limits;
  bool statistics = true;
  std::chrono::seconds statistics_period{60};
  // What the gateway_reboot RPC runs (through /bin/sh). Empty: the RPC is refused, since a
  // reboot from the platform is an operator's decision per machine, not a default.
  std::string reboot_command;
  // Whether ThingsBoard's Gateways page may change the connectors (shared attributes named after
  // them, active_connectors). Off (as in the ThingsBoard gateway when the key is absent): the
  // local files are authoritative and such pushes are ignored.
  bool remote_configuration = false;
  StorageConfig storage;
  std::vector<ConnectorConfig> connectors;
  HealthEndpointConfig health;
  LoggingConfig logging;
  // The directory of tb_gateway.yaml (load_gateway_config): where connectors created from
  // ThingsBoard get their file.
  std::filesystem::path directory;
  std::vector<std::string> warnings;  // "file:line: ..." for the log
};

// The keys of one mapping of tb_gateway.yaml: those dlmsgw reads, and those of the ThingsBoard
// gateway it accepts and ignores (with a note). The parser checks every mapping against this table,
// so it is the one list of known keys (docs/configuration.md is tested against it).
struct ConfigKeySection {
  std::string_view path;  // "" (top level), "thingsboard.security", "connectors[]" (each entry)
  std::vector<std::string_view> keys;
  std::vector<std::string_view> ignored;  // ThingsBoard gateway settings dlmsgw does not use
};
const std::vector<ConfigKeySection>& gateway_config_keys();

// Looks up an environment variable; injectable for tests.
using Environment = std::function<std::optional<std::string>(const char* name)>;
std::optional<std::string> process_environment(const char* name);

Expected<GatewayConfig> parse_gateway_config(std::string_view text, const std::string& file_name,
                                             const Environment& environment = process_environment);
Expected<GatewayConfig> load_gateway_config(const std::filesystem::path& path,
                                            const Environment& environment = process_environment);

// Every problem of the file rather than the first (`dlmsgw validate`): each section (thingsboard,
// storage, connectors) is checked even when an earlier one failed. `config` holds what parsed.
struct GatewayConfigCheck {
  GatewayConfig config;
  std::vector<Error> errors;  // empty: the file is valid (parse_gateway_config would succeed)
};
GatewayConfigCheck check_gateway_config(std::string_view text, const std::string& file_name,
                                        const Environment& environment = process_environment);

// The parts GatewayService needs (MQTT, uplink limits, statistics). Rate limits were checked by
// the parser, so this cannot fail on them.
GatewayOptions to_gateway_options(const GatewayConfig& config);

// Opens the queue storage.type names, with max_records_count and messages_ttl_in_days as limits.
Expected<std::unique_ptr<RecordQueue>> open_record_queue(const StorageConfig& storage);
// What open_record_queue checks before opening, without creating anything (for `validate`).
Expected<void> check_record_queue(const StorageConfig& storage);

// The database file storage.data_file_path names: a directory (an existing one, or written with a
// trailing '/', as for the ThingsBoard gateway's file storage) holds it as kDatabaseFileName.
inline constexpr const char* kDatabaseFileName = "dlmsgw.db";
std::filesystem::path database_file(const std::filesystem::path& data_file_path);
// The store shared by every device publishing with its own token (deviceToken): in memory, or
// kDirectStoreFileName beside the gateway's database, with the same limits (max_records_count
// bounds all of those devices together). Files of older versions, one per such device
// (`device-<name>-<hash>.db`), are taken over on the store's thread once it runs
// (GatewayOptions::direct_store_upgrade, storage/direct_store.hpp).
inline constexpr const char* kDirectStoreFileName = "direct-devices.db";
Expected<std::unique_ptr<RecordQueue>> open_direct_store(const StorageConfig& storage);

}  // namespace dlmsgw::gateway
