#include "gateway/uplink/mqtt_client.hpp"

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <asio/ip/tcp.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <climits>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>

#include "gateway/component_logger.hpp"

namespace dlmsgw::gateway {
namespace {
// This file's log lines belong to the "mqtt" component (tb_gateway.yaml logging.levels).
std::shared_ptr<spdlog::logger> mqtt_log() {
  return component_logger("mqtt");
}

void init_library_once() {
  static std::once_flag once;
  // Never cleaned up: other clients may live until exit, and the OS reclaims it then.
  std::call_once(once, [] { mosquitto_lib_init(); });
}

std::string mosquitto_error(int rc) {
  if (rc == MOSQ_ERR_ERRNO) return std::string("system error: ") + std::strerror(errno);
  return mosquitto_strerror(rc);
}

// CONNACK codes that mean "these credentials will never work": retrying cannot help.
bool is_credentials_refusal(MqttVersion version, int rc) {
  if (version == MqttVersion::v311) {
    return rc == 4 || rc == 5;  // bad user name or password; not authorised
  }
  switch (rc) {
    case MQTT_RC_BAD_USERNAME_OR_PASSWORD:
    case MQTT_RC_NOT_AUTHORIZED:
    case MQTT_RC_BANNED:
    case MQTT_RC_BAD_AUTHENTICATION_METHOD:
    case MQTT_RC_CLIENTID_NOT_VALID:
      return true;
    default:
      return false;
  }
}

// "300 ms", "45 s", "5 min": a delay as an operator reads it.
std::string delay_text(std::chrono::milliseconds delay) {
  const auto ms = delay.count();
  if (ms < 10000) return std::to_string(ms) + " ms";
  if (ms >= 120000 && ms % 60000 == 0) return std::to_string(ms / 60000) + " min";
  return std::to_string((ms + 999) / 1000) + " s";
}

std::string connack_text(MqttVersion version, int rc) {
  return version == MqttVersion::v311 ? mosquitto_connack_string(rc) : mosquitto_reason_string(rc);
}

}  // namespace

std::string describe_transport(const MqttOptions& options) {
  if (!options.tls) return "plain MQTT, no TLS (credentials travel in clear)";
  const auto& tls = *options.tls;
  std::string text = "TLS, server certificate verified against ";
  text += tls.ca_file.empty() ? "the system trust store " + tls.system_ca_directory
                              : "the CA file " + tls.ca_file;
  text += " and host name '" + options.host + "'";
  if (!tls.cert_file.empty()) text += ", client certificate " + tls.cert_file;
  return text;
}

bool is_permanent_refusal(int puback_reason_code) {
  switch (puback_reason_code) {
    case MQTT_RC_NOT_AUTHORIZED:
    case MQTT_RC_TOPIC_NAME_INVALID:
    case MQTT_RC_PAYLOAD_FORMAT_INVALID:
      return true;
    default:
      return false;
  }
}

struct MqttClient::Impl {
  Impl(asio::io_context& io, MqttOptions opts)
      : options(std::move(opts)),
        socket(io),
        misc_timer(io),
        reconnect_timer(io),
        connect_timer(io),
        resolver(io),
        random(std::random_device{}()) {}

  MqttClient* owner = nullptr;
  MqttOptions options;
  mosquitto* mosq = nullptr;
  asio::posix::stream_descriptor socket;
  asio::steady_timer misc_timer;
  asio::steady_timer reconnect_timer;
  asio::steady_timer connect_timer;
  asio::ip::tcp::resolver resolver;
  std::mt19937 random;
  // Handlers queued on the io_context may outlive the client: they check this first.
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
  // Bumped whenever the descriptor is released, so waits on an old socket are ignored.
  std::uint64_t generation = 0;
  bool reading = false;
  bool writing = false;
  bool started = false;
  bool stopping = false;
  bool reconnect_pending = false;
  bool discard_pending = false;       // discard_in_flight(): start the next connection afresh
  int abandoned_fd = -1;              // a socket given up on but not yet closed by libmosquitto
  std::string last_library_error;     // libmosquitto's last error log line (OpenSSL's words)
  unsigned failures = 0;              // consecutive failed attempts, drives the backoff
  unsigned refusals = 0;              // consecutive refusals at CONNACK, drives the slow backoff
  bool refused_this_attempt = false;  // the close that follows a refusal is no TLS failure
  unsigned refusals_not_logged = 0;
  std::optional<std::chrono::steady_clock::time_point> last_refusal_log;
  std::vector<std::pair<std::string, int>> subscriptions;

