#pragma once
// UplinkService: moves stored records to ThingsBoard and deletes them from storage only after the
// broker acknowledged them (QoS 1 PUBACK with a success reason code). The delivery guarantee of
// docs/architecture.md lives here.
//
//   peek_after(last read) -> encode_batch -> for each message: wait for the rate limits -> publish
//   QoS 1 -> ... PUBACKs come back -> the oldest batch fully acknowledged: remove(its ids,
//   including records encode_batch rejected) -> ...
//
// A window of batches is in flight (max_batches_in_flight and max_in_flight_records, and at most
// max_in_flight_messages messages published without their PUBACK), so throughput is not bounded by
// one round trip per batch. Messages are published in storage order, and batches leave storage in
// that order too, as their last PUBACK arrives: a crash at any point leaves every record without
// its PUBACK stored.
//
// Outages: when the connection drops, the window stays; after reconnecting, libmosquitto re-sends
// its unacknowledged messages (2.0 does so after CONNACK), and nothing new is published until those
// are acknowledged, so later readings never overtake earlier ones. If PUBACKs stop coming for
// puback_timeout while connected, the whole window is abandoned: the client drops those messages
// (MqttClient::discard_in_flight, a reconnect) so they neither hold in-flight slots nor get re-sent
// ahead of the rest, and the records are read again from storage. A PUBACK refusing a message for
// now (quota exceeded, server busy) abandons the window the same way, without the reconnect (the
// other PUBACKs still come). So a record may be delivered more than once (once more per outage or
// timeout while it was in flight), never lost. A PUBACK refusing a message for good (not
// authorized, payload format invalid: is_permanent_refusal) sets its records aside instead: they
// move to storage's dead letters and are counted as refused, so that one bad message cannot block
// the queue forever. After a restart the same happens naturally: storage still holds what was in
// flight.
//
// A message the platform never acknowledges and answers by closing the session (ThingsBoard does
// that with a PUBLISH it cannot process; MQTT 3.1.1 has no way to refuse one) would be re-sent
// first after every reconnect, and nothing behind it would flow. The rule: when the same message
// is the oldest one unacknowledged at dead_letter_after consecutive session losses (or PUBACK
// timeouts while later messages of the window were acknowledged, so the platform is answering),
// it is taken as refused. A message of one record: that record is moved to storage's dead
// letters (one transaction; listed and re-queued with `dlmsgw dead-letter`), the window is
// abandoned and the client drops its copy, so the rest flows, in order. A message of several
// records: they are read again one record per message, so that only the refused record ends up a
// dead letter. A PUBACK of the message clears the count. A PUBACK timeout with nothing
// acknowledged is an outage, not a refusal: it neither counts nor clears.
//
// Limits: after every connect a "getSessionLimits" RPC asks the platform for its limits. Publishing
// does not wait for the answer: the configured limits hold until it comes (if no answer came within
// session_limits_wait, that is logged once; a later answer still applies). Rate limits are token
// buckets checked before each message: gateway messages and data points, and per child device.
//
// Everything runs on the io_context's thread. The owner forwards MqttClient events (on_connected,
// on_disconnected, on_puback, on_rpc_response) and calls notify() after appending to storage.

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gateway/storage/storage_service.hpp"
#include "gateway/uplink/gateway_batch.hpp"
#include "gateway/uplink/mqtt_client.hpp"
#include "gateway/uplink_limits.hpp"

