#pragma once
// The connector plugin interface: the one header a connector (DLMS, Modbus, a test's synthetic one)
// implements to plug into the gateway core. It is the whole contract in both directions:
//
//   connector -> core  through GatewaySink (given to start()): readings and attributes, and which
//                      devices the connector serves.
//   core -> connector  through Connector: start/stop, RPC requests and shared-attribute updates for
//                      the devices it declared.
//
// Threading: every call in both directions happens on the gateway's asio loop thread. A connector
// that does blocking work runs it elsewhere and posts back to the loop before calling the sink.
//
// Delivery: submit() appends to durable storage before anything is sent to ThingsBoard; once it
// returns success, the gateway delivers the record even across broker outages and restarts (see
// docs/architecture.md, "Delivery guarantee"). A failure means the record was NOT stored (storage
// is stopping or the hand-off is full because the disk is slower than the meters): the connector
// may retry later or drop and count it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.hpp"
#include "gateway/reading.hpp"

namespace dlmsgw::gateway {

// What a connector gives the core. Owned by the core; valid from start() until stop() returns.
class GatewaySink {
 public:
  virtual ~GatewaySink() = default;

  // Stores one device's telemetry (then sends it). The device is declared implicitly with the
  // connector's default type if device_connected() was never called for it.
  virtual Expected<void> submit(Reading reading) = 0;
  // Stores one poll of one device: its readings, in the order read, each with the ts of its own
  // answer. They become one record (as many as it takes to fit a message of maxPayloadSizeBytes)
  // and several {ts, values} entries of one message, so that storage and uplink work are per poll,
  // not per value. All of them are stored or none.
  virtual Expected<void> submit_poll(std::vector<Reading> readings) = 0;
  // Stores client attributes of a device (then sends them).
  virtual Expected<void> submit(AttributeSet attributes) = 0;
  // submit() hands records to the storage thread; this calls `done` on the loop thread, never from
  // inside this call, once everything submitted for `device` before it is committed to storage, or
  // with an error when storage stopped first. A connector that keeps a cursor of what it delivered
  // (profile entries) advances it only then, so that a kill -9 never skips an entry.
  virtual void when_stored(std::string_view device, std::function<void(Expected<void>)> done) = 0;

  // The connector serves this device from now on: ThingsBoard creates it with this type (device
  // profile) and routes its RPCs and shared-attribute updates here. Idempotent; the core remembers
  // it across restarts and re-announces it after every reconnect.
  virtual void device_connected(std::string_view device, std::string_view type) = 0;
  // The connector no longer serves this device (removed from its configuration).
  virtual void device_disconnected(std::string_view device) = 0;
  // Instead of device_connected(): this device publishes as itself, with its own ThingsBoard
  // device token on the device API (v1/devices/me/telemetry), not as a child of the gateway, so
  // that it keeps its existing ThingsBoard device while meters move to the gateway one at a time.
  // Its submits go to a queue and MQTT connection of its own, with the same delivery guarantee.
  // Call it before submitting for the device. No RPCs or attribute updates reach it this way.
  virtual void device_uses_own_token(std::string_view device, std::string access_token) = 0;

  // Asks the platform for attributes of one of the connector's devices: its client attributes
  // (client_scope) or its shared ones, by key. `done` is called exactly once on the loop thread,
  // never from inside this call: with an object {"key":value,..} holding the keys the platform
  // knows (absent keys are left out), or with an error when not connected or when no answer came
  // within the gateway's RPC timeout. (v1/gateway/attributes/request and /response.)
  virtual void request_attributes(std::string_view device, std::vector<std::string> keys,
                                  bool client_scope,
                                  std::function<void(Expected<nlohmann::json>)> done) = 0;

  // Opens ThingsBoard's device claiming for `duration`: a user who knows secret_key can then take
  // the device into their customer account (v1/gateway/claim, or v1/devices/me/claim for a device
  // with its own token). Sent at once, not stored: a claim window that opens after a long outage
  // would surprise the user. Fails when not connected to ThingsBoard; the claim is then not sent.
  virtual Expected<void> claim(std::string_view device, std::string_view secret_key,
                               std::chrono::milliseconds duration) = 0;
};

// An RPC for one of the connector's devices: v1/gateway/rpc {"device":..,"data":{"id","method",
// "params"}}. The device name is the one the connector declared (a rename on the platform is
// translated back by the core).
struct RpcRequest {
  std::string device;
  std::int64_t id = 0;
  std::string method;
  nlohmann::json params;  // null when absent
  // When the core answers ThingsBoard with a timeout (now + rpc_timeout, set by the router): a
  // request that changes the meter (SET, ACTION) and has not started by then is dropped, never
  // sent, since the operator was told it failed and may retry. None: no deadline.
  std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt;
};

// The result of an RPC: a JSON value sent back as the reply's "data", or an Error sent as
// {"error": message}. Call it exactly once, on the loop thread, possibly after the request
// returned (a meter read takes hundreds of ms). An unknown method is ErrorCode::unsupported.
// After the gateway's RPC timeout (GatewayOptions::rpc_timeout, 30 s by default) the core has
// already answered with an error: a later call is logged and dropped.
using RpcReply = std::function<void(Expected<nlohmann::json>)>;

class Connector {
 public:
  virtual ~Connector() = default;

  // Unique among the gateway's connectors (tb_gateway.yaml connectors[].name): owner of devices,
  // label of statistics.
  [[nodiscard]] virtual std::string_view name() const = 0;
  // The connector's type as tb_gateway.yaml names it ("dlms"): gateway RPCs "<type>_<method>"
  // reach connectors of this type. Empty: none do.
  [[nodiscard]] virtual std::string_view type() const { return {}; }
  // Errors since start (failed reads, failed connects): the statistics' <name>_ERRORS_COUNT.
  [[nodiscard]] virtual std::uint64_t error_count() const { return 0; }

  // Begins work on the loop (connect to meters, schedule polls). Must not block.
  virtual void start(GatewaySink& sink) = 0;
  // Ends work; no sink call may follow. Called before the core stops storage.
  virtual void stop() = 0;
  // A reload (SIGHUP): takes over the configuration of `replacement`, a connector of the same name
  // built from the files read again and never started, in place, so that whatever did not change
  // keeps running undisturbed (open sessions, counters, trace state), and declares again through
  // `sink` (the one start() was given) every device it serves from now on. False: it cannot (the
  // default), and the core stops it and starts `replacement` instead.
  virtual bool reconfigure(Connector& replacement, GatewaySink& sink) {
    (void)replacement;
    (void)sink;
    return false;
  }

  // A device RPC for a device this connector declared.
  virtual void handle_rpc(RpcRequest request, RpcReply reply) = 0;
  // Shared attributes of a device changed on the platform ({"key":value,..}; removed keys come as
  // {"deleted":["key",..]}). No reply.
  virtual void handle_attribute_update(std::string_view device, const nlohmann::json& values) = 0;
};

}  // namespace dlmsgw::gateway