  Expected<void> configure();

  // --- socket ownership -----------------------------------------------------------------------
  // libmosquitto owns the file descriptor and closes it itself (on errors, keepalive timeouts,
  // DISCONNECT, reconnect, destroy). asio must let go of it first, or it would watch a closed or,
  // worse, reused descriptor: release() before any call that may close, sync() after every call.
  void release_socket() {
    if (socket.is_open()) {
      std::error_code ignored;
      socket.cancel(ignored);
      (void)socket.release();
    }
    ++generation;
    reading = false;
    writing = false;
  }

  void adopt_socket() {
    const int fd = mosquitto_socket(mosq);
    if (fd < 0) return;
    std::error_code ec;
    socket.assign(fd, ec);
    if (ec) {
      mqtt_log()->error("mqtt {}: cannot watch socket: {}", owner->endpoint(), ec.message());
    }
  }

  // After any libmosquitto call: follow its socket and wait for what it needs.
  void sync() {
    const int fd = mosquitto_socket(mosq);
    if (fd < 0) {
      release_socket();
      // Closed without a disconnect callback (libmosquitto does that on some connect failures):
      // make sure a retry is still scheduled.
      if (started && !owner->connected_) schedule_reconnect();
      return;
    }
    if (fd == abandoned_fd) return;
    if (!socket.is_open()) adopt_socket();
    wait_read();
    if (mosquitto_want_write(mosq)) wait_write();
  }

  void wait_read() {
    if (reading || !socket.is_open()) return;
    reading = true;
    socket.async_wait(asio::posix::stream_descriptor::wait_read,
                      [this, alive = alive, gen = generation](std::error_code ec) {
                        if (!*alive || gen != generation) return;
                        reading = false;
                        if (ec) return;
                        after_loop(mosquitto_loop_read(mosq, 1), "read");
                      });
  }

  void wait_write() {
    if (writing || !socket.is_open()) return;
    writing = true;
    socket.async_wait(
        asio::posix::stream_descriptor::wait_write,
        [this, alive = alive, gen = generation](std::error_code ec) {
          if (!*alive || gen != generation) return;
          writing = false;
          if (ec) return;
          // During a TLS handshake loop_write does nothing: only loop_read advances
          // it, even when OpenSSL is waiting to write.
          if (options.tls && !owner->connected_) {
            const int rc = mosquitto_loop_read(mosq, 1);
            if (rc == MOSQ_ERR_TLS) {
              after_loop(rc, "handshake");
              return;
            }
          }
          after_loop(mosquitto_socket(mosq) < 0 ? MOSQ_ERR_NO_CONN : mosquitto_loop_write(mosq, 1),
                     "write");
        });
  }

  void after_loop(int rc, const char* what) {
    if (rc == MOSQ_ERR_TLS) {
      // A failed handshake (untrusted certificate, wrong host name...) leaves libmosquitto's
      // socket open with no disconnect callback: abandon it and retry later. Never plain MQTT.
      tls_failed("TLS handshake failed");
      abandon_socket();
      return;
    }
    if (rc != MOSQ_ERR_SUCCESS) {
      mqtt_log()->debug("mqtt {}: {}: {}", owner->endpoint(), what, mosquitto_error(rc));
    }
    sync();
  }

  // Remembers and logs why a TLS connection failed, with what the operator can check.
  void tls_failed(const std::string& what) {
    const auto& tls = *options.tls;
    std::string message =
        "mqtt " + owner->endpoint() + ": " + what + ": " +
        (last_library_error.empty() ? "no detail from OpenSSL" : last_library_error) + ". ";
    if (tls.ca_file.empty()) {
      message +=
          "No thingsboard.security.caCert is set, so the server certificate must be signed "
          "by a CA of the system trust store " +
          tls.system_ca_directory + " and name the host '" + options.host +
          "': set thingsboard.security.caCert to the CA that signed it";
    } else {
      message += "Check the CA file '" + tls.ca_file +
                 "' (thingsboard.security.caCert) and that the server certificate names the "
                 "host '" +
                 options.host + "' (thingsboard.host)";
    }
    message += tls.cert_file.empty()
                   ? " (no client certificate configured: a broker requiring one refuses us)"
                   : "; check that the client certificate '" + tls.cert_file +
                         "' (thingsboard.security.cert) is signed by a CA the broker trusts";
    message += "; retrying over TLS only, never plain MQTT";
    last_library_error.clear();
    mqtt_log()->error("{}", message);
    owner->last_connection_error_ = make_error(ErrorCode::rejected, std::move(message));
  }