namespace dlmsgw::gateway {

// Which ThingsBoard API the batches are encoded for: the gateway API (one connection for all child
// devices, encode_batch) or the device API of one device with its own token (encode_device_batch).
enum class UplinkApi { gateway, device };

struct UplinkOptions {
  UplinkApi api = UplinkApi::gateway;
  // Set: storage is shared by several uplinks and this one reads only the records stored under
  // this device name (the devices publishing with their own token, one store for all of them).
  std::string storage_device;
  UplinkLimits limits;
  std::size_t max_batch_records = 1000;  // storage.read_records_count
  std::uint64_t max_batch_bytes = 4U << 20;
  // The window: batches read from storage and not yet removed, and messages published without
  // their PUBACK (also the bound on messages read ahead). The MQTT client's max_in_flight must be
  // at least max_in_flight_messages (plus room for control messages): see in_flight_bound().
  // Sized for a flood of readings: a read then waits for the storage thread's transaction of
  // appends (up to 1,000, an fsync), and the window must cover that wait at 200,000 readings/s.
  // With 16 batches and 2,000 records a flood of twice the ceiling delivered 66-76 % of it, with
  // 32 and 4,000 87 %, with 64 and 8,000 96-136 % (bench/README.md, issue 18 item 2).
  std::size_t max_batches_in_flight = 64;
  std::size_t max_in_flight_messages = 256;
  // Records read and not yet removed: no further batch is read beyond it, so at most this plus one
  // batch is sent again after a crash or an outage (the duplicates a disruption can cause).
  std::size_t max_in_flight_records = 8000;
  // And their bytes (as storage counts them, record_bytes): 8,000 records of a few hundred bytes
  // are a few MB, but of 8 KB each they would be 64 MB, and libmosquitto holds a copy of what is
  // published. No further batch is read beyond it (the first record of a read always comes).
  std::uint64_t max_in_flight_bytes = 16U << 20;
  std::chrono::milliseconds puback_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds retry_delay{std::chrono::seconds(1)};  // after storage/PUBACK errors
  // Session losses (or PUBACK timeouts with later messages acknowledged) in a row with the same
  // oldest message unacknowledged before its records are set aside (see above); 0: never.
  unsigned dead_letter_after = 3;
  std::chrono::milliseconds idle_poll{std::chrono::milliseconds(500)};     // fallback to notify()
  std::chrono::milliseconds session_limits_wait{std::chrono::seconds(3)};  // zero: do not ask
  int qos = 1;
  // Called for each acknowledged message with the time from its PUBLISH to its PUBACK (metrics).
  std::function<void(std::chrono::steady_clock::duration)> on_puback_latency;
  // The device's name now, for a name a record was stored under (renamed on the platform while
  // the record waited); unset: names are sent as stored.
  std::function<std::string(const std::string& stored_name)> current_device_name;
};

// The MQTT client's in-flight bound for an uplink with these options: its window and room for the
// control messages published beside it (announcements, RPC replies, getSessionLimits).
int in_flight_bound(const UplinkOptions& options);

struct UplinkCounters {
  std::uint64_t records_sent = 0;       // removed from storage after their PUBACKs
  std::uint64_t messages_sent = 0;      // acknowledged messages
  std::uint64_t records_rejected = 0;   // unsendable (encode_batch), removed and logged
  std::uint64_t batches_abandoned = 0;  // windows abandoned (PUBACK timeout, refusal for now...)
  std::uint64_t records_refused = 0;    // refused for good by a PUBACK: set aside, not sent
  std::string last_refusal;             // the last such PUBACK's reason, for statistics
  std::uint64_t rate_limited = 0;       // times a message waited for a rate limit
  std::uint64_t records_dead_lettered = 0;  // moved to storage's dead letters by this uplink
};

class UplinkService {
 public:
  UplinkService(asio::io_context& io, StorageService& storage, MqttClient& client,
                UplinkOptions options);
  ~UplinkService();
  UplinkService(const UplinkService&) = delete;
  UplinkService& operator=(const UplinkService&) = delete;

  void start();
  void stop();
  // Storage has new records.
  void notify();

  void on_connected();
  void on_disconnected();
  // The client is about to change its session (new broker, credentials or handle: message ids
  // start again): the window is read again from storage, so that no PUBACK of the new session is
  // taken for a message of the old one.
  void restart_session(const std::string& why);
  // True if the message id was one of ours.
  bool on_puback(int message_id, const Expected<void>& outcome);
  // A reply on v1/devices/me/rpc/response/<id>; true if it answered our getSessionLimits.
  bool on_rpc_response(std::int64_t request_id, std::string_view payload);

  // Publishes a control message (connect, RPC reply) right away, outside storage. It counts
  // against the gateway message limit but never waits for it. False when not connected, or when
  // the payload is over max_payload_bytes (logged; never sent).
  bool publish_now(const OutgoingMessage& message);
  // Publishes a control message in turn under the gateway message limit (the re-announcement of
  // every known device after a connect: thousands of them): queued and sent as the limit allows,
  // beside stored records, which share that limit. Forgotten on disconnect: whoever queued them
  // queues them again on the next connect.
  void publish_paced(OutgoingMessage message);
  [[nodiscard]] std::size_t paced_pending() const { return paced_.size(); }

  [[nodiscard]] const UplinkCounters& counters() const { return counters_; }
  // The window now: batches read and not yet removed, messages published without their PUBACK.
  struct InFlight {
    std::size_t batches = 0;
    std::size_t messages = 0;
    std::uint64_t bytes = 0;  // of the window's records (record_bytes)
  };
  [[nodiscard]] InFlight in_flight() const;
  [[nodiscard]] const UplinkLimits& limits() const { return options_.limits; }
  [[nodiscard]] bool idle() const { return window_.empty() && !peeking_ && removing_ == 0; }

