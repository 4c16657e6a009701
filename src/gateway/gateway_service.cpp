#include "gateway/gateway_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <utility>

#include "gateway/component_logger.hpp"
#include "gateway/process_usage.hpp"
#include "gateway/storage/memory_queue.hpp"
#include "gateway/uplink/bounded_json.hpp"
#include "gateway/uplink/gateway_topic.hpp"
#include "gateway/values_json.hpp"

namespace dlmsgw::gateway {
namespace {
// This file's log lines belong to the "gateway" component (tb_gateway.yaml logging.levels).
std::shared_ptr<spdlog::logger> log() {
  return component_logger("gateway");
}

std::string dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Record to_record(const Reading& reading, std::string device) {
  return Record{RecordKind::telemetry, std::move(device), reading.ts, values_json(reading.values)};
}

std::vector<Record> to_records(const std::vector<Reading>& readings, const std::string& device,
                               std::size_t max_payload_bytes) {
  std::vector<Record> records;
  if (readings.empty()) return records;
  const bool one_ts = std::all_of(readings.begin(), readings.end(), [&](const Reading& reading) {
    return reading.ts == readings.front().ts;
  });
  if (one_ts) {
    Reading merged{readings.front().device, readings.front().ts, {}};
    for (const auto& reading : readings) {
      merged.values.insert(merged.values.end(), reading.values.begin(), reading.values.end());
    }
    records.push_back(to_record(merged, device));
    return records;
  }
  // {"<device>":[entries]}: what a record of these entries costs in a message besides them.
  const std::size_t overhead = dump(nlohmann::json(device)).size() + 5;
  struct Entry {
    const Reading* reading;
    std::string text;  // {"ts":..,"values":{..}}
  };
  std::vector<Entry> chunk;
  std::size_t chunk_bytes = 0;  // the entries and the commas between them
  const auto emit = [&] {
    if (chunk.size() == 1) {
      records.push_back(to_record(*chunk.front().reading, device));
    } else {
      std::string payload = "[";
      for (std::size_t i = 0; i < chunk.size(); ++i) {
        if (i > 0) payload += ',';
        payload += chunk[i].text;
      }
      payload += ']';
      records.push_back(Record{RecordKind::telemetry_series, device, chunk.front().reading->ts,
                               std::move(payload)});
    }
    chunk.clear();
    chunk_bytes = 0;
  };
  for (const auto& reading : readings) {
    std::string entry =
        "{\"ts\":" + std::to_string(reading.ts.time_since_epoch().count()) + ",\"values\":";
    append_values_json(entry, reading.values);
    entry += '}';
    const std::size_t with = chunk_bytes + (chunk.empty() ? 0 : 1) + entry.size();
    if (!chunk.empty() && overhead + with > max_payload_bytes) emit();
    chunk_bytes += (chunk.empty() ? 0 : 1) + entry.size();
    chunk.push_back({&reading, std::move(entry)});
  }
  emit();
  return records;
}

Record to_record(const AttributeSet& attributes, std::string device) {
  return Record{RecordKind::attributes, std::move(device), Timestamp{},
                values_json(attributes.values)};
}

// The GatewaySink one connector gets: it knows the connector's name, so the core knows who owns
// what is declared and submitted.
class GatewayService::Sink final : public GatewaySink {
 public:
  Sink(GatewayService& service, std::string connector)
      : service_(service), connector_(std::move(connector)) {}

  Expected<void> submit(Reading reading) override {
    if (service_.direct_devices_.count({connector_, reading.device}) != 0) {
      auto record = to_record(reading, reading.device);
      return store_direct(reading.device, {std::move(record)},
                          service_.counters_[connector_].readings);
    }
    // Declared (announced) even when storage refuses its readings, as before the check existed.
    auto device = service_.platform_name(connector_, reading.device);
    DLMSGW_TRY(refuse_unless_room(1));
    return store({to_record(reading, std::move(device))}, service_.counters_[connector_].readings);
  }

  Expected<void> submit_poll(std::vector<Reading> readings) override {
    std::erase_if(readings, [](const Reading& reading) { return reading.values.empty(); });
    if (readings.empty()) return {};
    const std::string local = readings.front().device;
    for (const auto& reading : readings) {
      if (reading.device != local) {
        return make_error(ErrorCode::invalid_argument,
                          "connector '" + connector_ + "': one poll holds readings of devices '" +
                              local + "' and '" + reading.device + "'; submit each device's apart");
      }
    }
    const std::size_t max_bytes = service_.uplink_->limits().max_payload_bytes;
    auto& counter = service_.counters_[connector_].readings;
    if (service_.direct_devices_.count({connector_, local}) != 0) {
      return store_direct(local, to_records(readings, local, max_bytes), counter, readings.size());
    }
    const auto device = service_.platform_name(connector_, local);
    DLMSGW_TRY(refuse_unless_room(readings.size()));
    return store(to_records(readings, device, max_bytes), counter, readings.size());
  }

  Expected<void> submit(AttributeSet attributes) override {
    if (service_.direct_devices_.count({connector_, attributes.device}) != 0) {
      auto record = to_record(attributes, attributes.device);
      return store_direct(attributes.device, {std::move(record)},
                          service_.counters_[connector_].attributes);
    }
    auto device = service_.platform_name(connector_, attributes.device);
    return store({to_record(attributes, std::move(device))},
                 service_.counters_[connector_].attributes);
  }

  void when_stored(std::string_view device, std::function<void(Expected<void>)> done) override {
    if (service_.direct_devices_.count({connector_, std::string(device)}) != 0) {
      if (auto* direct = service_.direct_for(connector_, std::string(device))) {
        direct->when_stored(std::move(done));
        return;
      }
    }
    service_.storage_.async_flush(std::move(done));
  }

  void device_connected(std::string_view device, std::string_view type) override {
    declared_.emplace(device);
    service_.declare(connector_, device, type);
  }

  void device_uses_own_token(std::string_view device, std::string access_token) override {
    declared_.emplace(device);
    service_.use_own_token(connector_, device, std::move(access_token));
  }

  void device_disconnected(std::string_view device) override {
    const auto* entry = service_.registry_.find_local(connector_, device);
    if (entry == nullptr) return;
    const std::string name = entry->name;
    (void)service_.uplink_->publish_now(encode_disconnect(name));
    if (auto removed = service_.registry_.remove(name); !removed) {
      log()->error("{}", removed.error().message);
    }
  }