  // libmosquitto keeps every unacknowledged message for as long as the handle lives and re-sends it
  // after each reconnect; reinitialising the handle is the only way to let go of them.
  bool forget_messages() {
    const int rc = mosquitto_reinitialise(
        mosq, options.client_id.empty() ? nullptr : options.client_id.c_str(),
        options.clean_session, this);
    if (rc != MOSQ_ERR_SUCCESS) {
      mqtt_log()->error("mqtt {}: cannot drop unacknowledged messages: {}", owner->endpoint(),
                        mosquitto_error(rc));
      return false;
    }
    if (auto configured = configure(); !configured) {
      mqtt_log()->error("{}", configured.error().message);
      return false;
    }
    discard_pending = false;
    return true;
  }

  // Stops watching a connection that libmosquitto still holds open; its next connect closes it.
  void abandon_socket() {
    abandoned_fd = mosquitto_socket(mosq);
    release_socket();
    schedule_reconnect();
  }

  // Keepalive (PINGREQ, and dropping a connection whose PINGRESP never came) lives in loop_misc.
  void tick() {
    misc_timer.expires_after(std::chrono::seconds(1));
    misc_timer.async_wait([this, alive = alive](std::error_code ec) {
      if (!*alive || ec || !started) return;
      if (mosquitto_socket(mosq) >= 0) {
        (void)mosquitto_loop_misc(mosq);
        sync();
      }
      tick();
    });
  }

  // --- connecting -----------------------------------------------------------------------------
  // libmosquitto's "async" connect calls getaddrinfo on the calling thread: with a host name and an
  // unreachable DNS server that would freeze every meter session on the loop for the resolver's
  // timeout, at every reconnect. So names are resolved first on asio's resolver thread, and
  // libmosquitto is given the address. With TLS it needs the name (certificate check, SNI); the
  // lookup it then repeats is answered, since ours just succeeded.
  void connect() {
    reconnect_pending = false;
    if (stopping) return;
    std::error_code not_numeric;
    (void)asio::ip::make_address(options.host, not_numeric);
    if (!not_numeric) {
      connect_to(options.host);
      return;
    }
    resolver.async_resolve(
        options.host, std::to_string(options.port),
        [this, alive = alive](std::error_code ec, asio::ip::tcp::resolver::results_type results) {
          if (!*alive || stopping) return;
          if (ec || results.empty()) {
            ++owner->connection_attempts_;
            mqtt_log()->warn("mqtt {}: cannot resolve '{}': {}", owner->endpoint(), options.host,
                             ec ? ec.message() : "no address");
            schedule_reconnect();
            return;
          }
          connect_to(options.tls ? options.host : preferred_address(results));
        });
  }

  // IPv4 first: most brokers listen there, and "localhost" usually resolves to ::1 first.
  static std::string preferred_address(const asio::ip::tcp::resolver::results_type& results) {
    for (const auto& entry : results) {
      if (entry.endpoint().address().is_v4()) return entry.endpoint().address().to_string();
    }
    return results.begin()->endpoint().address().to_string();
  }