 private:
  struct Message {
    BatchMessage batch;
    bool telemetry = false;
    std::uint32_t data_points = 0;
    std::map<std::string, std::uint32_t> device_points;  // device -> data points in it
    std::optional<int> mid;
    std::chrono::steady_clock::time_point published_at{};
    bool acked = false;
  };
  struct Batch {
    std::uint64_t serial = 0;  // position in the window: serial - window_.front().serial
    std::vector<Message> messages;
    std::vector<RecordId> ids;   // everything to remove, rejected records included
    std::uint64_t sendable = 0;  // records minus rejected ones
    std::uint64_t records = 0;
    std::uint64_t bytes = 0;  // of its records, record_bytes (max_in_flight_bytes)
    std::size_t next = 0;  // first message not published yet
    std::size_t acked = 0;
    [[nodiscard]] bool done() const { return next == messages.size() && acked == messages.size(); }
  };
  struct MessageRef {
    std::uint64_t batch = 0;  // Batch::serial
    std::size_t index = 0;
  };

  void kick();
  void peek();
  void on_peeked(Expected<std::vector<StoredRecord>> records);
  void add_batch(std::span<const StoredRecord> records);
  void pump();
  std::chrono::steady_clock::duration wait_for(const Message& message,
                                               std::chrono::steady_clock::time_point now);
  void acquire(const Message& message, std::chrono::steady_clock::time_point now);
  RateLimit& device_bucket(std::map<std::string, RateLimit>& buckets, const RateLimit& model,
                           const std::string& device);
  void note_progress();
  void drain_paced();
  void arm_puback_timer();
  void abandon(const std::string& why);
  void set_aside(Batch& batch, Message& message, const Error& refusal);
  [[nodiscard]] const Message* oldest_unacknowledged() const;
  [[nodiscard]] bool later_message_acknowledged(const Message& oldest) const;
  bool count_strike(const Message& oldest, const std::string& what);
  bool count_session_loss(const Message& oldest);
  void move_to_dead_letters(const Message& message, const std::string& reason);
  void remove_done_batches();
  [[nodiscard]] std::size_t unacknowledged_messages() const;
  void request_session_limits();
  void retry_later(std::chrono::milliseconds delay);

  asio::io_context& io_;
  StorageService& storage_;
  MqttClient& client_;
  UplinkOptions options_;
  UplinkCounters counters_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  bool started_ = false;
  bool connected_ = false;
  bool peeking_ = false;
  std::size_t removing_ = 0;  // removes started and not completed
  std::deque<Batch> window_;
  std::uint64_t next_serial_ = 1;
  RecordId read_up_to_{};    // the next peek reads after this id
  std::uint64_t epoch_ = 0;  // bumped by abandon(): a peek started before it is ignored
  std::size_t on_wire_ = 0;  // published messages of the window without their PUBACK
  // Set on reconnect while messages published before the drop are unacknowledged: libmosquitto
  // re-sends those first, and publishing more before their PUBACKs would let later readings
  // overtake earlier ones.
  bool resend_barrier_ = false;
  std::chrono::steady_clock::time_point last_progress_{};  // last publish or PUBACK
  bool puback_timer_armed_ = false;
  std::unordered_map<int, MessageRef> by_mid_;  // message id -> message in the window
  // The dead letter rule: the first record of the message last found oldest unacknowledged at a
  // session loss, how many times in a row, and the records to read one per message (isolating
  // the refused one among a message's records).
  RecordId suspect_{};
  unsigned strikes_ = 0;
  RecordId isolate_through_{};
  // After a first session loss: the suspect goes out alone (one message in flight) until it is
  // acknowledged, so a further loss right after it can be blamed on it and on nothing else.
  bool probing_ = false;
  std::optional<std::int64_t> limits_request_id_;
  std::int64_t next_request_id_ = 1;

  std::map<std::string, RateLimit> device_messages_;
  std::map<std::string, RateLimit> device_telemetry_messages_;
  std::map<std::string, RateLimit> device_data_points_;

  std::deque<OutgoingMessage> paced_;
  asio::steady_timer paced_timer_;
  asio::steady_timer rate_timer_;
  asio::steady_timer puback_timer_;
  asio::steady_timer retry_timer_;
  asio::steady_timer limits_timer_;
};

}  // namespace dlmsgw::gateway