  void request_attributes(std::string_view device, std::vector<std::string> keys, bool client_scope,
                          std::function<void(Expected<nlohmann::json>)> done) override {
    service_.router_->request_attributes(service_.platform_name(connector_, std::string(device)),
                                         std::move(keys), client_scope, std::move(done));
  }

  Expected<void> claim(std::string_view device, std::string_view secret_key,
                       std::chrono::milliseconds duration) override {
    const std::string local(device);
    bool sent = false;
    if (service_.direct_devices_.count({connector_, local}) != 0) {
      auto* direct = service_.direct_for(connector_, local);
      sent = direct != nullptr &&
             direct->publish_now(encode_device_claim(secret_key, duration.count()));
    } else {
      sent = service_.uplink_->publish_now(
          encode_claim(service_.platform_name(connector_, local), secret_key, duration.count()));
    }
    if (!sent) {
      return make_error(
          ErrorCode::connection_closed,
          "device '" + local + "': claim not sent, not connected to ThingsBoard (try again later)");
    }
    return {};
  }

 private:
  // `counter` counts what the connector submitted (readings, attribute sets): `count` of them.
  Expected<void> store_direct(const std::string& device, std::vector<Record> records,
                              std::uint64_t& counter, std::size_t count = 1) {
    auto* direct = service_.direct_for(connector_, device);
    const std::size_t record_count = records.size();
    Expected<void> stored =
        direct != nullptr
            ? direct->submit(std::move(records))
            : Expected<void>(make_error(
                  ErrorCode::rejected,
                  "device '" + device + "' cannot publish with its own token (see the log)"));
    if (!stored) {
      service_.counters_[connector_].store_failures += count;
      service_.report_loss("of device '" + device + "' (own token) not stored", count,
                           stored.error().message);
      return stored;
    }
    counter += count;
    service_.counters_[connector_].records += record_count;
    return {};
  }

  Expected<void> store(std::vector<Record> records, std::uint64_t& counter, std::size_t count = 1) {
    const std::size_t record_count = records.size();
    auto stored = service_.storage_.append(std::move(records));
    if (!stored) return not_stored(stored.error(), count);
    counter += count;
    service_.counters_[connector_].records += record_count;
    service_.uplink_->notify();
    return {};
  }

  // `count` readings storage refused, counted and reported as lost.
  Expected<void> not_stored(Error error, std::size_t count) {
    service_.counters_[connector_].store_failures += count;
    service_.report_loss("of connector '" + connector_ + "' not stored", count, error.message);
    return error;
  }

  // Readings storage would refuse now (its hand-off full under a flood) are refused before they
  // are encoded: a refused reading then costs a lock, not its JSON (bench_uplink's overload).
  // At least one record: what a poll of `count` readings takes.
  Expected<void> refuse_unless_room(std::size_t count) {
    auto room = service_.storage_.room_for(1);
    if (room) return {};
    return not_stored(
        make_error(room.error().code,
                   room.error().message + "; " + std::to_string(count) + " readings not stored"),
        count);
  }

  GatewayService& service_;
  std::string connector_;

 public:
  [[nodiscard]] const std::string& connector() const { return connector_; }
  // Local names this connector declared (replace_connectors: who is still served).
  [[nodiscard]] bool declared(const std::string& device) const { return declared_.count(device); }
  // A reload: the connector declares again what it serves from now on.
  std::set<std::string, std::less<>> take_declared() { return std::exchange(declared_, {}); }
  void restore_declared(std::set<std::string, std::less<>> declared) {
    declared_ = std::move(declared);
  }