  void connect_to(const std::string& host) {
    if (stopping) return;
    ++owner->connection_attempts_;
    release_socket();  // connect_bind_async closes the previous socket itself
    abandoned_fd = -1;
    if (discard_pending && !forget_messages()) {
      schedule_reconnect();
      return;
    }
    refused_this_attempt = false;
    const auto keepalive = static_cast<int>(options.keepalive.count());
    const int rc =
        mosquitto_connect_bind_async(mosq, host.c_str(), options.port, keepalive, nullptr);
    if (rc != MOSQ_ERR_SUCCESS) {
      mqtt_log()->warn("mqtt {}: connect failed: {}", owner->endpoint(), mosquitto_error(rc));
      sync();
      schedule_reconnect();
      return;
    }
    sync();
    connect_timer.expires_after(options.connect_timeout);
    connect_timer.async_wait([this, alive = alive](std::error_code ec) {
      if (!*alive || ec || owner->connected_ || stopping) return;
      mqtt_log()->warn("mqtt {}: no CONNACK within {} ms", owner->endpoint(),
                       options.connect_timeout.count());
      // Let libmosquitto find the dead socket itself: the read wait wakes up, loop_read fails,
      // libmosquitto closes and reports the disconnect, and the usual backoff follows.
      const int fd = mosquitto_socket(mosq);
      if (fd < 0 || ::shutdown(fd, SHUT_RDWR) != 0) abandon_socket();
    });
  }

  std::chrono::milliseconds backoff() {
    // Exponential, capped, with "equal jitter": half fixed, half random, so that many gateways
    // restarted by the same outage do not reconnect in lockstep. Refused credentials back off
    // more slowly: they change on the platform, by hand, in minutes rather than seconds.
    const bool refused = owner->refusal_.has_value();
    const auto min = std::max<std::int64_t>(
        (refused ? options.refused_reconnect_min : options.reconnect_min).count(), 1);
    const auto max = std::max<std::int64_t>(
        (refused ? options.refused_reconnect_max : options.reconnect_max).count(), min);
    const unsigned shift = std::min(refused ? refusals - 1 : failures, 20U);
    const auto step = std::min<std::int64_t>(max, min << shift);
    std::uniform_int_distribution<std::int64_t> jitter(0, step / 2);
    return std::chrono::milliseconds(step - step / 2 + jitter(random));
  }

  void schedule_reconnect() {
    if (reconnect_pending || stopping) return;
    reconnect_pending = true;
    connect_timer.cancel();
    const auto delay = backoff();
    ++failures;
    if (owner->refusal_) {
      log_refusal(delay);
    } else {
      mqtt_log()->info("mqtt {}: reconnecting in {} ms", owner->endpoint(), delay.count());
    }
    reconnect_timer.expires_after(delay);
    reconnect_timer.async_wait([this, alive = alive](std::error_code ec) {
      // Not pending any more: reconnect_with() connected already (this one was queued).
      if (!*alive || ec || !reconnect_pending) return;
      connect();
    });
  }

  // One line per refused attempt, but at most one per refused_log_interval: a token refused for
  // a night must not fill the journal.
  void log_refusal(std::chrono::milliseconds delay) {
    const auto now = std::chrono::steady_clock::now();
    if (last_refusal_log && now - *last_refusal_log < options.refused_log_interval) {
      ++refusals_not_logged;
      return;
    }
    last_refusal_log = now;
    mqtt_log()->error("{}; attempt {} refused{}, next in {}", owner->refusal_->message, refusals,
                      refusals_not_logged == 0 ? std::string()
                                               : " (" + std::to_string(refusals_not_logged) +
                                                     " not logged since the last line)",
                      delay_text(delay));
    refusals_not_logged = 0;
  }

  // --- libmosquitto callbacks (run inside loop_read/loop_write/loop_misc on our thread) --------
  static Impl& self(void* userdata) { return *static_cast<Impl*>(userdata); }

