#pragma once
// MeterWorker: one configured meter, driven by one coroutine on the gateway's loop.
//
//   connect (under the poll limiter, spaced by MeterHealth: backoff with jitter, minimum gap,
//   circuit breaker) -> at connect: static attributes, attributes read from the meter, the clock
//   offset -> poll groups on a fixed-rate schedule -> on a lost link or a watchdog verdict: close
//   and connect again.
//
// Schedule: points with the same period form a group; a group's next start is its previous start
// plus its period, whatever the read took. A start that passed before the previous read of the
// group finished is an overrun: counted, logged, and skipped (never run late in a burst).
//
// Timestamps: each value's ts is the moment its answer arrived. With GET-with-list (when the meter
// negotiated multiple references) a group is one request and one ts; otherwise one GET per point,
// each with its own ts.
//
// Stop: the worker finishes the request in flight, releases the association (RLRQ, DISC) and
// ends; a meter that does not answer within kStopGrace is dropped without ceremony. The worker
// keeps itself alive (shared_from_this) until its coroutine ends, so the connector may be
// destroyed right after stop().

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "client/invocation_counter_store.hpp"
#include "client/session.hpp"
#include "connectors/dlms/dlms_connector_config.hpp"
#include "connectors/dlms/meter_health.hpp"
#include "connectors/dlms/meter_statistics.hpp"
#include "connectors/dlms/object_request.hpp"
#include "connectors/dlms/poll_limiter.hpp"
#include "connectors/dlms/profile_cursor_store.hpp"
#include "connectors/dlms/profile_readings.hpp"
#include "connectors/dlms/report_filter.hpp"
#include "gateway/connector.hpp"