 private:
  std::set<std::string, std::less<>> declared_;
};

Expected<std::unique_ptr<GatewayService>> GatewayService::create(asio::io_context& io,
                                                                 StorageService& storage,
                                                                 GatewayOptions options) {
  // libmosquitto's in-flight bound follows the uplink's window (its queue beyond it is unbounded).
  options.mqtt.max_in_flight = in_flight_bound(options.uplink);
  DLMSGW_TRY_ASSIGN(auto client, MqttClient::create(io, options.mqtt));
  DLMSGW_TRY_ASSIGN(auto registry, DeviceRegistry::open(options.registry_file));
  return std::unique_ptr<GatewayService>(
      new GatewayService(io, storage, std::move(options), std::move(client), std::move(registry)));
}

GatewayService::GatewayService(asio::io_context& io, StorageService& storage,
                               GatewayOptions options, std::unique_ptr<MqttClient> client,
                               DeviceRegistry registry)
    : io_(io),
      storage_(storage),
      options_(std::move(options)),
      client_(std::move(client)),
      registry_(std::move(registry)),
      stats_timer_(io),
      sweep_timer_(io),
      losses_(options_.loss_summary_interval),
      loss_timer_(io) {
  // Kept as text, the tree released: with the connector files in it, a tree costs kilobytes per
  // meter.
  merge_dumped(client_attributes_, options_.client_attributes);
  options_.client_attributes = nlohmann::json::object();
  options_.uplink.current_device_name = [this](const std::string& stored_name) {
    return registry_.current_name(stored_name);
  };
  uplink_ = std::make_unique<UplinkService>(io_, storage_, *client_, options_.uplink);
  (void)drop_unsendable(client_attributes_);
  router_ = std::make_unique<RpcRouter>(
      io_, registry_,
      [this](const OutgoingMessage& message) {
        if (!uplink_->publish_now(message)) {
          if (!client_->connected()) {
            log()->warn("reply on '{}' lost: not connected to ThingsBoard", message.topic);
          }
          return false;
        }
        return true;
      },
      options_.rpc_timeout);
  router_->limit_replies([this] { return uplink_->limits().max_payload_bytes; });
  register_gateway_methods();
}

GatewayService::~GatewayService() {
  *alive_ = false;
  stop();
}

std::vector<Connector*> GatewayService::connectors() const {
  std::vector<Connector*> running;
  running.reserve(connectors_.size());
  for (const auto& connector : connectors_) running.push_back(connector.get());
  return running;
}

Expected<void> GatewayService::add_connector(std::unique_ptr<Connector> connector) {
  const std::string name(connector->name());
  for (const auto& existing : connectors_) {
    if (existing->name() == name) {
      return make_error(ErrorCode::invalid_argument,
                        "two connectors are named '" + name + "'; names must be unique");
    }
  }
  router_->add_connector(*connector);
  counters_[name];
  sinks_.push_back(std::make_unique<Sink>(*this, name));
  connectors_.push_back(std::move(connector));
  return {};
}

void GatewayService::start() {
  if (started_) return;
  started_ = true;
  client_->on_connection([this](bool connected) { on_connection(connected); });
  client_->on_publish([this](int mid, const Expected<void>& outcome) {
    if (!uplink_->on_puback(mid, outcome) && !outcome) {
      log()->warn("{}", outcome.error().message);
    }
  });
  client_->on_message(
      [this](std::string_view topic, std::string_view payload) { on_message(topic, payload); });
  // A refusal is logged by the client itself (at most once a minute) and shown by /health.
  for (const auto filter :
       {topic::gateway_rpc, topic::gateway_attributes, topic::gateway_attributes_response,
        topic::device_attributes, topic::device_rpc_request_filter}) {
    if (auto subscribed = client_->subscribe(filter); !subscribed) {
      log()->error("{}", subscribed.error().message);
    }
  }
  (void)client_->subscribe(std::string(topic::device_rpc_response_prefix) + "+");
  (void)client_->subscribe(std::string(topic::device_attributes_response_prefix) + "+");
  client_->start();
  uplink_->start();
  for (auto& [token, direct] : direct_) direct->start();
  for (std::size_t i = 0; i < connectors_.size(); ++i) connectors_[i]->start(*sinks_[i]);
  sweep_direct_store();
  schedule_statistics();
}

void GatewayService::stop() {
  if (!started_) return;
  started_ = false;
  for (auto& connector : connectors_) connector->stop();
  stats_timer_.cancel();
  sweep_timer_.cancel();
  sweep_pending_ = false;
  loss_timer_.cancel();
  loss_timer_at_.reset();
  for (auto& [token, direct] : direct_) direct->stop();
  uplink_->stop();
  client_->stop();
}

Expected<void> GatewayService::replace_connectors(
    std::vector<std::unique_ptr<Connector>> connectors) {
  std::set<std::string, std::less<>> names;
  for (const auto& connector : connectors) {
    if (!names.emplace(connector->name()).second) {
      return make_error(ErrorCode::invalid_argument, "two connectors are named '" +
                                                         std::string(connector->name()) +
                                                         "'; names must be unique");
    }
  }
  // Who the old connectors served, by (connector, local name): a renamed device keeps its
  // platform name if a new connector of the same name declares it again.
  std::vector<std::pair<std::string, std::string>> served;
  for (const auto& entry : registry_.devices()) {
    for (const auto& sink : sinks_) {
      if (sink->connector() == entry.connector)
        served.emplace_back(entry.connector, entry.local_name);
    }
  }
  auto old_connectors = std::move(connectors_);
  auto old_sinks = std::move(sinks_);
  connectors_.clear();
  sinks_.clear();
  // A running connector of the same name takes the new configuration in place when it can, so
  // that its unchanged devices are not disturbed; the replacement it took from is never started.
  std::vector<std::unique_ptr<Connector>> retired;
  std::vector<std::unique_ptr<Connector>> fresh;
  for (auto& connector : connectors) {
    const auto running =
        std::find_if(old_connectors.begin(), old_connectors.end(),
                     [&](const auto& old) { return old && old->name() == connector->name(); });
    if (started_ && running != old_connectors.end()) {
      auto& sink = old_sinks[static_cast<std::size_t>(running - old_connectors.begin())];
      auto declared = sink->take_declared();
      if ((*running)->reconfigure(*connector, *sink)) {
        connectors_.push_back(std::move(*running));
        sinks_.push_back(std::move(sink));
        retired.push_back(std::move(connector));
        continue;
      }
      sink->restore_declared(std::move(declared));
    }
    fresh.push_back(std::move(connector));
  }
  for (auto& connector : old_connectors) {
    if (!connector) continue;
    if (started_) connector->stop();
    router_->remove_connector(connector->name());
    retired.push_back(std::move(connector));
  }
  const std::size_t first_fresh = connectors_.size();
  for (auto& connector : fresh) {
    // Names are unique and no other connector has this one: this cannot fail.
    (void)add_connector(std::move(connector));
  }
  if (started_) {
    for (std::size_t i = first_fresh; i < connectors_.size(); ++i) {
      connectors_[i]->start(*sinks_[i]);
    }
  }
  for (const auto& [connector, device] : served) {
    const bool still_served = std::any_of(sinks_.begin(), sinks_.end(), [&](const auto& sink) {
      return sink->connector() == connector && sink->declared(device);
    });
    if (still_served) continue;
    // Any sink of that connector's name speaks for it: the old one, or the one it kept.
    for (const auto* sinks : {&old_sinks, &sinks_}) {
      const auto owner = std::find_if(sinks->begin(), sinks->end(), [&](const auto& sink) {
        return sink && sink->connector() == connector;
      });
      if (owner != sinks->end()) {
        (*owner)->device_disconnected(device);
        break;
      }
    }
  }
  // Destroyed once the handlers their stop() cancelled have run, not under them.
  asio::post(io_, [retired = std::move(retired), sinks = std::move(old_sinks)] {});
  return {};
}

void GatewayService::on_connection(bool connected) {
  if (!connected) {
    uplink_->on_disconnected();
    return;
  }
  if (connections_++ > 0) ++reconnects_;
  // Before any stored data: ThingsBoard must know the device's type when its telemetry arrives.
  for (const auto& entry : registry_.devices()) announce(entry, Pacing::paced);
  publish_client_attributes(client_attributes_);
  std::vector<std::string> unsendable;
  for (const auto& [key, size] : unsendable_attributes_) unsendable.push_back(key);
  warn_unsendable(unsendable);
  if (connections_ == 1) {
    const auto machine =
        read_machine_facts(options_.registry_file.empty() ? std::filesystem::path("/")
                                                          : options_.registry_file.parent_path());
    // As the Python gateway writes them (psutil's bytes2human): the page shows them as text.
    publish_client_attributes(
        nlohmann::json{{"totalMemory", human_bytes(machine.total_memory_bytes)},
                       {"totalDisk", human_bytes(machine.total_disk_bytes)},
                       {"cpuCount", machine.cpu_count}});
  }
  if (!options_.shared_keys.empty()) (void)request_shared_attributes(options_.shared_keys);
  uplink_->on_connected();
}

bool GatewayService::request_shared_attributes(const std::vector<std::string>& keys) {
  if (!client_->connected() || keys.empty()) return false;
  std::string joined;
  for (const auto& key : keys) joined += (joined.empty() ? "" : ",") + key;
  return uplink_->publish_now({std::string(topic::device_attributes_request_prefix) +
                                   std::to_string(++attribute_request_id_),
                               dump(nlohmann::json{{"sharedKeys", joined}})});
}

bool GatewayService::publish_gateway_telemetry(const nlohmann::json& telemetry) {
  if (!client_->connected()) return false;
  return uplink_->publish_now({std::string(topic::device_telemetry), dump(telemetry)});
}

void GatewayService::on_own_attributes(std::string_view payload, bool response) {
  if (!response) {
    const auto now = std::chrono::steady_clock::now();
    while (!published_attributes_.empty() &&
           now - published_attributes_.front().first > std::chrono::seconds(3)) {
      published_attributes_.pop_front();
    }
    const auto echo = std::find_if(published_attributes_.begin(), published_attributes_.end(),
                                   [&](const auto& sent) { return sent.second == payload; });
    if (echo != published_attributes_.end()) {
      published_attributes_.erase(echo);
      return;  // our own client attributes, echoed by a plain broker
    }
  }
  auto message = parse_bounded_json(payload);
  if (!message || !message->is_object()) {
    on_malformed(response ? topic::device_attributes_response_prefix : topic::device_attributes,
                 payload,
                 message ? Error{ErrorCode::malformed, "gateway attributes: not a JSON object"}
                         : message.error());
    return;
  }
  if (!options_.on_shared_attributes) return;
  if (!response) {
    options_.on_shared_attributes(*message);
    return;
  }
  // An answer: {"shared":{..}} (nothing at all when none of the keys is set).
  const auto shared = message->find("shared");
  if (shared != message->end() && shared->is_object() && !shared->empty()) {
    options_.on_shared_attributes(*shared);
  }
}

Expected<void> GatewayService::reconnect_with(const MqttOptions& mqtt) {
  // A new session may come with a new libmosquitto handle whose message ids start at 1 again: a
  // PUBACK of the new session must never be taken for a message of the old window (its records
  // would be removed undelivered).
  uplink_->restart_session("connection settings changed");
  DLMSGW_TRY(client_->reconnect_with(mqtt));
  // What reconnect_with takes; the rest (timings, in-flight bound, version) stays.
  auto& now = options_.mqtt;
  now.host = mqtt.host;
  now.port = mqtt.port;
  now.client_id = mqtt.client_id;
  now.username = mqtt.username;
  now.password = mqtt.password;
  now.credentials_source = mqtt.credentials_source;
  now.tls = mqtt.tls;
  for (auto& [token, direct] : direct_) {
    const auto& device = direct->device();
    const auto options = direct_mqtt(device, direct->key(), token);
    if (auto moved = direct->reconnect_with(options); !moved) {
      log()->error("device '{}' (own token): stays on its connection: {}", device,
                   moved.error().message);
    }
  }
  return {};
}

void GatewayService::update_client_attributes(const nlohmann::json& attributes) {
  DumpedAttributes update;
  merge_dumped(update, attributes);
  const auto dropped = drop_unsendable(update);
  // The value it replaces is not sent again either.
  for (const auto& key : dropped) client_attributes_.erase(key);
  if (client_->connected()) {
    publish_client_attributes(update);
    warn_unsendable(dropped);
  }
  for (auto& [key, text] : update) client_attributes_.insert_or_assign(key, std::move(text));
}

std::vector<std::string> GatewayService::drop_unsendable(DumpedAttributes& attributes) {
  const auto limit = uplink_->limits().max_payload_bytes;
  std::vector<std::string> dropped;
  for (auto it = attributes.begin(); it != attributes.end();) {
    // As encode_dumped_gateway_attributes sends it: {"key":value}. A value left unbuilt for its
    // size (a connector file over the limit alone) counts at that size.
    const auto unbuilt = unsendable_attribute_bytes(it->second);
    const auto size = nlohmann::json(it->first)
                          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                          .size() +
                      1 + unbuilt.value_or(it->second.size());
    if (size + 2 <= limit && !unbuilt) {
      unsendable_attributes_.erase(it->first);
      ++it;
      continue;
    }
    unsendable_attributes_.insert_or_assign(it->first, size + 2);
    dropped.push_back(it->first);
    it = attributes.erase(it);
  }
  return dropped;
}

void GatewayService::warn_unsendable(const std::vector<std::string>& keys) const {
  const auto limit = uplink_->limits().max_payload_bytes;
  for (const auto& key : keys) {
    const auto found = unsendable_attributes_.find(key);
    if (found == unsendable_attributes_.end()) continue;
    log()->warn(
        "client attribute '{}' alone is over maxPayloadSizeBytes ({} bytes for {}): not sent, so "
        "ThingsBoard's gateway page does not show it",
        key, found->second, limit);
  }
}

void GatewayService::publish_client_attributes(const nlohmann::json& attributes) {
  DumpedAttributes dumped;
  merge_dumped(dumped, attributes);
  publish_client_attributes(dumped);
}

void GatewayService::publish_client_attributes(const DumpedAttributes& attributes) {
  if (attributes.empty()) return;
  const auto limit = uplink_->limits().max_payload_bytes;
  auto split = encode_dumped_gateway_attributes(attributes, limit);
  for (const auto& message : split.messages) {
    published_attributes_.emplace_back(std::chrono::steady_clock::now(), message.payload);
    if (published_attributes_.size() > 64) published_attributes_.pop_front();
    (void)uplink_->publish_now(message);
  }
  for (const auto& key : split.left_out) {
    log()->warn(
        "client attribute '{}' alone is over maxPayloadSizeBytes ({}): not sent, so ThingsBoard's "
        "gateway page does not show it",
        key, limit);
  }
}

void GatewayService::announce(const DeviceEntry& entry, Pacing pacing) {
  // A new device at once, before its first telemetry (ThingsBoard must know its type then); the
  // re-announcement of every known device after a connect paced under the message limit.
  if (pacing == Pacing::paced) {
    uplink_->publish_paced(encode_connect(entry.name, entry.type));
  } else {
    (void)uplink_->publish_now(encode_connect(entry.name, entry.type));
  }
  // The Gateways page lists a device under the connector these attributes name. The platform
  // keeps client attributes: once per device and connector is enough, not on every reconnect.
  std::string type;
  for (const auto& connector : connectors_) {
    if (connector->name() == entry.connector) type = std::string(connector->type());
  }
  if (!options_.connector_attributes) return;
  const auto sent = connector_attributes_sent_.find(entry.name);
  if (sent != connector_attributes_sent_.end() && sent->second == entry.connector) return;
  if (uplink_->publish_now(encode_child_client_attributes(
          entry.name, {{"connectorType", type}, {"connectorName", entry.connector}}))) {
    connector_attributes_sent_[entry.name] = entry.connector;
  }
}

void GatewayService::declare(const std::string& connector, std::string_view local_name,
                             std::string_view type) {
  // A device that had its own token (a reload removed it): a gateway child from now on, and what
  // the shared store still holds under its key joins the gateway's queue under its name there.
  const auto left_over = end_own_token(connector, std::string(local_name));
  auto added = registry_.add(local_name, type, connector);
  if (!added) {
    // The registry file could not be written: the device still works until the next restart.
    log()->error("{}", added.error().message);
  }
  if (!added || *added) {
    if (const auto* entry = registry_.find_local(connector, local_name)) {
      announce(*entry, Pacing::at_once);
    }
  }
  if (!left_over) return;
  const auto* entry = registry_.find_local(connector, local_name);
  const std::string name = entry != nullptr ? entry->name : std::string(local_name);
  log()->info(
      "device '{}' has no access token of its own any more: it publishes through the gateway",
      name);
  // After what it submitted is committed there (a round of the storage thread commits at most one
  // transaction), so that nothing of it is left behind.
  if (StorageService* direct = direct_storage()) {
    if (moving_.count(*left_over) != 0) return;  // one mover per key
    moving_.insert(*left_over);
    direct->async_flush([this, key = *left_over, name, alive = alive_](const Expected<void>&) {
      if (*alive) move_to_gateway(key, name);
    });
  }
}

void GatewayService::move_to_gateway(std::string key, std::string name) {
  StorageService* direct = direct_storage();
  if (direct == nullptr) return;
  // The device has its own token again (a later reload): its own reader sends them.
  if (std::any_of(direct_.begin(), direct_.end(),
                  [&key](const auto& uplink) { return uplink.second->key() == key; })) {
    moving_.erase(key);
    return;
  }
  moving_.insert(key);
  constexpr std::size_t kChunk = 1'000;
  direct->async_peek_device_after(
      key, RecordId{}, kChunk, UINT64_MAX,
      [this, direct, key, name, alive = alive_](Expected<std::vector<StoredRecord>> chunk) mutable {
        if (!*alive) return;
        if (!chunk) {
          log()->error(
              "device '{}': moving what it left in the store of devices with their own token to "
              "the gateway's: {}",
              name, chunk.error().message);
          moving_.erase(key);
          retry_sweep();
          return;
        }
        if (chunk->empty()) {
          moving_.erase(key);
          return;
        }
        std::vector<Record> records;
        std::vector<RecordId> ids;
        for (auto& stored : *chunk) {
          ids.push_back(stored.id);
          records.push_back(std::move(stored.record));
          records.back().device = name;
        }
        if (auto stored = storage_.append(std::move(records)); !stored) {
          log()->error(
              "device '{}': moving what it left in the store of devices with their own token to "
              "the gateway's: {}; they stay in "
              "the store of devices with their own token (tried again later)",
              name, stored.error().message);
          moving_.erase(key);
          retry_sweep();
          return;
        }
        // Committed in the gateway's queue before removed from the shared store: a crash
        // repeats records, never loses one.
        storage_.async_flush([this, direct, key = std::move(key), name = std::move(name),
                              ids = std::move(ids), alive](Expected<void> flushed) mutable {
          if (!*alive) return;
          if (!flushed) {
            log()->error(
                "device '{}': moving what it left in the store of devices with their own token to "
                "the gateway's: {}",
                name, flushed.error().message);
            moving_.erase(key);
            retry_sweep();
            return;
          }
          const std::size_t count = ids.size();
          direct->async_remove(std::move(ids), [this, key = std::move(key), name = std::move(name),
                                                count, alive](Expected<void> removed) mutable {
            if (!*alive) return;
            if (!removed) {
              log()->error("device '{}': {}", name, removed.error().message);
              moving_.erase(key);
              retry_sweep();
              return;
            }
            log()->info(
                "device '{}': {} records it left in the store of devices with their own token now "
                "wait "
                "in the gateway's",
                name, count);
            uplink_->notify();
            move_to_gateway(std::move(key), std::move(name));
          });
        });
      });
}

void GatewayService::sweep_direct_store() {
  sweep_pending_ = false;
  if (direct_storage_ == nullptr && options_.direct_store_present &&
      !options_.direct_store_present()) {
    return;
  }
  StorageService* direct = direct_storage();
  if (direct == nullptr) return;  // logged
  direct->async_device_counts(
      [this, alive = alive_](Expected<std::map<std::string, std::uint64_t>> counts) {
        if (!*alive || !started_) return;
        if (!counts) {
          log()->error("storage of the devices with their own token: {}", counts.error().message);
          retry_sweep();
          return;
        }
        for (const auto& [key, count] : *counts) sweep_key(key, count);
      });
}

void GatewayService::sweep_key(const std::string& key, std::uint64_t count) {
  if (moving_.count(key) != 0) return;
  for (const auto& [token, direct] : direct_) {
    if (direct->key() == key) {
      direct->notify();  // its own reader sends them
      return;
    }
  }
  const std::string local(direct_store_device(key));
  // A gateway child this run's connectors declared (not the registry file alone: it remembers
  // devices no longer configured).
  const auto child = [&](const std::string& connector) -> const DeviceEntry* {
    for (std::size_t i = 0; i < connectors_.size(); ++i) {
      if (connectors_[i]->name() != connector || !sinks_[i]->declared(local)) continue;
      if (direct_devices_.count({connector, local}) != 0) return nullptr;
      return registry_.find_local(connector, local);
    }
    return nullptr;
  };
  if (local != key) {
    const std::string connector = key.substr(0, key.size() - local.size() - 1);
    if (const auto* entry = child(connector)) {
      log()->info(
          "device '{}': {} records it left in the store of devices with their own token "
          "move to the gateway's queue",
          entry->name, count);
      move_to_gateway(key, entry->name);
      return;
    }
  } else {
    // An older version's records, stored under the device name: to that device's key when one
    // device of that name has its own token, else to the gateway child of that name.
    std::vector<DirectDeviceUplink*> owners;
    for (const auto& [device, token] : direct_devices_) {
      const auto found = direct_.find(token);
      if (device.second == local && found != direct_.end()) owners.push_back(found->second.get());
    }
    if (owners.size() == 1) {
      DirectDeviceUplink* owner = owners.front();
      rekey(key, owner->key());
      return;
    }
    for (const auto& connector : connectors_) {
      if (const auto* entry = child(std::string(connector->name()))) {
        move_to_gateway(key, entry->name);
        return;
      }
    }
  }
  if (!sweep_warned_.insert(key).second) return;
  const std::string connector = local != key ? key.substr(0, key.size() - local.size() - 1) : "";
  log()->warn(
      "storage of the devices with their own token: {} records of device '{}'{} wait for a "
      "device of that name to be configured again (with its deviceToken, or through the "
      "gateway); until then they expire after storage.messages_ttl_in_days or are dropped first "
      "when storage.max_records_count is reached",
      count, local, connector.empty() ? "" : " (connector '" + connector + "')");
}

void GatewayService::rekey(const std::string& key, const std::string& to) {
  StorageService* direct = direct_storage();
  if (direct == nullptr) return;
  moving_.insert(key);
  // One chunk per job: other devices' reads and appends go on between them.
  direct->async_move_device(
      key, to, [this, key, to, alive = alive_](Expected<std::uint64_t> moved) {
        if (!*alive) return;
        if (!moved) {
          moving_.erase(key);
          log()->error("device '{}': taking over the records an older version stored: {}", key,
                       moved.error().message);
          retry_sweep();
          return;
        }
        for (const auto& [token, uplink] : direct_) {
          if (uplink->key() == to) uplink->notify();
        }
        if (*moved == 0) {
          moving_.erase(key);
          return;
        }
        rekey(key, to);
      });
}

void GatewayService::retry_sweep() {
  if (sweep_pending_ || !started_) return;
  sweep_pending_ = true;
  sweep_timer_.expires_after(options_.direct_sweep_retry);
  sweep_timer_.async_wait([this, alive = alive_](std::error_code ec) {
    if (!*alive || ec) return;
    sweep_direct_store();
  });
}

StorageService* GatewayService::direct_storage() {
  if (direct_storage_) return direct_storage_.get();
  auto queue = options_.direct_store
                   ? options_.direct_store()
                   : Expected<std::unique_ptr<RecordQueue>>(std::make_unique<MemoryQueue>());
  if (!queue) {
    log()->error("storage of the devices with their own token: {}", queue.error().message);
    return nullptr;
  }
  StorageServiceOptions storage_options;
  storage_options.on_error = [this](const Error& error) {
    log()->error("storage of the devices with their own token: {}", error.message);
    // /health shows it as it shows the gateway's store's.
    if (options_.on_direct_store_error) {
      options_.on_direct_store_error(
          Error{error.code, "store of the devices with their own token: " + error.message});
    }
  };
  // Told in the loss summary (one line per cause per interval), not one line per commit.
  storage_options.on_dropped = [this](std::uint64_t now, std::uint64_t /*total*/) {
    report_loss(
        "dropped from the store of the devices with their own token, oldest first, for its "
        "limits (storage.max_records_count, storage.messages_ttl_in_days, for all of them "
        "together) or a full disk",
        now);
  };
  direct_storage_ = std::make_unique<StorageService>(std::move(*queue), io_.get_executor(),
                                                     std::move(storage_options));
  if (options_.direct_store_upgrade) {
    // Before any other job there (jobs run in order): the sweep and the readers see the result.
    direct_storage_->async_run(
        options_.direct_store_upgrade, [this, alive = alive_](Expected<std::uint64_t> moved) {
          if (!*alive) return;
          if (!moved) {
            log()->error("storage of the devices with their own token: {}", moved.error().message);
          }
        });
  }
  return direct_storage_.get();
}

std::optional<std::string> GatewayService::end_own_token(const std::string& connector,
                                                         const std::string& local) {
  const auto mapping = direct_devices_.find({connector, local});
  if (mapping == direct_devices_.end()) return std::nullopt;
  const std::string token = mapping->second;
  direct_devices_.erase(mapping);
  const auto uplink = direct_.find(token);
  if (uplink == direct_.end()) return std::nullopt;
  // Closed: what it held in flight had no PUBACK and stays stored, for its next reader.
  std::string key = uplink->second->key();
  direct_.erase(uplink);
  return key;
}

std::string GatewayService::platform_name(const std::string& connector,
                                          const std::string& local_name) {
  if (const auto* entry = registry_.find_local(connector, local_name)) return entry->name;
  declare(connector, local_name, options_.default_device_type);
  const auto* entry = registry_.find_local(connector, local_name);
  return entry != nullptr ? entry->name : local_name;
}

void GatewayService::on_message(std::string_view topic, std::string_view payload) {
  ++messages_received_;
  if (topic.starts_with(topic::device_rpc_response_prefix)) {
    const auto id_text = topic.substr(topic::device_rpc_response_prefix.size());
    std::int64_t id = 0;
    const auto [ptr, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (ec == std::errc{} && ptr == id_text.data() + id_text.size()) {
      (void)uplink_->on_rpc_response(id, payload);
    }
    return;
  }
  if (topic.starts_with(topic::device_attributes_response_prefix)) {
    on_own_attributes(payload, true);
    return;
  }
  if (topic == topic::device_attributes) {
    on_own_attributes(payload, false);
    return;
  }
  auto message = parse_incoming(topic, payload);
  if (!message) {
    on_malformed(topic, payload, message.error());
    return;
  }
  // Our own getSessionLimits request, echoed by a plain broker: not a request for us.
  if (const auto* request = std::get_if<GatewayRpcRequest>(&*message);
      request != nullptr && request->method == "getSessionLimits") {
    return;
  }
  if (const auto* rpc = std::get_if<DeviceRpcRequest>(&*message)) {
    if (const auto* entry = registry_.find(rpc->device)) ++counters_[entry->connector].rpcs;
  }
  router_->handle(*message);
}

void GatewayService::on_malformed(std::string_view topic, std::string_view payload,
                                  const Error& error) {
  if (is_own_echo(topic, payload)) {
    log()->debug("{}", error.message);
    return;
  }
  ++malformed_messages_;
  // The platform waits for an answer to an RPC: an error reply instead of its timeout.
  const auto request = refused_rpc(topic, payload);
  if (request && malformed_replies_.admit(std::chrono::steady_clock::now())) {
    router_->refuse(*request, error);
  }
  if (const auto held_back = malformed_log_.admit(std::chrono::steady_clock::now())) {
    const std::string before =
        *held_back > 0 ? " (" + std::to_string(*held_back) + " more were not logged)" : "";
    const std::string pause = malformed_log_.window_full()
                                  ? "; more malformed messages this minute are only counted "
                                    "(statistics: malformedMessages)"
                                  : "";
    log()->warn("{}: {}{}{}", error.message, request ? "answered with an error" : "ignored", before,
                pause);
  }
}

void GatewayService::use_own_token(const std::string& connector, std::string_view device,
                                   std::string token) {
  const std::string local(device);
  // A device that was a gateway child before (registry): it is not one any more, and must not be
  // announced again on reconnect.
  if (const auto* entry = registry_.find_local(connector, local)) {
    const std::string name = entry->name;
    if (auto removed = registry_.remove(name); !removed) {
      log()->error("{}", removed.error().message);
    }
  }
  if (const auto mapped = direct_devices_.find({connector, local});
      mapped != direct_devices_.end()) {
    if (mapped->second == token) {
      if (const auto found = direct_.find(token); found != direct_.end() && started_) {
        found->second->start();
      }
      return;
    }
    // A changed token (reload): the old connection closes (what it had in flight stays stored);
    // the new one reads the same key, so nothing needs to move.
    (void)end_own_token(connector, local);
    log()->info("device '{}': its access token changed; it publishes with the new one", local);
  }
  if (const auto found = direct_.find(token); found != direct_.end()) {
    // A reload that renamed the device holding it, moved it to another connector, or swapped
    // tokens: the holder is not declared by the new configuration (a connector taking a new
    // configuration declares its devices again), so its connection closes and this device takes
    // the token. What the holder left under its key stays stored (the start-up sweep reports it).
    const auto holder =
        std::find_if(direct_devices_.begin(), direct_devices_.end(),
                     [&token](const auto& mapping) { return mapping.second == token; });
    const bool holder_declared =
        holder != direct_devices_.end() &&
        std::any_of(sinks_.begin(), sinks_.end(), [&holder](const auto& sink) {
          return sink->connector() == holder->first.first && sink->declared(holder->first.second);
        });
    if (holder != direct_devices_.end() && !holder_declared) {
      log()->info(
          "device '{}' (connector '{}') no longer publishes with its token: device '{}' does",
          holder->first.second, holder->first.first, local);
      const auto held = holder->first;
      (void)end_own_token(held.first, held.second);
    }
  }
  if (const auto found = direct_.find(token); found != direct_.end()) {
    // check_device_tokens refuses this in the configuration; never two devices on one connection.
    log()->error(
        "device '{}' (connector '{}'): its deviceToken is device '{}''s already: not published "
        "with it (give each device the token of its own ThingsBoard device)",
        local, connector, found->second->device());
    return;
  }
  direct_devices_[{connector, local}] = token;
  StorageService* storage = direct_storage();
  if (storage == nullptr) return;  // logged
  const std::string key = direct_store_key(connector, local);
  auto direct = DirectDeviceUplink::create(io_, local, key, direct_mqtt(local, key, token),
                                           direct_device_uplink_options(options_.uplink), *storage);
  if (!direct) {
    log()->error("device '{}' (own token): {}", local, direct.error().message);
    return;
  }
  log()->info("device '{}' publishes with its own access token (device API)", local);
  auto& added = direct_[token] = std::move(*direct);
  if (started_) added->start();
}

MqttOptions GatewayService::direct_mqtt(const std::string& device, const std::string& key,
                                        const std::string& token) const {
  auto options = options_.direct_mqtt ? options_.direct_mqtt(device, token)
                                      : direct_device_mqtt_options(options_.mqtt, device, token);
  // Unique per connector and device, as the key: two connectors' devices of one name would
  // otherwise take each other's session over.
  options.client_id = "dlmsgw-" + device_file_stem(key);
  return options;
}

DirectDeviceUplink* GatewayService::direct_for(const std::string& connector,
                                               const std::string& device) {
  const auto token = direct_devices_.find({connector, device});
  if (token == direct_devices_.end()) return nullptr;
  const auto direct = direct_.find(token->second);
  return direct != direct_.end() ? direct->second.get() : nullptr;
}

DirectDeviceUplink* GatewayService::direct_device(std::string_view device) {
  for (auto& [token, direct] : direct_) {
    if (direct->device() == device) return direct.get();
  }
  return nullptr;
}

std::uint64_t GatewayService::readings_stored() const {
  std::uint64_t total = 0;
  for (const auto& [name, counters] : counters_) total += counters.readings;
  return total;
}

std::uint64_t GatewayService::records_stored() const {
  std::uint64_t total = 0;
  for (const auto& [name, counters] : counters_) total += counters.records;
  return total;
}

std::uint64_t GatewayService::readings_not_stored() const {
  std::uint64_t total = 0;
  for (const auto& [name, counters] : counters_) total += counters.store_failures;
  return total;
}

void GatewayService::report_loss(const std::string& cause, std::uint64_t count,
                                 std::string detail) {
  losses_.add(cause, count, std::move(detail));
  log_losses();
}

void GatewayService::log_losses() {
  const auto now = std::chrono::steady_clock::now();
  for (const auto& line : losses_.due(now)) log()->warn("{}", line);
  // The losses of the interval are told at its end even when no new loss comes to trigger a line.
  const auto next = losses_.next_due(now);
  if (!next || !started_ || loss_timer_at_ == next) return;
  loss_timer_at_ = next;
  loss_timer_.expires_at(*next);
  loss_timer_.async_wait([this, alive = alive_](std::error_code ec) {
    if (!*alive || ec) return;
    loss_timer_at_.reset();
    log_losses();
  });
}

nlohmann::json GatewayService::statistics() {
  const auto queue = storage_.stats();
  const auto direct_queue = direct_store_stats();
  const auto& uplink = uplink_->counters();
  nlohmann::json stats{
      // readingsStored counts readings ({ts, values} entries); the other counts of storage and
      // the uplink count records (one per poll), under the names they always had.
      {"readingsStored", readings_stored()},
      {"recordsStored", records_stored()},
      {"readingsSent", uplink.records_sent},
      // Every reading that will never reach ThingsBoard: dropped by storage for its limits,
      // unsendable, or refused by storage (never stored). Those refused for good by a PUBACK are
      // kept as dead letters (deadLetterRecords), to be re-queued.
      {"readingsDropped", queue.dropped_records + direct_queue.dropped_records +
                              uplink.records_rejected + readings_not_stored()},
      {"readingsNotStored", readings_not_stored()},
      {"readingsRefused", uplink.records_refused},
      {"queueDepth", queue.records + storage_.pending_records()},
      // The devices with their own token, all in one store.
      {"directQueueDepth", direct_queue.records + direct_store_pending()},
      // Set aside because the platform kept refusing them (dlmsgw dead-letter list|requeue).
      {"deadLetterRecords", queue.dead_letter_records + direct_queue.dead_letter_records},
      {"reconnects", reconnects_},
      {"messagesSent", uplink.messages_sent},
      {"batchesResent", uplink.batches_abandoned},
      {"rateLimited", uplink.rate_limited},
      {"rpcErrors", router_->errors()},
      {"malformedMessages", malformed_messages_},
      {"devices", registry_.devices().size()},
      {"uptimeSeconds", std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::steady_clock::now() - started_at_)
                            .count()},
  };
  if (!uplink.last_refusal.empty()) stats["lastRefusal"] = uplink.last_refusal;
  for (const auto& [token, direct] : direct_) {
    const std::string prefix = "direct." + direct->device() + ".";
    stats[prefix + "readingsSent"] = direct->counters().records_sent;
    stats[prefix + "connected"] = direct->mqtt().connected();
    const auto depth = direct_depths_.find(direct->key());
    stats[prefix + "queueDepth"] = depth != direct_depths_.end() ? depth->second : 0;
  }
  if (queue.oldest_stored_at) {
    stats["queueOldestAgeMs"] = now_ms() - queue.oldest_stored_at->time_since_epoch().count();
  }
  for (const auto& [name, counters] : counters_) {
    const std::string prefix = "connector." + name + ".";
    stats[prefix + "readings"] = counters.readings;
    stats[prefix + "attributes"] = counters.attributes;
    stats[prefix + "records"] = counters.records;
    stats[prefix + "storeFailures"] = counters.store_failures;
    stats[prefix + "rpcs"] = counters.rpcs;
  }
  if (auto usage = read_process_usage()) {
    const auto now = std::chrono::steady_clock::now();
    stats["cpuSeconds"] = usage->cpu_seconds;
    stats["memoryRssBytes"] = usage->rss_bytes;
    if (last_cpu_) {
      const auto wall = std::chrono::duration<double>(now - last_cpu_->first).count();
      if (wall > 0) stats["cpuPercent"] = 100.0 * (usage->cpu_seconds - last_cpu_->second) / wall;
    }
    last_cpu_ = {now, usage->cpu_seconds};
  }
  return stats;
}

nlohmann::json GatewayService::dashboard_statistics() {
  StatisticsSample sample;
  const auto& uplink = uplink_->counters();
  sample.records_pulled = uplink.records_sent;
  sample.messages_pushed = uplink.messages_sent;
  sample.messages_received = messages_received_;
  sample.storage_count = storage_.stats().records + storage_.pending_records();
  for (const auto& [name, counters] : counters_) {
    sample.telemetry_produced += counters.readings;
    sample.attributes_produced += counters.attributes;
    sample.connectors[name].readings = counters.readings;
    sample.connectors[name].errors = counters.store_failures;
  }
  for (const auto& connector : connectors_) {
    sample.connectors[std::string(connector->name())].errors += connector->error_count();
  }
  sample.machine =
      read_machine_load(options_.registry_file.empty() ? std::filesystem::path("/")
                                                       : options_.registry_file.parent_path());
  if (auto usage = read_process_usage()) sample.process = *usage;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - dashboard_at_).count();
  dashboard_at_ = now;
  return dashboard_.report(sample, elapsed);
}

void GatewayService::schedule_statistics() {
  if (!options_.statistics || options_.statistics_period.count() <= 0) return;
  stats_timer_.expires_after(options_.statistics_period);
  stats_timer_.async_wait([this, alive = alive_](std::error_code ec) {
    if (!*alive || ec || !started_) return;
    if (direct_storage_ != nullptr && !direct_.empty()) {
      // Each own-token device's depth, counted now on the shared store's thread.
      direct_storage_->async_device_counts(
          [this, alive](Expected<std::map<std::string, std::uint64_t>> counts) {
            if (!*alive || !started_) return;
            if (counts) direct_depths_ = std::move(*counts);
            publish_statistics();
            schedule_statistics();
          });
      return;
    }
    publish_statistics();
    schedule_statistics();
  });
}

void GatewayService::publish_statistics() {
  auto values = statistics();
  auto dashboard = dashboard_statistics();
  for (auto& [key, value] : dashboard.items()) values[key] = std::move(value);
  auto split = encode_gateway_telemetry(values, uplink_->limits().max_payload_bytes);
  for (const auto& message : split.messages) (void)uplink_->publish_now(message);
  for (const auto& key : split.left_out) {
    log()->warn("statistics: '{}' alone is over maxPayloadSizeBytes ({}): not sent", key,
                uplink_->limits().max_payload_bytes);
  }
}

void GatewayService::register_gateway_methods() {
  const auto answer = [](nlohmann::json resp) {
    return Expected<nlohmann::json>(nlohmann::json{{"code", 200}, {"resp", std::move(resp)}});
  };
  router_->add_gateway_method("gateway_ping",
                              [answer](const nlohmann::json&) { return answer("pong"); });
  router_->add_gateway_method("gateway_version", [this, answer](const nlohmann::json&) {
    return answer({{"current_version", options_.version}, {"latest_version", options_.version}});
  });
  router_->add_gateway_method("gateway_devices", [this, answer](const nlohmann::json&) {
    nlohmann::json devices = nlohmann::json::object();
    for (const auto& entry : registry_.devices()) devices[entry.name] = entry.connector;
    return answer(std::move(devices));
  });
  router_->add_gateway_method("gateway_stats", [this](const nlohmann::json&) {
    return Expected<nlohmann::json>(statistics());
  });
  router_->add_gateway_method("gateway_restart", [this](const nlohmann::json&) {
    if (!options_.on_shutdown) {
      return Expected<nlohmann::json>(
          make_error(ErrorCode::unsupported, "this gateway cannot restart itself"));
    }
    log()->warn("gateway_restart requested by ThingsBoard");
    // After the reply has been queued: the shutdown flushes it with the DISCONNECT.
    asio::post(io_, [callback = options_.on_shutdown] { callback(kRestartExitCode); });
    return Expected<nlohmann::json>(nlohmann::json{{"success", true}});
  });
  router_->add_gateway_method("gateway_reboot", [this](const nlohmann::json&) {
    if (!options_.on_reboot) {
      return Expected<nlohmann::json>(
          make_error(ErrorCode::unsupported,
                     "gateway_reboot is turned off on this gateway (thingsboard.rebootCommand in "
                     "tb_gateway.yaml)"));
    }
    log()->warn("gateway_reboot requested by ThingsBoard");
    asio::post(io_, [callback = options_.on_reboot] { callback(); });
    return Expected<nlohmann::json>(nlohmann::json{{"success", true}});
  });
}

}  // namespace dlmsgw::gateway