  static void on_connect(mosquitto* /*mosq*/, void* userdata, int rc, int /*flags*/,
                         const mosquitto_property* /*props*/) {
    auto& impl = self(userdata);
    auto& client = *impl.owner;
    impl.connect_timer.cancel();
    if (rc == 0) {
      impl.failures = 0;
      client.connected_ = true;
      client.last_connection_error_.reset();
      if (client.refusal_) {
        mqtt_log()->info(
            "mqtt {}: connected: the credentials are accepted again after {} refused "
            "attempts",
            client.endpoint(), impl.refusals);
      } else {
        mqtt_log()->info("mqtt {}: connected", client.endpoint());
      }
      client.refusal_.reset();
      impl.refusals = 0;
      impl.refusals_not_logged = 0;
      impl.last_refusal_log.reset();
      for (const auto& [filter, qos] : impl.subscriptions) {
        const int sub_rc = mosquitto_subscribe(impl.mosq, nullptr, filter.c_str(), qos);
        if (sub_rc != MOSQ_ERR_SUCCESS) {
          mqtt_log()->warn("mqtt {}: subscribe '{}': {}", client.endpoint(), filter,
                           mosquitto_error(sub_rc));
        }
      }
      if (client.on_connection_) client.on_connection_(true);
      return;
    }
    const auto reason = connack_text(impl.options.version, rc);
    if (is_credentials_refusal(impl.options.version, rc)) {
      const bool first = !client.refusal_;
      ++impl.refusals;
      impl.refused_this_attempt = true;
      client.refusal_ = make_error(
          ErrorCode::rejected,
          "ThingsBoard at " + client.endpoint() + " refused the connection: " + reason +
              " (CONNACK code " + std::to_string(rc) +
              "). Check the access token/credentials from " + impl.options.credentials_source +
              " (and that the device exists on the platform); retrying, at least every " +
              delay_text(impl.options.refused_reconnect_max) + ", readings stay stored");
      if (first && client.on_refused_) client.on_refused_(*client.refusal_);
      return;  // the disconnect that follows schedules the slow retry
    }
    mqtt_log()->warn("mqtt {}: connection refused: {} (CONNACK code {})", client.endpoint(), reason,
                     rc);
  }

  static void on_disconnect(mosquitto* /*mosq*/, void* userdata, int rc,
                            const mosquitto_property* /*props*/) {
    auto& impl = self(userdata);
    auto& client = *impl.owner;
    const bool was_connected = client.connected_;
    client.connected_ = false;
    if (was_connected) {
      // libmosquitto reports end of stream and ECONNRESET as MOSQ_ERR_CONN_LOST.
      client.closed_by_broker_ = rc == MOSQ_ERR_CONN_LOST;
      mqtt_log()->warn("mqtt {}: disconnected: {}", client.endpoint(),
                       rc == 0 ? std::string("on request") : mosquitto_error(rc));
      if (client.on_connection_) client.on_connection_(false);
    } else if (impl.options.tls && rc != 0 && !impl.stopping && !impl.refused_this_attempt) {
      // Closed before CONNACK: with TLS 1.3 a broker refusing our certificate (or its absence)
      // says so only after the client's side of the handshake is done.
      impl.tls_failed("the broker closed the TLS connection before CONNACK (" +
                      mosquitto_error(rc) + ")");
    }
    impl.schedule_reconnect();  // does nothing after stop() or a credentials refusal
  }

  static void on_publish(mosquitto* /*mosq*/, void* userdata, int mid, int reason_code,
                         const mosquitto_property* /*props*/) {
    auto& client = *self(userdata).owner;
    if (!client.on_publish_) return;
    // MQTT 5 reason codes below 0x80 are successes (0x10 "no matching subscribers" included).
    if (reason_code < 0x80) {
      client.on_publish_(mid, Expected<void>{});
    } else {
      char code[8];
      std::snprintf(code, sizeof code, "0x%02x", static_cast<unsigned>(reason_code) & 0xffU);
      client.on_publish_(
          mid,
          make_error(
              is_permanent_refusal(reason_code) ? ErrorCode::rejected : ErrorCode::protocol_state,
              "ThingsBoard at " + client.endpoint() + " refused message " + std::to_string(mid) +
                  ": " + mosquitto_reason_string(reason_code) + " (PUBACK reason " + code + ")"));
    }
  }

  static void on_message(mosquitto* /*mosq*/, void* userdata, const mosquitto_message* message,
                         const mosquitto_property* /*props*/) {
    auto& client = *self(userdata).owner;
    if (!client.on_message_ || message == nullptr || message->topic == nullptr) return;
    const auto* bytes = static_cast<const char*>(message->payload);
    client.on_message_(
        message->topic,
        std::string_view(bytes == nullptr ? "" : bytes,
                         static_cast<std::size_t>(std::max(message->payloadlen, 0))));
  }

