#pragma once
// MqttClient: one MQTT connection to ThingsBoard, driven by the gateway's asio event loop.
//
// libmosquitto does the protocol; we do the waiting. Its socket is watched by an asio
// stream_descriptor (read always, write only while libmosquitto has bytes queued) and its keepalive
// runs from an asio timer, so there is no libmosquitto thread and every callback below runs on the
// io_context's thread. The client reconnects by itself with exponential backoff and jitter. When
// the broker refuses our credentials it keeps trying too, but slowly (a token rotated or a device
// recreated on the platform is fixed there, without touching the gateway; hammering the server with
// a bad token only floods its log): reported once through on_refused, logged at most once a minute,
// and available as refusal() until a connection is accepted.
//
// Delivery: publish() at QoS 1 returns the message id; on_publish reports, per id, whether a PUBACK
// with a success reason code came back. Messages still unacknowledged when the connection drops are
// re-sent by libmosquitto after reconnecting, so their outcome may arrive later, or never if the
// client is destroyed first or discard_in_flight() drops them: the caller keeps the data (storage)
// until it sees success. At most max_in_flight messages are on the wire at once.

#include <asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.hpp"

namespace dlmsgw::gateway {

enum class MqttVersion { v311, v5 };

// MQTT 5 PUBACK reason codes refusing a message for good: the same message will be refused again
// (0x87 not authorized, 0x90 topic name invalid, 0x99 payload format invalid). Others, such as 0x97
// quota exceeded, 0x89 server busy or 0x80 unspecified error, may pass later.
bool is_permanent_refusal(int puback_reason_code);

// TLS is always verified: the server's certificate chain against ca_file, or, without one, against
// the system trust store (a directory of hashed CA certificates), and its name against the host
// we connect to. There is no unverified mode.
struct MqttTls {
  std::string ca_file;    // the CA that signed the server's certificate; empty: the system store
  std::string cert_file;  // client certificate and key for mutual TLS (both or neither)
  std::string key_file;
  std::string system_ca_directory = "/etc/ssl/certs";
};

struct MqttOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;
  std::string client_id;  // empty: the library makes a random one
  // false: a persistent session (needs a client_id); the broker keeps our subscriptions and
  // queues QoS 1 messages for us while we are away.
  bool clean_session = true;
  // ThingsBoard access tokens go in `username` with no password; basic MQTT credentials use both.
  std::string username;
  std::optional<std::string> password;
  // Where the credentials came from, for the one error we print when they are refused
  // (e.g. "thingsboard.security.accessToken in /etc/dlmsgw/tb_gateway.yaml").
  std::string credentials_source = "the configuration";
  MqttVersion version = MqttVersion::v311;
  std::chrono::seconds keepalive{60};
  std::chrono::milliseconds connect_timeout{10000};  // TCP connect + CONNACK
  std::chrono::milliseconds reconnect_min{1000};     // first backoff step
  std::chrono::milliseconds reconnect_max{60000};    // backoff ceiling
  // After a refusal at CONNACK (bad token, not authorised, banned...): a slower backoff.
  std::chrono::milliseconds refused_reconnect_min{30000};
  std::chrono::milliseconds refused_reconnect_max{300000};
  std::chrono::milliseconds refused_log_interval{60000};  // at most one line per interval
  std::optional<MqttTls> tls;                             // absent: plain TCP
  // QoS 1 messages on the wire without their PUBACK (MOSQ_OPT_SEND_MAXIMUM); libmosquitto queues
  // the rest until slots free. The uplink's window stays below it (see UplinkOptions).
  int max_in_flight = 20;
};

// How the connection is secured, in words for `validate` and the start-up log, e.g. "TLS, server
// certificate verified against the system trust store /etc/ssl/certs and host name 'tb.example'".
std::string describe_transport(const MqttOptions& options);