namespace dlmsgw::connectors::dlms {

inline constexpr std::chrono::milliseconds kStopGrace{3'000};
// Capture periods asked for in one profile read: one read stays short (96 quarter-hours, a day)
// and the regular polls run between the chunks of a long backfill.
inline constexpr std::size_t kProfileChunkEntries = 96;

class MeterWorker : public std::enable_shared_from_this<MeterWorker> {
 public:
  MeterWorker(asio::io_context& io, DeviceConfig config, std::shared_ptr<PollLimiter> limiter,
              std::chrono::milliseconds statistics_period, std::uint64_t seed,
              std::shared_ptr<client::InvocationCounterStore> counters = nullptr,
              std::shared_ptr<ProfileCursorStore> cursors = nullptr);

  void start(gateway::GatewaySink& sink);
  // Tells the core this meter is served (as a gateway child, or with its own token): start() does,
  // and a reload that keeps the worker does again.
  void declare(gateway::GatewaySink& sink) const;
  void stop();

  void handle_rpc(gateway::RpcRequest request, gateway::RpcReply reply);
  void handle_attribute_update(const nlohmann::json& values);

  [[nodiscard]] const DeviceConfig& config() const { return *config_; }
  [[nodiscard]] nlohmann::json statistics_json() const;
  [[nodiscard]] MeterSnapshot snapshot() const;

  // Frame tracing: every frame sent to and received from this meter logged in hex at info level
  // (logger "dlms"), from now on and across reconnects, until switched off. Costs nothing when
  // off: the channel's hook is empty then.
  void set_trace(bool enabled);
  [[nodiscard]] bool tracing() const { return tracing_; }
  [[nodiscard]] bool finished() const { return finished_; }

 private:
  // Points read together: same kind (telemetry or attributes) and same period.
  struct PollGroup {
    bool attributes = false;
    std::chrono::milliseconds period{0};
    std::vector<const PointConfig*> points;
    std::chrono::steady_clock::time_point next_start{};
  };
  // dropped_before_answer: the link was gone at the group's first request (the meter dropped
  // it while we were idle), nothing was recorded: reopen and read the group again.
  enum class GroupOutcome { read, link_lost, dropped_before_answer };

  // One reading of the meter's clock.
  struct MeterClock {
    std::int64_t offset_ms = 0;      // the meter's clock minus ours, at the middle of the GET
    std::int64_t round_trip_ms = 0;  // the uncertainty of offset_ms
    std::string text;                // as the meter gave it
    std::int64_t meter_ms = 0;       // the meter's clock then (Unix ms)
    std::chrono::steady_clock::time_point taken{};  // the middle of the GET
  };
  // One configured profile (issue 16): what was learnt about it on this association and where its
  // delivery stands.
  struct ProfileState {
    const ProfileConfig* config = nullptr;
    bool prepared = false;  // capture objects, capture period and scalers read
    std::vector<xdlms::CaptureObjectDefinition> capture;
    std::vector<ProfileColumn> columns;
    std::int64_t capture_period_ms = 0;        // attribute 4; 0 for event logs
    std::optional<std::int64_t> cursor_ms;     // newest entry committed to storage
    std::optional<std::int64_t> next_from_ms;  // past an empty stretch already scanned
    std::chrono::steady_clock::time_point next_start{};
    std::string last_error;      // logged once until it changes
    bool range_refused = false;  // read by entry (selector 2) instead
    // The meter's clock was set back: its entries recorded since with capture times at or before
    // `set_back_until_ms` (the cursor then, raised to the newest entry recorded before the set
    // back once that is delivered) are read by entry; the newest of them delivered. Persisted
    // with the cursor, so that a restart goes on where it was.
    std::optional<std::int64_t> set_back_until_ms;
    std::optional<std::int64_t> set_back_delivered_ms;
    // The meter's clock minus ours at the last read (persisted): a drop is a set back. With our
    // clock's time of that read and its round trip (persisted; their drift and uncertainty are
    // tolerated), and within this run the reading itself (compared on the steady clock, so that
    // our own clock's steps are not taken for the meter's).
    std::optional<std::int64_t> clock_offset_ms;
    std::optional<std::int64_t> clock_offset_at_ms;
    std::optional<std::int64_t> clock_round_trip_ms;
    std::optional<MeterClock> clock_seen;
    // A set back seen as a clock offset drop: older entries than this cannot have been recorded
    // after it, so the search for where the clock went back stops there.
    std::optional<std::int64_t> set_back_floor_ms;
    // Of that set back, since when no entry repeating a capture time was found (this run): the
    // meter records one within a capture period of a real set back; none by then, it was false.
    std::optional<std::chrono::steady_clock::time_point> set_back_no_place_since;
  };

  // The meter's coroutine, one activation: it ends whenever the meter has nothing to do before
  // some time (backoff, between polls), and resume_at() starts it again then from a timer's
  // handler, so that a waiting meter holds no coroutine frames (issue 18 item 4: about 1.4 KB a
  // meter). serving_, next_clock_ and idle_target_ carry what the frames held across the wait.
  asio::awaitable<void> run();
  void activate();
  void resume_at(std::chrono::steady_clock::time_point at);
  asio::awaitable<bool> connect();
  // Polls what is due on the open session until it would wait: the time to come back then, or
  // nullopt to leave the session (lost, watchdog, stop, reconnect).
  asio::awaitable<std::optional<std::chrono::steady_clock::time_point>> serve();
  // serve()'s start, out of its frame: static attributes, everything due now.
  void begin_serving();
  asio::awaitable<GroupOutcome> read_group(PollGroup& group);
  // One bounded chunk of a profile, from just after its cursor; the cursor advances once storage
  // committed the entries.
  asio::awaitable<GroupOutcome> read_profile_chunk(ProfileState& profile);
  asio::awaitable<Expected<void>> prepare_profile(client::Session& session, ProfileState& profile);
  // A set back in progress (before the range read, so that no range read moves the cursor past
  // capture times the meter records again), or after a range read found nothing new, whether the
  // meter's newest entry is older than the cursor (its clock was set back): the entries recorded
  // since, by entry access, and those recorded before it and not delivered yet. False when it
  // stopped short (storage refused an entry): no range read may go on from the cursor then.
  asio::awaitable<Expected<bool>> read_after_set_back(client::Session& session,
                                                      ProfileState& profile, std::int64_t now_ms);
  asio::awaitable<Expected<void>> wait_until_stored();
  // Before each read from the cursor: the meter's clock offset against the previous one (kept
  // with the cursor across restarts); a drop is a set back, which the range reads from the cursor
  // cannot see once the meter's clock is past the cursor (the gateway away, storage refusing, or
  // a set back shorter than the poll period).
  asio::awaitable<void> compare_profile_clock(client::Session& session, ProfileState& profile);
  // The cursor and the set-back state, to the cursor store (only once storage committed).
  void save_profile_cursor(const ProfileState& profile);
  // Every entry of the set back in progress is delivered (or there was none): its state cleared
  // and saved.
  void end_set_back(ProfileState& profile);
  asio::awaitable<Expected<MeterClock>> read_meter_clock(client::Session& session);
  // RPC readProfile: the entries of [from_ms, to_ms] read by range and stored again, whatever the
  // cursor; the cursor does not move.
  asio::awaitable<void> read_profile_again(
      std::size_t profile_index, std::int64_t from_ms, std::int64_t to_ms, gateway::RpcReply reply,
      std::optional<std::chrono::steady_clock::time_point> deadline);
  [[nodiscard]] std::chrono::milliseconds profile_period(const ProfileState& profile) const;
  [[nodiscard]] bool group_due(std::chrono::steady_clock::time_point now) const;
  asio::awaitable<void> read_clock_offset(gateway::AttributeSet& attributes);
  // The clock offset attribute, read and submitted: out of serve(), whose frame every meter holds
  // while it waits, so that its locals are not in that frame.
  asio::awaitable<void> publish_clock_offset();
  // The statistics reading every statistics_period_, by a timer's handler rather than a
  // coroutine: a coroutine frame and its co_spawn cost about 1 KB per meter while it waits.
  void arm_statistics();
  void submit_statistics();
  // `deadline`: the router's; a SET or ACTION not started by then is dropped (never sent), one
  // that completes after it is logged (ThingsBoard was already told it timed out).
  asio::awaitable<void> execute(ObjectRequest request, gateway::RpcReply reply,
                                std::optional<std::chrono::steady_clock::time_point> deadline);
  asio::awaitable<void> write_attribute(AttributeUpdateConfig update, nlohmann::json value);
  asio::awaitable<void> close_session();
  // Between polls: keep-alive GETs whenever the session is idle for keepAliveInterval. The time
  // to sleep until (`at`, or the next keep-alive's), or nullopt to go on at once.
  asio::awaitable<std::optional<std::chrono::steady_clock::time_point>> idle_until(
      std::chrono::steady_clock::time_point at);
  // A link that dropped while idle, opened again outside MeterHealth; false when it failed.
  asio::awaitable<bool> reopen_idle_session();

  void build_groups();
  void record_value(const PointConfig& point, Expected<client::MeterValue> value,
                    std::vector<gateway::DataPoint>& out);
  void submit(gateway::Reading reading);
  void submit_poll(std::vector<gateway::Reading> readings);
  void submit(gateway::AttributeSet attributes);
  void schedule_next(PollGroup& group, std::chrono::steady_clock::time_point finished);
  void record_latency(std::chrono::steady_clock::time_point started);
  // The point's place among the meter's points (timeseries, then attributes): its report filter
  // slot.
  [[nodiscard]] std::size_t slot_of(const PointConfig& point) const;
  [[nodiscard]] std::shared_ptr<const client::ConnectionSettings> connection_settings() const;
  [[nodiscard]] client::FrameTrace frame_trace() const;
  // "meter 'kitchen' 127.0.0.1:3333": how every log line about this meter starts.
  [[nodiscard]] std::string who() const { return config_->connection.describe(); }
  // An error message without a leading who() (session errors carry it already), so that a log
  // line names the meter once.
  [[nodiscard]] std::string without_who(const std::string& message) const;
  [[nodiscard]] std::string not_connected_reason() const;
  [[nodiscard]] bool active() const { return !stopping_ && sink_ != nullptr; }

  asio::io_context& io_;
  // Shared with each session (its connection settings), so that they are not copied per session.
  std::shared_ptr<const DeviceConfig> config_;
  std::shared_ptr<PollLimiter> limiter_;
  std::chrono::milliseconds statistics_period_;
  gateway::GatewaySink* sink_ = nullptr;
  // Counters carry over between sessions: a new session starting at 0 would reuse GCM nonces
  // (and be refused by a meter that enforces them). Shared, durable in `dlmsgw run`.
  std::shared_ptr<client::InvocationCounterStore> counters_;
  // GET-with-list requests this meter refused as a whole, kept across reconnections.
  std::shared_ptr<client::ListRefusals> list_refusals_ = std::make_shared<client::ListRefusals>();
  std::shared_ptr<client::Session> session_;
  MeterHealth health_;
  MeterStatistics stats_;
  ReportFilter filter_;
  std::vector<PollGroup> groups_;
  std::shared_ptr<ProfileCursorStore> cursors_;
  std::vector<ProfileState> profiles_;
  std::map<std::string, std::string> point_errors_;  // key -> last error logged
  asio::steady_timer wake_;
  asio::steady_timer statistics_timer_;
  std::unique_ptr<asio::steady_timer> abort_timer_;  // made by stop(): 120 bytes a meter before
  bool serving_ = false;  // associated, begin_serving() done: run() goes on with serve()
  std::chrono::steady_clock::time_point next_clock_{};  // the clock offset's next reading
  // Set while sleeping for a keep-alive before the poll at this time; empty otherwise.
  std::chrono::steady_clock::time_point idle_target_{};
  bool stopping_ = false;
  bool finished_ = false;
  bool reconnect_requested_ = false;
  bool attempt_now_ = false;
  bool clock_readable_ = true;
  // The last clock reading of this association, shared by the profiles, their chunks and the
  // clock offset attribute while younger than kClockReuse (docs/dlms-connector.md).
  std::optional<MeterClock> last_clock_;
  bool pause_logged_ = false;
  bool tracing_ = false;
};

}  // namespace dlmsgw::connectors::dlms