  static void on_log(mosquitto* /*mosq*/, void* userdata, int level, const char* text) {
    if (level == MOSQ_LOG_ERR) {
      if (userdata != nullptr && text != nullptr) self(userdata).last_library_error = text;
      mqtt_log()->warn("libmosquitto: {}", text);
    } else {
      mqtt_log()->trace("libmosquitto: {}", text);
    }
  }
};

// Everything libmosquitto is told about this connection; again after mosquitto_reinitialise, which
// forgets it all.
Expected<void> MqttClient::Impl::configure() {
  const std::string where = owner->endpoint();
  auto fail = [&](const std::string& what, int rc) {
    return make_error(ErrorCode::invalid_argument,
                      "MQTT " + where + ": " + what + ": " + mosquitto_error(rc));
  };

  const int version = options.version == MqttVersion::v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311;
  if (const int rc = mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, version); rc) {
    return fail("protocol version", rc);
  }
  // A batch is done when its last PUBACK is in: its last PUBLISH must not wait for Nagle's
  // algorithm (bench/scale: 10-20 ms per batch otherwise).
  if (const int rc = mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1); rc) {
    return fail("TCP_NODELAY", rc);
  }
  // libmosquitto queues what is over its in-flight bound without limit: the uplink keeps its window
  // under this bound, and discard_in_flight() frees the slots of messages it gave up on.
  if (const int rc = mosquitto_int_option(mosq, MOSQ_OPT_SEND_MAXIMUM, options.max_in_flight); rc) {
    return fail("in-flight bound (" + std::to_string(options.max_in_flight) + " messages)", rc);
  }
  if (!options.username.empty()) {
    const auto& password = options.password;
    const int rc = mosquitto_username_pw_set(mosq, options.username.c_str(),
                                             password ? password->c_str() : nullptr);
    if (rc) return fail("credentials", rc);
  }
  if (options.tls) {
    const auto& tls = *options.tls;
    if (tls.cert_file.empty() != tls.key_file.empty()) {
      return make_error(ErrorCode::invalid_argument,
                        "MQTT " + where + ": TLS client certificate and key go together");
    }
    // libmosquitto says only "invalid function arguments" for a file it cannot open.
    for (const auto& [file, key] :
         {std::pair{&tls.ca_file, "caCert"}, std::pair{&tls.cert_file, "cert"},
          std::pair{&tls.key_file, "privateKey"}}) {
      if (!file->empty() && ::access(file->c_str(), R_OK) != 0) {
        return make_error(ErrorCode::invalid_argument,
                          "MQTT " + where + ": TLS file '" + *file + "' (thingsboard.security." +
                              key + ") cannot be read: " + std::strerror(errno));
      }
    }
    // Without a CA file of our own the server is checked against the system trust store, as
    // a browser would: a TLS type without caCert must never mean plain MQTT or no verification.
    const bool system_store = tls.ca_file.empty();
    const int rc =
        mosquitto_tls_set(mosq, system_store ? nullptr : tls.ca_file.c_str(),
                          system_store ? tls.system_ca_directory.c_str() : nullptr,
                          tls.cert_file.empty() ? nullptr : tls.cert_file.c_str(),
                          tls.key_file.empty() ? nullptr : tls.key_file.c_str(), nullptr);
    if (rc) {
      return fail("TLS setup (CA " +
                      (system_store ? "directory '" + tls.system_ca_directory + "'"
                                    : "'" + tls.ca_file + "'") +
                      ", certificate '" + tls.cert_file + "', key '" + tls.key_file + "')",
                  rc);
    }
    // Both are libmosquitto's defaults; set here so that no default can change under us.
    if (const int verify = mosquitto_tls_opts_set(mosq, 1 /* SSL_VERIFY_PEER */, nullptr, nullptr);
        verify) {
      return fail("TLS peer verification", verify);
    }
    if (const int insecure = mosquitto_tls_insecure_set(mosq, false); insecure) {
      return fail("TLS host name verification", insecure);
    }
  }
  mosquitto_connect_v5_callback_set(mosq, &Impl::on_connect);
  mosquitto_disconnect_v5_callback_set(mosq, &Impl::on_disconnect);
  mosquitto_publish_v5_callback_set(mosq, &Impl::on_publish);
  mosquitto_message_v5_callback_set(mosq, &Impl::on_message);
  mosquitto_log_callback_set(mosq, &Impl::on_log);
  return {};
}

