#include "gateway/uplink_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "gateway/component_logger.hpp"
#include "gateway/uplink/bounded_json.hpp"
#include "gateway/uplink/data_points.hpp"
#include "gateway/uplink/device_batch.hpp"
#include "gateway/uplink/gateway_topic.hpp"

namespace dlmsgw::gateway {
namespace {
// This file's log lines belong to the "uplink" component (tb_gateway.yaml logging.levels).
std::shared_ptr<spdlog::logger> uplink_log() {
  return component_logger("uplink");
}

using Clock = std::chrono::steady_clock;

// A message never needs more tokens than a window holds, or it would wait forever: a message with
// more data points than the limit allows per window takes the whole window instead.
std::uint32_t capped(const RateLimit& limit, std::uint32_t count) {
  for (const auto& window : limit.windows()) count = std::min(count, window.messages);
  return std::max<std::uint32_t>(count, 1);
}

Clock::duration wait_of(const RateLimit& limit, Clock::time_point now, std::uint32_t count) {
  if (limit.unlimited() || count == 0) return Clock::duration::zero();
  auto wait = limit.wait_time(now, capped(limit, count));
  return wait ? *wait : Clock::duration::zero();
}

void take(RateLimit& limit, Clock::time_point now, std::uint32_t count) {
  if (limit.unlimited() || count == 0) return;
  (void)limit.try_acquire(now, capped(limit, count));
}

}  // namespace

int in_flight_bound(const UplinkOptions& options) {
  constexpr std::size_t kControlRoom = 16;
  return static_cast<int>(
      std::min<std::size_t>(options.max_in_flight_messages + kControlRoom, 65535));
}

UplinkService::UplinkService(asio::io_context& io, StorageService& storage, MqttClient& client,
                             UplinkOptions options)
    : io_(io),
      storage_(storage),
      client_(client),
      options_(std::move(options)),
      paced_timer_(io),
      rate_timer_(io),
      puback_timer_(io),
      retry_timer_(io),
      limits_timer_(io) {
  // Client-side RPC ids share the response topic with our replies to the platform's RPCs (small
  // integers): start far from them.
  next_request_id_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
}

UplinkService::~UplinkService() {
  *alive_ = false;
}

void UplinkService::start() {
  started_ = true;
  if (client_.connected() && !connected_) on_connected();
  kick();
}

void UplinkService::stop() {
  started_ = false;
  rate_timer_.cancel();
  puback_timer_.cancel();
  retry_timer_.cancel();
  limits_timer_.cancel();
}

void UplinkService::notify() {
  kick();
}

void UplinkService::on_connected() {
  connected_ = true;
  // Readings do not wait for the answer: they flow under the configured limits, and the platform's
  // apply from its answer on (a plain broker never answers).
  if (options_.session_limits_wait.count() > 0) request_session_limits();
  // libmosquitto re-sends what it had in flight; the rest follows once those are acknowledged,
  // so that order per device holds across the outage.
  resend_barrier_ = on_wire_ > 0;
  if (on_wire_ > 0) {
    note_progress();
    arm_puback_timer();
  }
  pump();
  kick();
}

void UplinkService::on_disconnected() {
  connected_ = false;
  // The platform closing the session on a message it will never take (the dead letter rule).
  if (const Message* oldest = on_wire_ > 0 ? oldest_unacknowledged() : nullptr;
      oldest != nullptr && count_session_loss(*oldest)) {
    abandon(probing_ ? "session lost with a message unacknowledged: sending the oldest alone"
                     : "the platform keeps closing the session on the oldest message");
    client_.discard_in_flight();  // disconnected already: the next connection starts afresh
  }
  paced_.clear();
  paced_timer_.cancel();
  rate_timer_.cancel();
  puback_timer_.cancel();
  puback_timer_armed_ = false;
  limits_timer_.cancel();
  limits_request_id_.reset();
}

void UplinkService::request_session_limits() {
  const std::int64_t id = next_request_id_++;
  const std::string topic = std::string(topic::device_rpc_request_prefix) + std::to_string(id);
  auto mid = client_.publish(topic, R"({"method":"getSessionLimits","params":{}})", 1);
  if (!mid) return;
  limits_request_id_ = id;
  limits_timer_.expires_after(options_.session_limits_wait);
  limits_timer_.async_wait([this, alive = alive_](std::error_code ec) {
    if (!*alive || ec || !limits_request_id_) return;
    uplink_log()->info(
        "uplink: no getSessionLimits answer within {} ms; the configured limits hold until "
        "one comes",
        options_.session_limits_wait.count());
  });
}

bool UplinkService::on_rpc_response(std::int64_t request_id, std::string_view payload) {
  if (!limits_request_id_ || *limits_request_id_ != request_id) return false;
  limits_request_id_.reset();
  // From the network like every incoming message: bounded before a tree is built.
  auto response = parse_bounded_json(payload);
  auto changes = response ? apply_session_limits(options_.limits, *response)
                          : Expected<std::vector<std::string>>(response.error());
  if (!changes) {
    uplink_log()->warn("uplink: {}; keeping the configured limits", changes.error().message);
  } else if (!changes->empty()) {
    std::string text;
    for (const auto& change : *changes) text += (text.empty() ? "" : ", ") + change;
    uplink_log()->info("uplink: limits from ThingsBoard: {}", text);
    // Per-device buckets are rebuilt from the new models on first use.
    device_messages_.clear();
    device_telemetry_messages_.clear();
    device_data_points_.clear();
  }
  limits_timer_.cancel();
  return true;
}

bool UplinkService::publish_now(const OutgoingMessage& message) {
  if (!client_.connected()) return false;
  // The platform drops (and may disconnect for) a message over its limit: never send one.
  if (message.payload.size() > options_.limits.max_payload_bytes) {
    uplink_log()->warn(
        "uplink: message on '{}' not sent: {} bytes is over maxPayloadSizeBytes ({})",
        message.topic, message.payload.size(), options_.limits.max_payload_bytes);
    return false;
  }
  take(options_.limits.messages, Clock::now(), 1);
  auto mid = client_.publish(message.topic, message.payload, options_.qos);
  if (!mid) {
    uplink_log()->warn("uplink: {}", mid.error().message);
    return false;
  }
  return true;
}

void UplinkService::publish_paced(OutgoingMessage message) {
  // The client's state, not connected_: the gateway announces before on_connected().
  if (!client_.connected()) return;
  paced_.push_back(std::move(message));
  if (paced_.size() == 1) drain_paced();
}

void UplinkService::drain_paced() {
  while (client_.connected() && !paced_.empty()) {
    const auto wait = options_.limits.messages.wait_time(Clock::now(), 1);
    if (wait && *wait > Clock::duration::zero()) {
      paced_timer_.expires_after(*wait);
      paced_timer_.async_wait([this, alive = alive_](std::error_code ec) {
        if (!*alive || ec) return;
        drain_paced();
      });
      return;
    }
    (void)publish_now(paced_.front());  // takes its token
    paced_.pop_front();
  }
}

std::size_t UplinkService::unacknowledged_messages() const {
  std::size_t count = 0;
  for (const auto& batch : window_) count += batch.messages.size() - batch.acked;
  return count;
}

// Reads the next batch while the window has room: both bounds keep memory and the duplicates
// an outage can cause in proportion to the window, not to the backlog.
void UplinkService::kick() {
  if (!started_ || !connected_ || peeking_) return;
  if (window_.size() >= std::max<std::size_t>(options_.max_batches_in_flight, 1)) return;
  if (window_.empty()) {
    peek();
    return;
  }
  // Nothing read ahead while messages wait to be published (a rate limit, a full window, an
  // outage): more would not go out sooner, and records still in storage follow a device's rename.
  if (window_.back().next < window_.back().messages.size()) return;
  if (unacknowledged_messages() >= options_.max_in_flight_messages) return;
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
  for (const auto& batch : window_) {
    records += batch.records;
    bytes += batch.bytes;
  }
  if (records >= options_.max_in_flight_records || bytes >= options_.max_in_flight_bytes) return;
  peek();
}

UplinkService::InFlight UplinkService::in_flight() const {
  InFlight in_flight{window_.size(), on_wire_, 0};
  for (const auto& batch : window_) in_flight.bytes += batch.bytes;
  return in_flight;
}

void UplinkService::peek() {
  peeking_ = true;
  retry_timer_.cancel();
  // One read fills the room of the window (batches and records), split into batches after: the
  // storage thread serves operations between transactions of appends, so under a flood of
  // appends a read per batch would bound throughput by one batch per transaction.
  const std::size_t batch_records = std::max<std::size_t>(options_.max_batch_records, 1);
  std::uint64_t in_window = 0;
  std::uint64_t bytes_in_window = 0;
  for (const auto& batch : window_) {
    in_window += batch.records;
    bytes_in_window += batch.bytes;
  }
  const std::size_t max_batches = std::max<std::size_t>(options_.max_batches_in_flight, 1);
  const std::size_t batch_room = window_.size() < max_batches ? max_batches - window_.size() : 1;
  const std::size_t record_room =
      in_window < options_.max_in_flight_records
          ? static_cast<std::size_t>(options_.max_in_flight_records - in_window) / batch_records
          : 0;
  const std::size_t batches = std::max<std::size_t>(std::min(batch_room, record_room), 1);
  // Removes of earlier batches are queued before this peek on the storage thread, which runs
  // operations in order: reading from the oldest after abandon() never sees removed records.
  // Records of a message taken as refused are read one per message, to find the refused one.
  const bool isolating = read_up_to_ < isolate_through_;
  const std::size_t max_records = isolating ? 1 : batches * batch_records;
  const std::uint64_t byte_room = bytes_in_window < options_.max_in_flight_bytes
                                      ? options_.max_in_flight_bytes - bytes_in_window
                                      : 1;  // the first record of a read comes regardless
  const std::uint64_t max_bytes =
      isolating ? options_.max_batch_bytes
                : std::min<std::uint64_t>(batches * options_.max_batch_bytes, byte_room);
  auto peeked = [this, alive = alive_,
                 epoch = epoch_](Expected<std::vector<StoredRecord>> records) {
    if (!*alive) return;
    peeking_ = false;
    if (epoch != epoch_) {  // read for a window abandoned meanwhile
      kick();
      return;
    }
    on_peeked(std::move(records));
  };
  if (options_.storage_device.empty()) {
    storage_.async_peek_after(read_up_to_, max_records, max_bytes, std::move(peeked));
  } else {
    storage_.async_peek_device_after(options_.storage_device, read_up_to_, max_records, max_bytes,
                                     std::move(peeked));
  }
}

void UplinkService::retry_later(std::chrono::milliseconds delay) {
  retry_timer_.expires_after(delay);
  retry_timer_.async_wait([this, alive = alive_](std::error_code ec) {
    if (!*alive || ec) return;
    kick();
  });
}

void UplinkService::on_peeked(Expected<std::vector<StoredRecord>> records) {
  if (!started_) return;
  if (!records) {
    uplink_log()->error("uplink: cannot read from storage: {}", records.error().message);
    retry_later(options_.retry_delay);
    return;
  }
  if (records->empty()) {
    retry_later(options_.idle_poll);
    return;
  }
  if (options_.current_device_name) {
    for (auto& stored : *records) {
      stored.record.device = options_.current_device_name(stored.record.device);
    }
  }
  // A read may hold several batches' worth (peek): each becomes a batch of the window.
  const std::size_t batch_records = std::max<std::size_t>(options_.max_batch_records, 1);
  const std::span<const StoredRecord> all(*records);
  for (std::size_t at = 0; at < all.size(); at += batch_records) {
    add_batch(all.subspan(at, std::min(batch_records, all.size() - at)));
  }
  pump();
}

void UplinkService::add_batch(std::span<const StoredRecord> records) {
  std::unordered_map<std::uint64_t, const StoredRecord*> by_id;
  for (const auto& stored : records) by_id.emplace(stored.id.value, &stored);

  auto encoded = options_.api == UplinkApi::device
                     ? encode_device_batch(records, options_.limits.max_payload_bytes)
                     : encode_batch(records, options_.limits.max_payload_bytes);
  Batch batch;
  batch.serial = next_serial_++;
  read_up_to_ = records.back().id;
  batch.records = records.size();
  batch.sendable = records.size() - encoded.rejected.size();
  for (const auto& stored : records) {
    batch.ids.push_back(stored.id);
    batch.bytes += record_bytes(stored.record);
  }
  for (const auto& rejected : encoded.rejected) {
    uplink_log()->error("uplink: dropping a record that can never be sent: {}",
                        rejected.error.message);
    ++counters_.records_rejected;
  }
  for (auto& encoded_message : encoded.messages) {
    Message message;
    message.telemetry = encoded_message.message.topic == topic::gateway_telemetry ||
                        encoded_message.message.topic == topic::device_telemetry;
    for (const auto id : encoded_message.records) {
      const auto* stored = by_id.at(id.value);
      const auto points = count_data_points(stored->record.payload);
      message.data_points += points;
      message.device_points[stored->record.device] += points;
    }
    message.batch = std::move(encoded_message);
    batch.messages.push_back(std::move(message));
  }
  window_.push_back(std::move(batch));
}

RateLimit& UplinkService::device_bucket(std::map<std::string, RateLimit>& buckets,
                                        const RateLimit& model, const std::string& device) {
  auto it = buckets.find(device);
  if (it == buckets.end()) it = buckets.emplace(device, model).first;
  return it->second;
}

Clock::duration UplinkService::wait_for(const Message& message, Clock::time_point now) {
  const auto& limits = options_.limits;
  auto wait = wait_of(limits.messages, now, 1);
  if (message.telemetry) {
    wait = std::max(wait, wait_of(limits.telemetry_messages, now, 1));
    wait = std::max(wait, wait_of(limits.telemetry_data_points, now, message.data_points));
  }
  for (const auto& [device, points] : message.device_points) {
    if (!limits.device_messages.unlimited()) {
      wait = std::max(
          wait, wait_of(device_bucket(device_messages_, limits.device_messages, device), now, 1));
    }
    if (!message.telemetry) continue;
    if (!limits.device_telemetry_messages.unlimited()) {
      wait = std::max(wait, wait_of(device_bucket(device_telemetry_messages_,
                                                  limits.device_telemetry_messages, device),
                                    now, 1));
    }
    if (!limits.device_telemetry_data_points.unlimited()) {
      wait = std::max(wait, wait_of(device_bucket(device_data_points_,
                                                  limits.device_telemetry_data_points, device),
                                    now, points));
    }
  }
  return wait;
}

void UplinkService::acquire(const Message& message, Clock::time_point now) {
  auto& limits = options_.limits;
  take(limits.messages, now, 1);
  if (message.telemetry) {
    take(limits.telemetry_messages, now, 1);
    take(limits.telemetry_data_points, now, message.data_points);
  }
  for (const auto& [device, points] : message.device_points) {
    if (!limits.device_messages.unlimited()) {
      take(device_bucket(device_messages_, limits.device_messages, device), now, 1);
    }
    if (!message.telemetry) continue;
    if (!limits.device_telemetry_messages.unlimited()) {
      take(device_bucket(device_telemetry_messages_, limits.device_telemetry_messages, device), now,
           1);
    }
    if (!limits.device_telemetry_data_points.unlimited()) {
      take(device_bucket(device_data_points_, limits.device_telemetry_data_points, device), now,
           points);
    }
  }
}

void UplinkService::pump() {
  if (!started_) return;
  bool published = false;
  // Nothing is published while disconnected or while re-sent messages wait for their PUBACKs.
  bool blocked = !connected_ || resend_barrier_;
  for (auto& batch : window_) {
    if (blocked) break;
    while (!blocked && batch.next < batch.messages.size()) {
      if (on_wire_ >=
          (probing_ ? std::size_t{1} : std::max<std::size_t>(options_.max_in_flight_messages, 1))) {
        blocked = true;  // a PUBACK makes room
        break;
      }
      auto& message = batch.messages[batch.next];
      const auto now = Clock::now();
      const auto wait = wait_for(message, now);
      if (wait > Clock::duration::zero()) {
        ++counters_.rate_limited;
        rate_timer_.expires_after(wait);
        rate_timer_.async_wait([this, alive = alive_](std::error_code ec) {
          if (!*alive || ec) return;
          pump();
        });
        blocked = true;
        break;
      }
      auto mid =
          client_.publish(message.batch.message.topic, message.batch.message.payload, options_.qos);
      if (!mid) {
        // Disconnected: on_connected() resumes here. Still connected means libmosquitto refused
        // the message itself (too large for the broker, out of memory): with nothing in flight no
        // PUBACK or timer would ever come back to the window, so start it over after a pause.
        if (client_.connected() && on_wire_ == 0) {
          abandon("publish refused: " + mid.error().message);
          retry_later(options_.retry_delay);
          return;
        }
        blocked = true;
        break;
      }
      acquire(message, now);
      message.mid = *mid;
      message.published_at = Clock::now();
      by_mid_[*mid] = MessageRef{batch.serial, batch.next};
      ++batch.next;
      ++on_wire_;
      published = true;
    }
    if (blocked) break;
  }
  if (published) {
    last_progress_ = Clock::now();
    arm_puback_timer();
  }
  remove_done_batches();  // a batch whose records were all rejected has no message to wait for
  kick();
}

void UplinkService::note_progress() {
  last_progress_ = Clock::now();
}

// Armed while messages wait for their PUBACK; the timeout counts from the last progress (publish
// or PUBACK), checked when the timer fires rather than re-arming it for every message.
void UplinkService::arm_puback_timer() {
  if (puback_timer_armed_ || on_wire_ == 0) return;
  puback_timer_armed_ = true;
  puback_timer_.expires_at(last_progress_ + options_.puback_timeout);
  puback_timer_.async_wait([this, alive = alive_](std::error_code ec) {
    if (!*alive || ec) return;
    puback_timer_armed_ = false;
    if (!connected_ || on_wire_ == 0) return;
    if (Clock::now() - last_progress_ < options_.puback_timeout) {
      arm_puback_timer();
      return;
    }
    // Later messages acknowledged and not this one: the platform answers, but never for it.
    if (const Message* oldest = oldest_unacknowledged();
        oldest != nullptr && later_message_acknowledged(*oldest)) {
      (void)count_strike(*oldest, "PUBACK timeouts");
    }
    abandon("no PUBACK within " + std::to_string(options_.puback_timeout.count()) + " ms");
    // The abandoned messages would hold their in-flight slots and be re-sent first after every
    // reconnect: let the client drop them (it reconnects; on_connected() resumes from storage).
    client_.discard_in_flight();
    retry_later(options_.retry_delay);
  });
}

void UplinkService::restart_session(const std::string& why) {
  if (window_.empty()) return;
  abandon(why);
  retry_later(options_.retry_delay);  // read again, on whichever session is up by then
}

void UplinkService::abandon(const std::string& why) {
  std::uint64_t records = 0;
  for (const auto& batch : window_) records += batch.records;
  uplink_log()->warn("uplink: {}; sending the {} records in flight again from storage", why,
                     records);
  ++counters_.batches_abandoned;
  window_.clear();
  by_mid_.clear();  // late PUBACKs of the abandoned messages are ignored
  on_wire_ = 0;
  resend_barrier_ = false;
  read_up_to_ = RecordId{};  // from the oldest record still stored
  ++epoch_;
  rate_timer_.cancel();
  puback_timer_.cancel();
  puback_timer_armed_ = false;
}

bool UplinkService::on_puback(int message_id, const Expected<void>& outcome) {
  const auto it = by_mid_.find(message_id);
  if (it == by_mid_.end() || window_.empty()) return false;
  const auto ref = it->second;
  by_mid_.erase(it);
  const auto first = window_.front().serial;
  if (ref.batch < first || ref.batch - first >= window_.size()) return true;
  auto& batch = window_[ref.batch - first];
  auto& message = batch.messages[ref.index];
  if (!outcome && outcome.error().code != ErrorCode::rejected) {
    abandon(outcome.error().message);
    retry_later(options_.retry_delay);
    return true;
  }
  if (!message.acked) {
    message.acked = true;  // answered for good either way
    ++batch.acked;
    --on_wire_;
    if (outcome) {
      ++counters_.messages_sent;
      if (strikes_ > 0 && std::find(message.batch.records.begin(), message.batch.records.end(),
                                    suspect_) != message.batch.records.end()) {
        strikes_ = 0;  // acknowledged after all: not refused
        probing_ = false;
      }
      if (options_.on_puback_latency) {
        options_.on_puback_latency(Clock::now() - message.published_at);
      }
    } else {
      set_aside(batch, message, outcome.error());
    }
  }
  note_progress();
  // Everything re-sent after the reconnect is acknowledged: the rest follows, in order.
  if (resend_barrier_ && on_wire_ == 0) resend_barrier_ = false;
  pump();  // removes the batches now complete, publishes into the room made
  return true;
}

void UplinkService::set_aside(Batch& batch, Message& message, const Error& refusal) {
  const auto count = message.batch.records.size();
  std::string devices;
  for (const auto& [device, points] : message.device_points) {
    devices += (devices.empty() ? "'" : ", '") + device + "'";
  }
  uplink_log()->error(
      "uplink: {}; it will never be accepted, so its {} records of device {} are set aside as "
      "dead letters and the queue moves on (check the gateway's permissions and the payload on "
      "the platform; `dlmsgw dead-letter list` shows them)",
      refusal.message, count, devices);
  counters_.records_refused += count;
  counters_.last_refusal = refusal.message;
  batch.sendable -= std::min<std::uint64_t>(batch.sendable, count);
  // Kept, not removed with the batch: should setting them aside fail, they stay stored and are
  // sent (and refused) again after the next restart or abandoned window, never lost.
  std::erase_if(batch.ids, [&](RecordId id) {
    return std::find(message.batch.records.begin(), message.batch.records.end(), id) !=
           message.batch.records.end();
  });
  storage_.async_set_aside(message.batch.records, "refused by a PUBACK: " + refusal.message,
                           [this, alive = alive_](Expected<std::uint64_t> moved) {
                             if (!*alive) return;
                             if (!moved) {
                               uplink_log()->error("uplink: cannot set refused records aside: {}",
                                                   moved.error().message);
                               return;
                             }
                             counters_.records_dead_lettered += *moved;
                           });
}

const UplinkService::Message* UplinkService::oldest_unacknowledged() const {
  for (const auto& batch : window_) {
    for (std::size_t i = 0; i < batch.next; ++i) {
      if (!batch.messages[i].acked) return &batch.messages[i];
    }
  }
  return nullptr;
}

bool UplinkService::later_message_acknowledged(const Message& oldest) const {
  bool later = false;
  for (const auto& batch : window_) {
    for (std::size_t i = 0; i < batch.next; ++i) {
      if (later && batch.messages[i].acked) return true;
      if (&batch.messages[i] == &oldest) later = true;
    }
  }
  return false;
}

// A session lost while `oldest` waits for its PUBACK. Only the broker closing the connection
// (end of stream) counts: not a keepalive timeout or other network error. The first such loss
// makes `oldest` the suspect and starts probing: the window is abandoned and the suspect sent
// alone. A further loss counts as a strike only while probing, with the suspect the only message
// in flight and sent shortly before (kRefusalWindow): a broker restart or flapping link then has
// to hit the moment between that one PUBLISH and its PUBACK, every time, to count. True when
// the caller must abandon the window and drop the client's copies.
bool UplinkService::count_session_loss(const Message& oldest) {
  constexpr auto kRefusalWindow = std::chrono::seconds(3);
  const auto& ids = oldest.batch.records;
  if (options_.dead_letter_after == 0 || ids.empty()) return false;
  if (!client_.closed_by_broker()) return false;
  if (options_.dead_letter_after == 1) return count_strike(oldest, "session losses");
  if (!probing_ || strikes_ == 0 || ids.front() != suspect_) {
    suspect_ = ids.front();
    strikes_ = 1;
    probing_ = true;
    return true;
  }
  if (on_wire_ != 1 || Clock::now() - oldest.published_at > kRefusalWindow) return false;
  if (!count_strike(oldest, "session losses")) return false;
  probing_ = false;
  return true;
}

// One more session loss (or timeout) with `oldest` unacknowledged. True when the rule took it as
// refused: its records are being set aside, or read again one per message; the caller abandons
// the window and drops the client's copies.
bool UplinkService::count_strike(const Message& oldest, const std::string& what) {
  const auto& ids = oldest.batch.records;
  if (options_.dead_letter_after == 0 || ids.empty()) return false;
  if (strikes_ > 0 && ids.front() == suspect_) {
    ++strikes_;
  } else {
    suspect_ = ids.front();
    strikes_ = 1;
  }
  if (strikes_ < options_.dead_letter_after) return false;
  strikes_ = 0;
  const std::string reason = "the oldest message in flight at " +
                             std::to_string(options_.dead_letter_after) + " " + what +
                             " in a row (the platform never acknowledged it)";
  if (ids.size() > 1) {
    isolate_through_ = std::max(isolate_through_, *std::max_element(ids.begin(), ids.end()));
    uplink_log()->warn(
        "uplink: {}: sending its {} records again one per message, to find the one "
        "the platform refuses",
        reason, ids.size());
    return true;
  }
  move_to_dead_letters(oldest, reason);
  return true;
}

void UplinkService::move_to_dead_letters(const Message& message, const std::string& reason) {
  const RecordId id = message.batch.records.front();
  const std::string device =
      message.device_points.empty() ? std::string("?") : message.device_points.begin()->first;
  uplink_log()->error(
      "uplink: record {} of device '{}' is set aside as a dead letter: {}; the queue moves on "
      "(see why in the platform's log; `dlmsgw dead-letter list` shows it and `dlmsgw dead-letter "
      "requeue --id {}` sends it again)",
      id.value, device, reason, id.value);
  // Queued on the storage thread before any later peek: the next read does not see it.
  storage_.async_set_aside({id}, "record of device '" + device + "': " + reason,
                           [this, alive = alive_, id](Expected<std::uint64_t> moved) {
                             if (!*alive) return;
                             if (!moved) {
                               // Still stored: it is sent again and the rule counts anew; nothing
                               // is lost.
                               uplink_log()->error("uplink: cannot set record {} aside: {}",
                                                   id.value, moved.error().message);
                               return;
                             }
                             counters_.records_dead_lettered += *moved;
                             kick();
                           });
}

// Batches leave storage in order, each once it and every batch before it are acknowledged.
void UplinkService::remove_done_batches() {
  while (!window_.empty() && window_.front().done()) {
    auto& batch = window_.front();
    ++removing_;
    storage_.async_remove(std::move(batch.ids), [this, alive = alive_, sendable = batch.sendable](
                                                    Expected<void> removed) {
      if (!*alive) return;
      --removing_;
      if (!removed) {
        // Everything was acknowledged: the records will be sent once more, never lost.
        uplink_log()->error("uplink: cannot remove sent records from storage: {}",
                            removed.error().message);
        abandon("reading again from storage after the failed remove");
        retry_later(options_.retry_delay);
        return;
      }
      counters_.records_sent += sendable;
      kick();
    });
    window_.pop_front();
  }
  if (on_wire_ == 0) {
    puback_timer_.cancel();
    puback_timer_armed_ = false;
  }
}

}  // namespace dlmsgw::gateway