class MqttClient {
 public:
  using MessageHandler = std::function<void(std::string_view topic, std::string_view payload)>;
  // Outcome of one QoS 1 publish: success, or an Error carrying the PUBACK reason. The error code
  // says whether sending the same message again can help: ErrorCode::rejected when the refusal is
  // permanent (is_permanent_refusal), ErrorCode::protocol_state when it is for now (quota exceeded,
  // server busy, unspecified error).
  using PublishHandler = std::function<void(int message_id, const Expected<void>& outcome)>;
  using ConnectionHandler = std::function<void(bool connected)>;
  using RefusedHandler = std::function<void(const Error& error)>;

  // Checks the options (TLS files are loaded here: a TLS problem is an error, never a silent
  // fallback to plain MQTT). Nothing is sent until start().
  static Expected<std::unique_ptr<MqttClient>> create(asio::io_context& io, MqttOptions options);
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  void on_message(MessageHandler handler) { on_message_ = std::move(handler); }
  void on_publish(PublishHandler handler) { on_publish_ = std::move(handler); }
  void on_connection(ConnectionHandler handler) { on_connection_ = std::move(handler); }
  // Called when the broker starts refusing the credentials (once per series of refusals; the
  // client keeps retrying slowly).
  void on_refused(RefusedHandler handler) { on_refused_ = std::move(handler); }

  // Starts connecting; afterwards the client keeps itself connected until stop().
  void start();
  // Sends DISCONNECT and stops reconnecting.
  void stop();
  // Moves the connection to other settings (ThingsBoard's Gateways page changing the host, port or
  // credentials): host, port, client id, credentials and TLS come from `options`, the rest stays.
  // Checked as create() checks them (an error changes nothing). When started, the connection in
  // place ends now (DISCONNECT) and the new settings are tried at once, then with the usual
  // backoff. Messages without their PUBACK are re-sent on the new connection, unless the client
  // id or TLS changed: libmosquitto then forgets them (as discard_in_flight() does), and the
  // uplink's PUBACK timeout reads their records again from storage. Not from inside one of this
  // client's handlers (libmosquitto holds a lock there that this takes): post it.
  Expected<void> reconnect_with(const MqttOptions& options);

  // Queues a message; the id identifies its on_publish outcome (QoS 1 and 2). An error when not
  // connected: the caller retries from storage after reconnecting.
  Expected<int> publish(std::string_view topic, std::string_view payload, int qos = 1);
  // Forgets every message not acknowledged yet: their outcomes never come, they are not re-sent
  // and their in-flight slots are free again. Takes a reconnect (libmosquitto keeps unacknowledged
  // messages for the life of its handle): for messages given up on after a PUBACK timeout, which
  // would otherwise hold their slots and be re-sent ahead of everything after each reconnect.
  void discard_in_flight();
  // Subscribes now if connected, and again after every reconnect.
  Expected<void> subscribe(std::string_view filter, int qos = 1);

  [[nodiscard]] bool connected() const { return connected_; }
  // Whether the last connection ended with the broker closing it (end of stream or reset), as a
  // platform does on a PUBLISH it cannot process; false for keepalive timeouts, other errors and
  // disconnects of our own.
  [[nodiscard]] bool closed_by_broker() const { return closed_by_broker_; }
  // TCP connections tried since start(), for statistics and for tests that look for storms.
  [[nodiscard]] std::size_t connection_attempts() const { return connection_attempts_; }
  // Why the broker refuses our credentials, while it does (cleared by an accepted connection).
  [[nodiscard]] const std::optional<Error>& refusal() const { return refusal_; }
  // Why the last connection attempt failed, when it failed in a way worth telling (a TLS
  // handshake refused by either side); cleared by a successful connection.
  [[nodiscard]] const std::optional<Error>& last_connection_error() const {
    return last_connection_error_;
  }
  [[nodiscard]] std::string endpoint() const;

 private:
  struct Impl;
  explicit MqttClient(std::unique_ptr<Impl> impl);
  friend struct Impl;

  std::unique_ptr<Impl> impl_;
  MessageHandler on_message_;
  PublishHandler on_publish_;
  ConnectionHandler on_connection_;
  RefusedHandler on_refused_;
  bool connected_ = false;
  bool closed_by_broker_ = false;
  std::size_t connection_attempts_ = 0;
  std::optional<Error> refusal_;
  std::optional<Error> last_connection_error_;
};

}  // namespace dlmsgw::gateway