Expected<std::unique_ptr<MqttClient>> MqttClient::create(asio::io_context& io,
                                                         MqttOptions options) {
  init_library_once();
  if (options.host.empty()) {
    return make_error(ErrorCode::invalid_argument, "MQTT host is empty");
  }
  if (options.keepalive.count() < 5 || options.keepalive.count() > 65535) {
    return make_error(ErrorCode::invalid_argument, "MQTT keepalive must be 5..65535 s, got " +
                                                       std::to_string(options.keepalive.count()));
  }
  if (options.max_in_flight < 1 || options.max_in_flight > 65535) {
    return make_error(ErrorCode::invalid_argument, "MQTT in-flight bound must be 1..65535, got " +
                                                       std::to_string(options.max_in_flight));
  }
  auto impl = std::make_unique<Impl>(io, std::move(options));
  const auto& opts = impl->options;
  if (!opts.clean_session && opts.client_id.empty()) {
    return make_error(ErrorCode::invalid_argument, "a persistent MQTT session needs a client id");
  }
  impl->mosq = mosquitto_new(opts.client_id.empty() ? nullptr : opts.client_id.c_str(),
                             opts.clean_session, impl.get());
  if (impl->mosq == nullptr) {
    return make_error(ErrorCode::invalid_argument, "cannot create MQTT client '" + opts.client_id +
                                                       "': " + std::strerror(errno));
  }
  auto client = std::unique_ptr<MqttClient>(new MqttClient(std::move(impl)));
  if (auto configured = client->impl_->configure(); !configured) return configured.error();
  return client;
}

MqttClient::MqttClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  impl_->owner = this;
}

MqttClient::~MqttClient() {
  *impl_->alive = false;
  impl_->misc_timer.cancel();
  impl_->reconnect_timer.cancel();
  impl_->connect_timer.cancel();
  impl_->release_socket();  // mosquitto_destroy closes the descriptor
  mosquitto_destroy(impl_->mosq);
}

std::string MqttClient::endpoint() const {
  return impl_->options.host + ":" + std::to_string(impl_->options.port);
}

void MqttClient::start() {
  if (impl_->started) return;
  impl_->started = true;
  impl_->stopping = false;
  impl_->tick();
  impl_->connect();
}

void MqttClient::stop() {
  auto& im = *impl_;
  im.stopping = true;
  im.started = false;
  im.misc_timer.cancel();
  im.reconnect_timer.cancel();
  im.connect_timer.cancel();
  im.resolver.cancel();
  if (mosquitto_socket(im.mosq) >= 0) {
    // Queues DISCONNECT; libmosquitto closes the socket once it is written, possibly right here.
    (void)mosquitto_disconnect(im.mosq);
    im.sync();
  }
}

namespace {
bool same_tls(const std::optional<MqttTls>& a, const std::optional<MqttTls>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->ca_file == b->ca_file && a->cert_file == b->cert_file &&
                a->key_file == b->key_file && a->system_ca_directory == b->system_ca_directory);
}
}  // namespace

Expected<void> MqttClient::reconnect_with(const MqttOptions& options) {
  auto& im = *impl_;
  if (options.host.empty()) return make_error(ErrorCode::invalid_argument, "MQTT host is empty");
  auto next = im.options;
  next.host = options.host;
  next.port = options.port;
  next.client_id = options.client_id;
  next.username = options.username;
  next.password = options.password;
  next.credentials_source = options.credentials_source;
  next.tls = options.tls;
  if (!next.clean_session && next.client_id.empty()) {
    return make_error(ErrorCode::invalid_argument, "a persistent MQTT session needs a client id");
  }
  // A new client id or new TLS settings take a fresh libmosquitto handle (it can change neither
  // on a handle in use); the rest is set on the handle in place.
  const bool fresh = next.client_id != im.options.client_id || !same_tls(next.tls, im.options.tls);
  const auto previous = im.options;
  const bool was_connected = connected_;
  if (fresh) im.release_socket();  // mosquitto_reinitialise closes it
  im.options = next;
  auto applied = [&]() -> Expected<void> {
    if (fresh) {
      const int rc =
          mosquitto_reinitialise(im.mosq, next.client_id.empty() ? nullptr : next.client_id.c_str(),
                                 next.clean_session, impl_.get());
      if (rc != MOSQ_ERR_SUCCESS) {
        return make_error(ErrorCode::invalid_argument,
                          "MQTT " + endpoint() + ": new client: " + mosquitto_error(rc));
      }
      im.discard_pending = false;
    } else if (next.username.empty()) {
      (void)mosquitto_username_pw_set(im.mosq, nullptr, nullptr);
    }
    return im.configure();
  }();
  if (!applied) {
    im.options = previous;
    if (fresh) {
      (void)mosquitto_reinitialise(
          im.mosq, previous.client_id.empty() ? nullptr : previous.client_id.c_str(),
          previous.clean_session, impl_.get());
    }
    (void)im.configure();
    if (fresh && was_connected) {
      connected_ = false;
      if (on_connection_) on_connection_(false);
      im.schedule_reconnect();
    }
    return applied.error();
  }
  refusal_.reset();
  last_connection_error_.reset();
  im.refusals = 0;
  im.refusals_not_logged = 0;
  im.last_refusal_log.reset();
  im.failures = 0;
  if (!im.started) return {};
  mqtt_log()->info("mqtt: moving the connection from {}:{} to {}", previous.host, previous.port,
                   endpoint());
  if (was_connected) {
    connected_ = false;
    // DISCONNECT to the old server (libmosquitto writes it and closes the socket right here).
    if (!fresh) {
      (void)mosquitto_disconnect(im.mosq);
      im.sync();  // its socket closed: asio lets go of it before the number is reused
    }
    if (on_connection_) on_connection_(false);
  }
  // Not the backoff the disconnect scheduled: the new settings are tried now.
  im.reconnect_timer.cancel();
  im.connect_timer.cancel();
  im.resolver.cancel();
  im.reconnect_pending = false;
  im.failures = 0;
  im.connect();
  return {};
}

void MqttClient::discard_in_flight() {
  auto& im = *impl_;
  im.discard_pending = true;
  if (!connected_) return;  // the next connection attempt starts afresh
  mqtt_log()->warn("mqtt {}: reconnecting to drop the messages given up on", endpoint());
  // Disconnected from now on for the caller too: nothing published before the reconnect could be
  // acknowledged. DISCONNECT goes out, the usual reconnect follows, connect_to() reinitialises.
  connected_ = false;
  closed_by_broker_ = false;
  (void)mosquitto_disconnect(im.mosq);
  im.sync();
  if (on_connection_) on_connection_(false);
}

Expected<int> MqttClient::publish(std::string_view topic, std::string_view payload, int qos) {
  if (!connected_) {
    return make_error(
        ErrorCode::protocol_state,
        "MQTT " + endpoint() + ": not connected, cannot publish to '" + std::string(topic) + "'");
  }
  if (payload.size() > static_cast<std::size_t>(INT_MAX)) {
    return make_error(ErrorCode::out_of_range, "MQTT payload too large");
  }
  int mid = 0;
  const std::string topic_text(topic);
  const int rc = mosquitto_publish(impl_->mosq, &mid, topic_text.c_str(),
                                   static_cast<int>(payload.size()), payload.data(), qos, false);
  impl_->sync();
  if (rc != MOSQ_ERR_SUCCESS) {
    return make_error(ErrorCode::protocol_state, "MQTT " + endpoint() + ": publish to '" +
                                                     topic_text + "': " + mosquitto_error(rc));
  }
  return mid;
}

Expected<void> MqttClient::subscribe(std::string_view filter, int qos) {
  if (mosquitto_sub_topic_check(std::string(filter).c_str()) != MOSQ_ERR_SUCCESS) {
    return make_error(ErrorCode::invalid_argument,
                      "'" + std::string(filter) + "' is not a valid MQTT topic filter");
  }
  impl_->subscriptions.emplace_back(std::string(filter), qos);
  if (connected_) {
    const int rc = mosquitto_subscribe(impl_->mosq, nullptr, std::string(filter).c_str(), qos);
    impl_->sync();
    if (rc != MOSQ_ERR_SUCCESS) {
      return make_error(ErrorCode::protocol_state, "MQTT " + endpoint() + ": subscribe '" +
                                                       std::string(filter) +
                                                       "': " + mosquitto_error(rc));
    }
  }
  return {};
}

}  // namespace dlmsgw::gateway
