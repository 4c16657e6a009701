#include "connectors/dlms/meter_worker.hpp"

#pragma GCC diagnostic ignored "-Wmismatched-new-delete"  // asio frame allocator, see session.cpp

#include <spdlog/spdlog.h>

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <functional>
#include <variant>

#include "client/meter_value.hpp"
#include "connectors/dlms/data_json.hpp"
#include "core/hex.hpp"
#include "core/text_excerpt.hpp"
#include "dlms/acse/authentication_redaction.hpp"
#include "dlms/cosem/interface_class.hpp"
#include "gateway/component_logger.hpp"

namespace dlmsgw::connectors::dlms {
namespace {

using SteadyClock = std::chrono::steady_clock;

// The connection itself is gone (closed, reset): what an idle link the meter dropped gives at
// the next request. A timeout is not: the link may still be there.
bool dropped_while_idle(const Error& error) {
  return error.code == ErrorCode::connection_closed || error.code == ErrorCode::io_error;
}
using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr ObisCode kClockCode{0, 0, 1, 0, 0, 255};
constexpr std::uint16_t kClockClass = 8;
constexpr std::uint16_t kDisconnectControlClass = 70;
// How long one reading of the meter's clock serves the profiles and the clock offset attribute.
constexpr std::chrono::seconds kClockReuse{60};

gateway::Timestamp wall_now() {
  return std::chrono::time_point_cast<milliseconds>(std::chrono::system_clock::now());
}

// A clock GET that failed for the meter's reasons: it has no clock we can read (refused,
// unsupported, an answer we cannot use). A timeout or a dropped link is not: ask again next time.
bool clock_refused(const Error& error) {
  switch (error.code) {
    case ErrorCode::rejected:
    case ErrorCode::unsupported:
    case ErrorCode::malformed:
    case ErrorCode::truncated:
    case ErrorCode::out_of_range:
    case ErrorCode::too_deep:
      return true;
    default:
      return false;
  }
}

std::shared_ptr<spdlog::logger> log() {
  return gateway::component_logger("connector");
}

std::string rpc_methods(const DeviceConfig& config) {
  std::string names = "get, set, action, reconnect, getStats, trace";
  if (!config.profiles.empty()) names += ", readProfile";
  for (const auto& method : config.rpc) names += ", " + method.method;
  return names;
}

}  // namespace

MeterWorker::MeterWorker(asio::io_context& io, DeviceConfig config,
                         std::shared_ptr<PollLimiter> limiter,
                         std::chrono::milliseconds statistics_period, std::uint64_t seed,
                         std::shared_ptr<client::InvocationCounterStore> counters,
                         std::shared_ptr<ProfileCursorStore> cursors)
    : io_(io),
      config_(std::make_shared<const DeviceConfig>(std::move(config))),
      limiter_(std::move(limiter)),
      statistics_period_(statistics_period),
      counters_(counters ? std::move(counters)
                         : std::make_shared<client::MemoryInvocationCounterStore>()),
      health_(config_->watchdog, config_->circuit_breaker, config_->retry, seed),
      wake_(io),
      statistics_timer_(io) {
  cursors_ = cursors ? std::move(cursors) : std::make_shared<MemoryProfileCursorStore>();
  build_groups();
  filter_ = ReportFilter(config_->timeseries.size() + config_->attributes.size());
  for (const auto& profile : config_->profiles) {
    ProfileState state;
    state.config = &profile;
    if (const auto cursor = cursors_->load(config_->name, profile.obis)) {
      state.cursor_ms = cursor->newest_ms;
      state.clock_offset_ms = cursor->clock_offset_ms;
      state.clock_offset_at_ms = cursor->clock_offset_at_ms;
      state.clock_round_trip_ms = cursor->clock_round_trip_ms;
      state.set_back_until_ms = cursor->set_back_until_ms;
      state.set_back_delivered_ms = cursor->set_back_delivered_ms;
      state.set_back_floor_ms = cursor->set_back_floor_ms;
    }
    profiles_.push_back(std::move(state));
  }
  stats_.profiles = profiles_.size();
}

void MeterWorker::build_groups() {
  // The parser resolved every point's period (attributes: the slow attribute period unless given
  // their own).
  const auto add = [this](const PointConfig& point, bool attributes) {
    const auto period = point.poll_period.count() > 0 ? point.poll_period : config_->poll_period;
    for (auto& group : groups_) {
      if (group.attributes == attributes && group.period == period) {
        group.points.push_back(&point);
        return;
      }
    }
    groups_.push_back(PollGroup{attributes, period, {&point}, {}});
  };
  for (const auto& point : config_->timeseries) add(point, false);
  for (const auto& point : config_->attributes) add(point, true);
}

void MeterWorker::declare(gateway::GatewaySink& sink) const {
  if (config_->device_token) {
    // Migration: the meter keeps publishing as its own ThingsBoard device (device API).
    sink.device_uses_own_token(config_->name, config_->device_token->access_token);
  } else {
    sink.device_connected(config_->name, config_->type);
  }
}

void MeterWorker::start(gateway::GatewaySink& sink) {
  sink_ = &sink;
  declare(sink);
  activate();
  if (statistics_period_.count() > 0) arm_statistics();
}

void MeterWorker::activate() {
  asio::co_spawn(
      io_, [self = shared_from_this()] { return self->run(); }, asio::detached);
}

void MeterWorker::stop() {
  if (stopping_) return;
  stopping_ = true;
  sink_ = nullptr;
  wake_.cancel();
  statistics_timer_.cancel();
  // A request in flight gets kStopGrace to finish so that the association is released politely.
  abort_timer_ = std::make_unique<asio::steady_timer>(io_, kStopGrace);
  abort_timer_->async_wait([self = shared_from_this()](std::error_code error) {
    if (error || self->finished_ || !self->session_) return;
    log()->warn("{}: no answer within {} ms of shutting down; dropping the connection", self->who(),
                kStopGrace.count());
    self->session_->abort();
  });
}

void MeterWorker::resume_at(SteadyClock::time_point at) {
  // Stopping: at once, to end. Woken early (stop, an RPC reconnect: wake_.cancel()) alike.
  wake_.expires_at(stopping_ ? SteadyClock::now() : at);
  wake_.async_wait([self = shared_from_this()](std::error_code) { self->activate(); });
}

asio::awaitable<void> MeterWorker::run() {
  while (!stopping_) {
    if (serving_) {
      if (const auto sleep = co_await serve()) {
        resume_at(*sleep);
        co_return;
      }
      serving_ = false;
      idle_target_ = {};
      co_await close_session();
      continue;
    }
    const auto now = SteadyClock::now();
    if (!attempt_now_) {
      if (const auto paused = health_.paused_until(now)) {
        stats_.state = "paused";
        if (!pause_logged_) {
          pause_logged_ = true;
          log()->warn(
              "{}: circuit breaker open ({}); pausing connection attempts "
              "for {} s",
              who(), health_.breaker_reason(),
              duration_cast<std::chrono::seconds>(*paused - now).count());
        }
      }
      const auto at = health_.next_attempt_at(now);
      if (at > now) {
        if (stats_.state != "paused") stats_.state = "backoff";
        resume_at(at);
        co_return;
      }
    }
    attempt_now_ = false;
    if (!co_await connect()) continue;
    pause_logged_ = false;
    begin_serving();
    serving_ = true;
  }
  serving_ = false;
  co_await close_session();
  finished_ = true;
  if (abort_timer_) abort_timer_->cancel();
}

asio::awaitable<bool> MeterWorker::connect() {
  stats_.state = "connecting";
  health_.on_connect_attempt(SteadyClock::now());
  auto slot = co_await limiter_->acquire();
  if (stopping_) co_return false;
  auto session = std::make_shared<client::Session>(connection_settings(), counters_.get());
  session->set_list_refusals(list_refusals_);
  if (tracing_) session->set_trace(frame_trace());
  session_ = session;
  auto opened = co_await session->open();
  if (!opened) {
    health_.on_connect_failed(SteadyClock::now());
    ++stats_.connect_failures;
    stats_.last_error = opened.error().message;
    log()->warn("{}: {} (attempt {} in a row)", who(), without_who(opened.error().message),
                health_.consecutive_connect_failures());
    session_.reset();
    co_return false;
  }
  health_.on_connected(SteadyClock::now());
  stats_.reconnects = health_.reconnects();
  stats_.state = "connected";
  reconnect_requested_ = false;
  clock_readable_ = true;
  last_clock_.reset();
  log()->info("{}: associated ({}, conformance {}, max PDU {})", who(),
              client::to_string(config_->connection.transport),
              session->negotiated_conformance().to_string(), session->server_max_pdu_size());
  co_return true;
}

void MeterWorker::begin_serving() {
  if (!config_->static_attributes.empty()) {
    submit(gateway::AttributeSet{config_->name, config_->static_attributes});
  }
  // Everything is due at once after a (re)connect; attributes and the clock first.
  const auto now = SteadyClock::now();
  for (auto& group : groups_) group.next_start = now;
  std::stable_partition(groups_.begin(), groups_.end(),
                        [](const PollGroup& group) { return group.attributes; });
  for (auto& profile : profiles_) {
    profile.prepared = false;  // a new association: the meter may have been reconfigured
    profile.next_start = now;
  }
  next_clock_ = now;
  idle_target_ = {};
}

asio::awaitable<std::optional<SteadyClock::time_point>> MeterWorker::serve() {
  const bool clock_due = config_->publish_clock_offset;
  // Woken for a keep-alive between two polls: the idle wait goes on.
  if (idle_target_ != SteadyClock::time_point{}) {
    const auto target = std::exchange(idle_target_, {});
    if (const auto sleep = co_await idle_until(target)) co_return sleep;
  }
  while (!stopping_ && !reconnect_requested_ && session_) {
    // Only an idle drop (keep-alive, an RPC) gets here with a closed session: a failed poll
    // leaves the loop below.
    if (!session_->is_open() && !co_await reopen_idle_session()) break;
    const auto current = SteadyClock::now();
    if (clock_due && current >= next_clock_) {
      co_await publish_clock_offset();
      next_clock_ = current + config_->attribute_poll_period;
      if (!session_ || !session_->is_open()) break;
    }
    bool lost = false;
    for (auto& group : groups_) {
      if (stopping_ || reconnect_requested_) break;
      if (group.next_start > SteadyClock::now()) continue;
      auto outcome = co_await read_group(group);
      if (outcome == GroupOutcome::dropped_before_answer) {
        // Once: a meter that drops the link at every first request fails like any other.
        outcome =
            co_await reopen_idle_session() ? co_await read_group(group) : GroupOutcome::link_lost;
        if (outcome == GroupOutcome::dropped_before_answer) outcome = GroupOutcome::link_lost;
      }
      if (outcome == GroupOutcome::link_lost) {
        lost = true;
        break;
      }
      schedule_next(group, SteadyClock::now());
    }
    for (auto& profile : profiles_) {
      if (lost || stopping_ || reconnect_requested_) break;
      if (profile.next_start > SteadyClock::now()) continue;
      // The regular polls first: a backfill only takes the time between them.
      if (group_due(SteadyClock::now())) break;
      if (co_await read_profile_chunk(profile) == GroupOutcome::link_lost) lost = true;
    }
    if (lost || stopping_) break;
    if (const auto reason = health_.watchdog_reason(SteadyClock::now())) {
      log()->warn("{}: watchdog: {}; reconnecting", who(), *reason);
      break;
    }
    auto next = SteadyClock::time_point::max();
    for (const auto& group : groups_) next = std::min(next, group.next_start);
    for (const auto& profile : profiles_) next = std::min(next, profile.next_start);
    if (clock_due) next = std::min(next, next_clock_);
    if (next == SteadyClock::time_point::max()) next = SteadyClock::now() + config_->poll_period;
    if (next > SteadyClock::now()) {
      if (const auto sleep = co_await idle_until(next)) co_return sleep;
    }
  }
  co_return std::nullopt;
}

asio::awaitable<void> MeterWorker::publish_clock_offset() {
  gateway::AttributeSet clock{config_->name, {}};
  co_await read_clock_offset(clock);
  if (!clock.values.empty()) submit(std::move(clock));
}

asio::awaitable<std::optional<SteadyClock::time_point>> MeterWorker::idle_until(
    SteadyClock::time_point at) {
  while (!stopping_ && !reconnect_requested_ && SteadyClock::now() < at) {
    auto session = session_;
    if (!session || !session->is_open()) co_return std::nullopt;
    const auto due = session->keep_alive_due();
    // Woken then, or early (an RPC, stop): the poll loop looks again.
    if (due >= at) co_return at;
    if (SteadyClock::now() < due) {
      idle_target_ = at;  // woken for the keep-alive, this wait goes on
      co_return due;
    }
    // Serialised with polls and RPCs by the session's mutex.
    if (auto kept = co_await session->keep_alive_if_idle(); !kept) {
      log()->info("{}: keep-alive failed ({}); associating again before the next poll", who(),
                  without_who(kept.error().message));
      co_return std::nullopt;
    }
  }
  co_return std::nullopt;
}

asio::awaitable<bool> MeterWorker::reopen_idle_session() {
  // The meter (or a NAT, a modem) dropped an idle link: no poll failed, so this reconnect is not
  // a failure and not a reconnect for the breaker; a meter that drops idle links every cycle
  // must not pause itself. A failure to open again is a real one: the caller then takes the
  // counted path (backoff, breaker).
  auto slot = co_await limiter_->acquire();
  if (stopping_) co_return false;
  if (auto old = std::exchange(session_, nullptr)) co_await old->close();
  // Stopped (shutdown, reload) while closing: no new association after the stop.
  if (stopping_) co_return false;
  auto session = std::make_shared<client::Session>(connection_settings(), counters_.get());
  session->set_list_refusals(list_refusals_);
  if (tracing_) session->set_trace(frame_trace());
  session_ = session;
  auto opened = co_await session->open();
  if (!opened) {
    log()->warn("{}: the link dropped while idle and associating again failed: {}", who(),
                without_who(opened.error().message));
    co_return false;
  }
  ++stats_.idle_reopens;
  clock_readable_ = true;
  last_clock_.reset();
  log()->info("{}: the link dropped while idle; associated again before the poll", who());
  co_return true;
}

void MeterWorker::schedule_next(PollGroup& group, SteadyClock::time_point finished) {
  group.next_start += group.period;
  if (group.next_start > finished) return;
  // The read outlasted the period: skip the starts that passed, count them, never run late.
  const auto behind = finished - group.next_start;
  const auto missed = behind / group.period + 1;
  stats_.overruns += static_cast<std::uint64_t>(missed);
  group.next_start += missed * group.period;
  if (stats_.overruns == static_cast<std::uint64_t>(missed) || stats_.overruns % 100 == 0) {
    log()->warn("{}: a {} ms poll took longer than its period ({} overruns so far)", who(),
                group.period.count(), stats_.overruns);
  }
}

asio::awaitable<MeterWorker::GroupOutcome> MeterWorker::read_group(PollGroup& group) {
  auto slot = co_await limiter_->acquire();
  auto session = session_;
  if (!session || !session->is_open()) co_return GroupOutcome::link_lost;
  std::vector<gateway::Reading> readings;
  std::vector<gateway::DataPoint> attribute_values;
  const bool with_list = group.points.size() > 1 && session->negotiated_conformance().has(
                                                        xdlms::ConformanceBit::multiple_references);
  bool any_ok = false;
  bool link_lost = false;

  const auto take = [&](const PointConfig& point, Expected<client::MeterValue> value,
                        gateway::Timestamp ts) {
    if (value) any_ok = true;
    if (group.attributes) {
      record_value(point, std::move(value), attribute_values);
      return;
    }
    std::vector<gateway::DataPoint> values;
    record_value(point, std::move(value), values);
    if (values.empty()) return;
    if (!readings.empty() && readings.back().ts == ts) {
      for (auto& value_point : values) readings.back().values.push_back(std::move(value_point));
    } else {
      readings.push_back(gateway::Reading{config_->name, ts, std::move(values)});
    }
  };

  if (with_list) {
    std::vector<xdlms::CosemAttributeDescriptor> descriptors;
    descriptors.reserve(group.points.size());
    for (const auto* point : group.points) descriptors.push_back(point->attribute);
    const auto started = SteadyClock::now();
    auto results = co_await session->read_many(descriptors);
    if (!results && !session->is_open() && dropped_while_idle(results.error())) {
      co_return GroupOutcome::dropped_before_answer;
    }
    const auto ts = wall_now();
    record_latency(started);
    if (!results) {
      link_lost = !session->is_open();
      for (const auto* point : group.points) take(*point, results.error(), ts);
    } else {
      for (std::size_t i = 0; i < group.points.size() && i < results->size(); ++i) {
        take(*group.points[i], std::move((*results)[i]), ts);
      }
    }
  } else {
    for (const auto* point : group.points) {
      if (link_lost || stopping_) break;
      const auto started = SteadyClock::now();
      auto value = co_await session->read(point->attribute);
      if (!value && !session->is_open() && point == group.points.front() &&
          dropped_while_idle(value.error())) {
        co_return GroupOutcome::dropped_before_answer;
      }
      const auto ts = wall_now();
      record_latency(started);
      if (!value && !session->is_open()) link_lost = true;
      take(*point, std::move(value), ts);
    }
  }

  ++stats_.cycles;
  if (any_ok) {
    health_.on_read_ok(SteadyClock::now());
  } else {
    health_.on_read_failed(SteadyClock::now());
  }
  // One poll, one record: storage and uplink work per poll, each value with its answer's ts.
  submit_poll(std::move(readings));
  if (!attribute_values.empty()) {
    submit(gateway::AttributeSet{config_->name, std::move(attribute_values)});
  }
  co_return link_lost ? GroupOutcome::link_lost : GroupOutcome::read;
}

void MeterWorker::record_value(const PointConfig& point, Expected<client::MeterValue> value,
                               std::vector<gateway::DataPoint>& out) {
  const auto fail = [&](const std::string& message) {
    ++stats_.reads_failed;
    stats_.last_error = message;
    auto& logged = point_errors_[point.key];
    if (logged != message) {
      logged = message;
      log()->warn("{}: key '{}': {}", who(), point.key, without_who(message));
    }
  };
  if (!value) {
    fail(value.error().message);
    return;
  }
  auto converted = to_telemetry(*value, point);
  if (!converted) {
    fail(converted.error().message);
    return;
  }
  ++stats_.reads_ok;
  stats_.last_good_read = std::chrono::system_clock::now();
  if (auto logged = point_errors_.find(point.key); logged != point_errors_.end()) {
    log()->info("{}: key '{}' reads again", who(), point.key);
    point_errors_.erase(logged);
  }
  if (filter_.should_report(slot_of(point), point.report_strategy, *converted,
                            SteadyClock::now())) {
    out.push_back(gateway::DataPoint{point.key, std::move(*converted)});
  }
}

bool MeterWorker::group_due(SteadyClock::time_point now) const {
  return std::any_of(groups_.begin(), groups_.end(),
                     [now](const PollGroup& group) { return group.next_start <= now; });
}

std::chrono::milliseconds MeterWorker::profile_period(const ProfileState& profile) const {
  if (profile.config->poll_period.count() > 0) return profile.config->poll_period;
  if (profile.capture_period_ms > 0) return milliseconds(profile.capture_period_ms);
  return std::chrono::minutes(15);  // event logs have no capture period
}

asio::awaitable<Expected<void>> MeterWorker::prepare_profile(client::Session& session,
                                                             ProfileState& profile) {
  const ObisCode& obis = profile.config->obis;
  const auto where = "profile " + obis.to_string();
  const std::uint16_t profile_class = 7;
  auto capture = co_await session.get({profile_class, obis, 3});
  if (!capture) co_return capture.error().with_context(where + " capture_objects");
  auto definitions = xdlms::decode_capture_objects(*capture);
  if (!definitions) co_return definitions.error().with_context(where);
  auto period = co_await session.get({profile_class, obis, 4});
  if (!period) co_return period.error().with_context(where + " capture_period");
  const std::uint64_t* seconds = period->as_unsigned();
  auto columns = select_profile_columns(*profile.config, *definitions);
  if (!columns) co_return columns.error();
  for (auto& column : *columns) {
    const auto scaler = cosem::scaler_unit_attribute(
        static_cast<cosem::InterfaceClass>(column.point.attribute.class_id));
    if (!scaler || column.point.attribute.attribute_id != 2) continue;
    auto data = co_await session.get(
        {column.point.attribute.class_id, column.point.attribute.instance, *scaler});
    if (!data) co_return data.error().with_context(where + " column '" + column.point.key + "'");
    auto decoded = client::decode_scaler_unit(*data);
    if (!decoded) {
      co_return decoded.error().with_context(where + " column '" + column.point.key + "'");
    }
    column.scaler_unit = *decoded;
  }
  profile.capture = std::move(*definitions);
  profile.columns = std::move(*columns);
  profile.capture_period_ms = seconds != nullptr ? static_cast<std::int64_t>(*seconds) * 1000 : 0;
  profile.prepared = true;
  co_return Expected<void>{};
}

asio::awaitable<Expected<void>> MeterWorker::wait_until_stored() {
  if (!active()) {
    co_return make_error(ErrorCode::rejected, "stopping before storage confirmed the entries");
  }
  // A timer as the event: the sink's callback records the result and cancels it. Bounded: storage
  // failing for good must not hold this meter's polls (and its poll slot) forever; the cursor then
  // stays, and the entries are read again later.
  constexpr auto kStoredWait = std::chrono::seconds(30);
  auto result = std::make_shared<std::optional<Expected<void>>>();
  auto signal = std::make_shared<asio::steady_timer>(io_, SteadyClock::now() + kStoredWait);
  sink_->when_stored(config_->name, [result, signal](Expected<void> stored) {
    *result = std::move(stored);
    signal->cancel();
  });
  while (!result->has_value()) {
    const auto [ec] =
        co_await signal->async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    if (!ec && !result->has_value()) {
      co_return make_error(ErrorCode::timeout,
                           "storage did not confirm the entries within 30 s (see the storage "
                           "errors); the profile is read again from the same place later");
    }
  }
  Expected<void> stored = std::move(**result);
  co_return stored;
}

asio::awaitable<MeterWorker::GroupOutcome> MeterWorker::read_profile_chunk(ProfileState& profile) {
  auto slot = co_await limiter_->acquire();
  auto session = session_;
  if (!session || !session->is_open()) co_return GroupOutcome::link_lost;
  const ObisCode& obis = profile.config->obis;
  const auto fail = [&](const std::string& message) {
    ++stats_.profile_read_failures;
    stats_.last_error = message;
    if (profile.last_error != message) {
      profile.last_error = message;
      log()->warn("{}: profile {}: {}", who(), obis.to_string(), without_who(message));
    }
    profile.next_start = SteadyClock::now() + profile_period(profile);
    return session->is_open() ? GroupOutcome::read : GroupOutcome::link_lost;
  };
  if (!profile.prepared) {
    auto prepared = co_await prepare_profile(*session, profile);
    if (!prepared) co_return fail(prepared.error().message);
  }
  // Before the range read moves the cursor: a set back since the last read (between two polls, or
  // while the gateway was away or storage refused) covers the entries up to the cursor as it is.
  if (clock_readable_ && !profile.range_refused) {
    co_await compare_profile_clock(*session, profile);
    if (!session->is_open()) co_return GroupOutcome::link_lost;
  }
  const std::int64_t now_ms = wall_now().time_since_epoch().count();
  const std::int64_t period_ms =
      profile.capture_period_ms > 0 ? profile.capture_period_ms : std::int64_t{15 * 60 * 1000};
  // A set back in progress is read first: it raises the cursor to the newest entry recorded before
  // the set back, and takes the capture times up to it away from the range reads, which would
  // otherwise deliver some of them now and never see the entries the meter stamps with them later.
  if (profile.set_back_until_ms && !profile.range_refused) {
    auto complete = co_await read_after_set_back(*session, profile, now_ms);
    if (!complete) co_return fail(complete.error().message);
    if (!*complete) {
      profile.next_start = SteadyClock::now() + std::chrono::seconds(1);
      co_return GroupOutcome::read;
    }
  }
  // While a set back is in progress the capture times up to where it ends are its own, also those
  // after the cursor (entries stamped ahead of our clock before the set back, which it delivers
  // as their time comes): a range read taking some of them would deliver twice.
  std::optional<std::int64_t> read_after = profile.cursor_ms;
  if (profile.set_back_until_ms && !profile.range_refused && read_after) {
    read_after = std::max(*read_after, *profile.set_back_until_ms);
  }
  const auto window = next_profile_window(read_after, profile.next_from_ms, now_ms, period_ms,
                                          profile.config->max_backfill, kProfileChunkEntries);
  // In the meter's own time when its zone is configured: many meters compare the range with their
  // local clock and ignore the deviation, and a range in UTC would then skip the hours between.
  const int offset = config_->utc_offset_minutes.value_or(0);
  std::variant<xdlms::RangeDescriptor, xdlms::EntryDescriptor> selection =
      xdlms::RangeDescriptor::between(cosem::DateTime::from_unix_ms(window.from_ms, offset),
                                      cosem::DateTime::from_unix_ms(window.to_ms, offset));
  bool reaches_now = window.reaches_now;
  if (profile.range_refused) {
    auto in_use = co_await session->get({7, obis, 7});
    if (!in_use) co_return fail(in_use.error().with_context("entries_in_use").message);
    const std::uint64_t* count = in_use->as_unsigned();
    const auto entries = next_entry_window(
        profile.cursor_ms, now_ms, period_ms, profile.config->max_backfill,
        count != nullptr ? static_cast<std::uint32_t>(*count) : 0U, kProfileChunkEntries);
    if (entries.from_entry > entries.to_entry) {
      profile.next_start = SteadyClock::now() + profile_period(profile);
      co_return GroupOutcome::read;
    }
    selection = xdlms::EntryDescriptor{entries.from_entry, entries.to_entry, 1, 0};
    reaches_now = entries.reaches_newest;
  }
  const auto started = SteadyClock::now();
  auto data = co_await session->read_profile(obis, selection);
  record_latency(started);
  if (!data && !profile.range_refused && session->is_open() &&
      data.error().code == ErrorCode::rejected) {
    // Some meters take only entry access: fall back to it for this profile, at once.
    profile.range_refused = true;
    log()->info("{}: profile {} refuses range access ({}); reading it by entry", who(),
                obis.to_string(), without_who(data.error().message));
    profile.next_start = SteadyClock::now();
    co_return GroupOutcome::read;
  }
  if (!data) co_return fail(data.error().message);
  auto entries = xdlms::decode_profile_buffer(
      *data, profile.capture, {config_->utc_offset_minutes, profile.capture_period_ms});
  if (!entries) {
    profile.prepared = false;  // read the capture objects again: they may have changed
    co_return fail(entries.error().with_context("profile " + obis.to_string()).message);
  }
  // A few minutes of a meter clock ahead of ours are tolerated; more is the meter's clock wrong.
  constexpr std::int64_t kClockAheadToleranceMs = 5 * 60 * 1000;
  auto chunk = profile_readings(config_->name, *entries, profile.columns, read_after,
                                now_ms + kClockAheadToleranceMs);
  std::sort(chunk.readings.begin(), chunk.readings.end(),
            [](const gateway::Reading& a, const gateway::Reading& b) { return a.ts < b.ts; });
  if (chunk.skipped_untimed > 0) {
    chunk.errors.push_back(std::to_string(chunk.skipped_untimed) +
                           " entries without a usable capture time (clock not specified or no "
                           "deviation) were not published");
  }
  if (chunk.skipped_future > 0) {
    chunk.errors.push_back(std::to_string(chunk.skipped_future) +
                           " entries stamped more than 5 minutes after the gateway's clock were "
                           "not published (the meter's clock runs ahead: set it); they are read "
                           "again once their time has come");
  }
  for (const auto& error : chunk.errors) {
    if (profile.last_error != error) {
      profile.last_error = error;
      log()->warn("{}: profile {}: {}", who(), obis.to_string(), error);
    }
  }
  // Submitted in capture order; a refusal (storage full) stops the chunk there, and the cursor
  // goes no further than the last entry handed over.
  std::optional<std::int64_t> submitted_newest;
  std::uint64_t submitted = 0;
  bool refused = false;
  for (auto& reading : chunk.readings) {
    if (!active()) break;
    const std::int64_t ts = reading.ts.time_since_epoch().count();
    if (reading.values.empty()) {
      submitted_newest = ts;
      continue;
    }
    if (auto stored = sink_->submit(std::move(reading)); !stored) {
      refused = true;
      log()->warn("{}: profile {}: entry not stored ({}); reading it again later", who(),
                  obis.to_string(), stored.error().message);
      break;
    }
    submitted_newest = ts;
    ++submitted;
  }
  if (submitted_newest) {
    auto stored = co_await wait_until_stored();
    if (!stored) co_return fail(stored.error().message);
    profile.cursor_ms = submitted_newest;
    profile.next_from_ms.reset();
    save_profile_cursor(profile);
    stats_.profile_entries += submitted;
    if (!stats_.profile_newest_entry_ms || *submitted_newest > *stats_.profile_newest_entry_ms) {
      stats_.profile_newest_entry_ms = submitted_newest;
    }
  } else if (!profile.range_refused && !reaches_now && !refused) {
    profile.next_from_ms = window.to_ms + 1000;  // nothing there: go on from the end of the window
  }
  // Nothing after the cursor: the meter's newest entry before it is a set back not seen by the
  // clock offset (no clock to read, or set back before the previous reading).
  if (!profile.range_refused && reaches_now && !refused && !profile.set_back_until_ms &&
      !submitted_newest && profile.cursor_ms) {
    auto complete = co_await read_after_set_back(*session, profile, now_ms);
    if (!complete) co_return fail(complete.error().message);
    if (!*complete) refused = true;
  }
  if (profile.last_error.size() > 0 && chunk.errors.empty()) {
    log()->info("{}: profile {} reads again", who(), obis.to_string());
    profile.last_error.clear();
  }
  const std::int64_t behind_from =
      profile.next_from_ms.value_or(profile.cursor_ms ? *profile.cursor_ms : window.from_ms);
  stats_.profile_pending_entries =
      static_cast<std::uint64_t>(std::max<std::int64_t>(0, (now_ms - behind_from) / period_ms));
  profile.next_start =
      (reaches_now && !refused) ? SteadyClock::now() + profile_period(profile) : SteadyClock::now();
  if (refused) profile.next_start = SteadyClock::now() + std::chrono::seconds(1);
  co_return GroupOutcome::read;
}

asio::awaitable<void> MeterWorker::read_profile_again(
    std::size_t profile_index, std::int64_t from_ms, std::int64_t to_ms, gateway::RpcReply reply,
    std::optional<std::chrono::steady_clock::time_point> deadline) {
  auto session = session_;
  if (!session || !session->is_open()) {
    reply(make_error(ErrorCode::connection_closed, not_connected_reason()));
    co_return;
  }
  std::optional<PollLimiter::Slot> slot;
  slot.emplace(co_await limiter_->acquire());
  if (profile_index >= profiles_.size() || !active()) {
    reply(make_error(ErrorCode::rejected, "device '" + config_->name + "' is stopping"));
    co_return;
  }
  ProfileState& profile = profiles_[profile_index];
  const ObisCode& obis = profile.config->obis;
  const auto failed = [&](const Error& error) {
    reply(error.with_context("device '" + config_->name + "': readProfile " + obis.to_string()));
  };
  if (deadline && SteadyClock::now() > *deadline) {
    log()->warn(
        "{}: RPC readProfile {}: not started before its deadline (ThingsBoard was told it "
        "timed out); nothing read",
        who(), obis.to_string());
    co_return failed(make_error(ErrorCode::timeout, "not started before the RPC deadline"));
  }
  if (!profile.prepared) {
    if (auto prepared = co_await prepare_profile(*session, profile); !prepared) {
      co_return failed(prepared.error());
    }
  }
  if (profile.range_refused) {
    co_return failed(make_error(ErrorCode::unsupported,
                                "the meter refuses range access, which readProfile needs"));
  }
  // Windows of kProfileChunkEntries capture periods, the poll slot given back between them so the
  // regular polls go on; an event log (capture period 0) in one read (the span is bounded by
  // maxBackfillHours and the log by its depth).
  const std::int64_t window_ms =
      profile.capture_period_ms > 0
          ? profile.capture_period_ms * static_cast<std::int64_t>(kProfileChunkEntries)
          : to_ms - from_ms + 1;
  const int offset = config_->utc_offset_minutes.value_or(0);
  std::size_t stored = 0;
  std::optional<std::int64_t> newest;
  for (std::int64_t window_from = from_ms; window_from <= to_ms;) {
    const std::int64_t window_to = std::min(to_ms, window_from + window_ms - 1);
    if (!slot) {
      slot.emplace(co_await limiter_->acquire());
      session = session_;
      if (!active() || !session || !session->is_open()) {
        co_return failed(make_error(
            ErrorCode::connection_closed,
            "the connection closed after " + std::to_string(stored) + " entries, up to " +
                cosem::DateTime::from_unix_ms(window_from - 1).to_iso8601()));
      }
    }
    if (deadline && SteadyClock::now() > *deadline) {
      log()->warn(
          "{}: RPC readProfile {}: deadline passed after {} entries, up to {}; the rest "
          "is not read",
          who(), obis.to_string(), stored,
          cosem::DateTime::from_unix_ms(window_from - 1).to_iso8601());
      co_return failed(make_error(ErrorCode::timeout,
                                  "the RPC deadline passed after " + std::to_string(stored) +
                                      " entries, up to " +
                                      cosem::DateTime::from_unix_ms(window_from - 1).to_iso8601()));
    }
    const auto range =
        xdlms::RangeDescriptor::between(cosem::DateTime::from_unix_ms(window_from, offset),
                                        cosem::DateTime::from_unix_ms(window_to, offset));
    auto data = co_await session->read_profile(obis, range);
    if (!data) co_return failed(data.error());
    auto entries = xdlms::decode_profile_buffer(
        *data, profile.capture, {config_->utc_offset_minutes, profile.capture_period_ms});
    if (!entries) co_return failed(entries.error());
    std::erase_if(*entries, [&](const xdlms::ProfileEntry& entry) {
      return entry.unix_ms && (*entry.unix_ms < window_from || *entry.unix_ms > window_to);
    });
    auto chunk = profile_readings(config_->name, *entries, profile.columns, std::nullopt);
    std::size_t submitted = 0;
    for (auto& reading : chunk.readings) {
      if (!active()) break;
      if (reading.values.empty()) continue;
      if (auto accepted = sink_->submit(std::move(reading)); !accepted) {
        co_return failed(accepted.error());
      }
      ++submitted;
    }
    if (submitted > 0) {
      if (auto committed = co_await wait_until_stored(); !committed) {
        co_return failed(committed.error());
      }
      stored += submitted;
    }
    if (chunk.newest_ms && (!newest || *chunk.newest_ms > *newest)) newest = chunk.newest_ms;
    if (window_to >= to_ms) break;
    window_from = window_to + 1;
    slot.reset();  // the regular polls take their turn between the windows
  }
  log()->info("{}: profile {}: readProfile delivers {} entries again", who(), obis.to_string(),
              stored);
  nlohmann::json answer{{"device", config_->name},
                        {"obis", obis.to_string()},
                        {"entries", stored},
                        {"from", from_ms},
                        {"to", to_ms}};
  if (newest) answer["newest"] = *newest;
  reply(std::move(answer));
}

asio::awaitable<Expected<bool>> MeterWorker::read_after_set_back(client::Session& session,
                                                                 ProfileState& profile,
                                                                 std::int64_t now_ms) {
  const ObisCode& obis = profile.config->obis;
  auto in_use = co_await session.get({7, obis, 7});
  if (!in_use) co_return in_use.error().with_context("entries_in_use");
  const std::uint64_t* count = in_use->as_unsigned();
  if (count == nullptr || *count == 0) co_return true;
  const auto newest_index = static_cast<std::uint32_t>(std::min<std::uint64_t>(*count, UINT32_MAX));
  // The newest entry first; then windows of the newest entries, widened until one holds the place
  // where the clock went back and, before it, the entry at the cursor (the entries between them
  // were recorded before the set back and are delivered from here too).
  std::vector<xdlms::ProfileEntry> entries;
  std::optional<std::size_t> after;
  std::uint32_t span = 1;
  for (;;) {
    const std::uint32_t from = newest_index >= span ? newest_index - span + 1 : 1;
    auto data =
        co_await session.read_profile(obis, xdlms::EntryDescriptor{from, newest_index, 1, 0});
    if (!data) co_return data.error();
    auto decoded = xdlms::decode_profile_buffer(
        *data, profile.capture, {config_->utc_offset_minutes, profile.capture_period_ms});
    if (!decoded) co_return decoded.error().with_context("profile " + obis.to_string());
    entries = std::move(*decoded);
    if (span == 1) {
      if (entries.empty() || !entries.back().unix_ms) co_return true;
      const std::int64_t newest = *entries.back().unix_ms;
      if (!profile.set_back_until_ms) {
        if (newest >= *profile.cursor_ms) co_return true;  // the clock goes on
        profile.set_back_until_ms = profile.cursor_ms;
        profile.set_back_no_place_since.reset();
        profile.set_back_delivered_ms.reset();
        profile.set_back_floor_ms.reset();
        save_profile_cursor(profile);
        log()->warn(
            "{}: profile {}: the meter's clock was set back (its newest entry is stamped {} ms "
            "before the last one delivered); the entries recorded since are read by entry and "
            "published with their own capture times",
            who(), obis.to_string(), *profile.cursor_ms - newest);
      }
      span = static_cast<std::uint32_t>(kProfileChunkEntries);
      continue;
    }
    after = first_entry_after_set_back(entries, profile.capture_period_ms);
    const bool reaches_cursor =
        after && std::any_of(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(*after),
                             [&](const auto& entry) {
                               return entry.unix_ms && *entry.unix_ms <= *profile.cursor_ms;
                             });
    if (reaches_cursor || from == 1) break;
    // Seen as an offset drop: no entry older than the floor was recorded after the set back, so a
    // stretch reaching below it without a place where the clock goes back means there was none
    // (our own clock stepped forward, say).
    const auto oldest = std::find_if(entries.begin(), entries.end(),
                                     [](const auto& entry) { return entry.unix_ms.has_value(); });
    if (profile.set_back_floor_ms && oldest != entries.end() &&
        *oldest->unix_ms < *profile.set_back_floor_ms) {
      break;
    }
    span = span > UINT32_MAX / 2 ? UINT32_MAX : span * 2;
  }
  // Seen as an offset drop, the place where the clock went back must follow the entry at the
  // cursor then: the entry before it is stamped at or after `until`. An earlier place is a set
  // back already dealt with.
  if (after && profile.set_back_floor_ms) {
    std::optional<std::int64_t> before;
    for (std::size_t i = *after; i-- > 0;) {
      if (entries[i].unix_ms) {
        before = entries[i].unix_ms;
        break;
      }
    }
    if (before && *before < *profile.set_back_until_ms) after.reset();
  }
  if (!after && profile.set_back_floor_ms) {
    // No entry recorded since the set back yet, or a false one (our own clock stepped). The
    // meter records an entry every capture period: none repeating a capture time within one
    // period and a margin, none will.
    const auto steady_now = SteadyClock::now();
    if (!profile.set_back_no_place_since) profile.set_back_no_place_since = steady_now;
    const std::int64_t period_ms =
        profile.capture_period_ms > 0 ? profile.capture_period_ms : std::int64_t{15 * 60 * 1000};
    if (steady_now - *profile.set_back_no_place_since >
        milliseconds(period_ms) + std::chrono::seconds(2)) {
      log()->info(
          "{}: profile {}: no entry recorded after the clock offset dropped repeats a capture "
          "time already delivered",
          who(), obis.to_string());
      end_set_back(profile);
      co_return true;
    }
    after = entries.size();  // all recorded before the set back, so far
  }
  constexpr std::int64_t kClockAheadToleranceMs = 5 * 60 * 1000;
  // Submits readings in order until storage refuses one or the worker stops; the ts of the last
  // one handed over (or passed over for having no value), and whether it reached the end.
  struct Submitted {
    std::optional<std::int64_t> newest;
    std::uint64_t count = 0;
    bool reached_end = true;
  };
  const auto submit_in_order = [&](std::vector<gateway::Reading>& readings) {
    Submitted result;
    for (auto& reading : readings) {
      if (!active()) {
        result.reached_end = false;
        break;
      }
      const std::int64_t ts = reading.ts.time_since_epoch().count();
      if (!reading.values.empty()) {
        if (auto stored = sink_->submit(std::move(reading)); !stored) {
          log()->warn("{}: profile {}: entry not stored ({}); reading it again later", who(),
                      obis.to_string(), stored.error().message);
          result.reached_end = false;
          break;
        }
        ++result.count;
      }
      result.newest = ts;
    }
    return result;
  };
  // Recorded before the set back and after the cursor (a set back seen by the clock offset before
  // any range read took them): delivered here, and the set back's capture times extended to the
  // newest of them, since the meter stamps entries with those times again.
  if (after) {
    const std::vector<xdlms::ProfileEntry> before_set_back(
        entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(*after));
    auto chunk = profile_readings(config_->name, before_set_back, profile.columns,
                                  profile.cursor_ms, now_ms + kClockAheadToleranceMs);
    std::sort(chunk.readings.begin(), chunk.readings.end(),
              [](const gateway::Reading& a, const gateway::Reading& b) { return a.ts < b.ts; });
    const auto submitted = submit_in_order(chunk.readings);
    if (submitted.newest) {
      auto stored = co_await wait_until_stored();
      if (!stored) co_return stored.error();
      profile.cursor_ms = submitted.newest;
      profile.next_from_ms.reset();
      stats_.profile_entries += submitted.count;
      if (!stats_.profile_newest_entry_ms || *submitted.newest > *stats_.profile_newest_entry_ms) {
        stats_.profile_newest_entry_ms = submitted.newest;
      }
    }
    // The set back now ends at the newest of them, not at the cursor: range reads move the cursor
    // past `until` with entries recorded after the set back.
    std::optional<std::int64_t> newest_before;
    for (const auto& entry : before_set_back) {
      if (entry.unix_ms) {
        newest_before = std::max(newest_before.value_or(*entry.unix_ms), *entry.unix_ms);
      }
    }
    const bool extended =
        submitted.reached_end && newest_before && *newest_before > *profile.set_back_until_ms;
    if (extended) profile.set_back_until_ms = newest_before;
    if (submitted.newest || extended) save_profile_cursor(profile);
    if (!submitted.reached_end) co_return false;
  }
  // Recorded since the set back: from the place the clock went back (the whole buffer when the
  // entries before it are gone), up to `until`; later ones are the range reads'.
  std::vector<xdlms::ProfileEntry> since(
      entries.begin() + static_cast<std::ptrdiff_t>(after.value_or(0)), entries.end());
  const std::int64_t until = *profile.set_back_until_ms;
  const bool passed = std::any_of(since.begin(), since.end(), [until](const auto& entry) {
    return entry.unix_ms && *entry.unix_ms > until;
  });
  std::erase_if(since,
                [until](const auto& entry) { return entry.unix_ms && *entry.unix_ms > until; });
  auto chunk = profile_readings(config_->name, since, profile.columns,
                                profile.set_back_delivered_ms, now_ms + kClockAheadToleranceMs);
  // In recording order, which is capture order here. Stopped before the end (storage refused an
  // entry, or the worker stops): the set back is not over even when nothing was submitted; the
  // next poll goes on from set_back_delivered_ms.
  const auto submitted = submit_in_order(chunk.readings);
  if (submitted.newest) {
    auto stored = co_await wait_until_stored();
    if (!stored) co_return stored.error();
    profile.set_back_delivered_ms = submitted.newest;
    stats_.profile_entries += submitted.count;
  }
  if (passed && submitted.reached_end) {
    // Every entry recorded since the set back up to the cursor then is delivered.
    log()->info("{}: profile {}: the entries recorded since the clock was set back are delivered",
                who(), obis.to_string());
    end_set_back(profile);
  } else if (submitted.newest) {
    save_profile_cursor(profile);
  }
  co_return true;
}

void MeterWorker::end_set_back(ProfileState& profile) {
  profile.set_back_until_ms.reset();
  profile.set_back_delivered_ms.reset();
  profile.set_back_floor_ms.reset();
  profile.set_back_no_place_since.reset();
  save_profile_cursor(profile);
}

void MeterWorker::save_profile_cursor(const ProfileState& profile) {
  if (!profile.cursor_ms) return;  // nothing delivered yet: the first read starts from backfill
  ProfileCursor cursor{*profile.cursor_ms};
  cursor.clock_offset_ms = profile.clock_offset_ms;
  cursor.clock_offset_at_ms = profile.clock_offset_at_ms;
  cursor.clock_round_trip_ms = profile.clock_round_trip_ms;
  cursor.set_back_until_ms = profile.set_back_until_ms;
  cursor.set_back_delivered_ms = profile.set_back_delivered_ms;
  cursor.set_back_floor_ms = profile.set_back_floor_ms;
  if (auto saved = cursors_->save(config_->name, profile.config->obis, cursor); !saved) {
    log()->error("{}: profile {}: {}", who(), profile.config->obis.to_string(),
                 saved.error().message);
  }
}

asio::awaitable<void> MeterWorker::compare_profile_clock(client::Session& session,
                                                         ProfileState& profile) {
  // One reading serves every profile and chunk while it is younger than kClockReuse and the
  // profile's cursor is not past the meter's time at that reading: a set back after the reading
  // then still ends after the cursor's entry, where the search expects it. A cursor past it (the
  // profile caught up since) needs a reading taken after.
  Expected<MeterClock> clock = make_error(ErrorCode::unsupported, "no clock reading");
  if (last_clock_ && SteadyClock::now() - last_clock_->taken < kClockReuse &&
      (!profile.cursor_ms ||
       *profile.cursor_ms + 2000 + last_clock_->round_trip_ms <= last_clock_->meter_ms)) {
    clock = *last_clock_;
  } else {
    clock = co_await read_meter_clock(session);
  }
  if (!clock) {
    // No clock to compare (not asked again on this association when the meter refused it or
    // answered something we cannot use; a timeout is asked again at the next read): a set back is
    // then seen only while the meter's newest entry is before the cursor (docs/dlms-connector.md).
    if (session.is_open() && clock_refused(clock.error())) {
      clock_readable_ = false;
      log()->info(
          "{}: {}; a clock set back is seen only while the newest entry is before the "
          "last one delivered",
          who(), without_who(clock.error().message));
    }
    co_return;
  }
  // How much less the meter's clock advanced than ours since the previous reading. Within this
  // run on the steady clock, so that our own clock's steps (NTP at boot) are not the meter's;
  // across a restart from the offsets kept with the cursor.
  const std::int64_t ours_ms = clock->meter_ms - clock->offset_ms;
  const std::optional<std::int64_t> before = profile.clock_offset_ms;
  std::int64_t drop_ms = 0;
  std::int64_t elapsed_ms = 0;
  std::int64_t previous_round_trip_ms = profile.clock_round_trip_ms.value_or(0);
  if (profile.clock_seen) {
    elapsed_ms = duration_cast<milliseconds>(clock->taken - profile.clock_seen->taken).count();
    drop_ms = elapsed_ms - (clock->meter_ms - profile.clock_seen->meter_ms);
    previous_round_trip_ms = profile.clock_seen->round_trip_ms;
  } else if (before) {
    drop_ms = *before - clock->offset_ms;
    if (profile.clock_offset_at_ms) {
      elapsed_ms = std::max<std::int64_t>(0, ours_ms - *profile.clock_offset_at_ms);
    }
  }
  // Beyond what two readings can differ by: the clock's resolution (1 s each), half of each round
  // trip (the meter read its clock somewhere within it) and the meter's drift meanwhile (10 ppm,
  // about 1 s a day).
  const std::int64_t tolerance_ms =
      2000 + (previous_round_trip_ms + clock->round_trip_ms) / 2 + elapsed_ms / 100'000;
  profile.clock_offset_ms = clock->offset_ms;  // written with the next cursor
  profile.clock_offset_at_ms = ours_ms;
  profile.clock_round_trip_ms = clock->round_trip_ms;
  profile.clock_seen = *clock;
  if (drop_ms > tolerance_ms && profile.cursor_ms && !profile.set_back_until_ms) {
    profile.set_back_until_ms = profile.cursor_ms;
    profile.set_back_delivered_ms.reset();
    profile.set_back_no_place_since.reset();
    // The drop less the meter's drift meanwhile is the set back: 10 minutes of drift and two
    // capture periods of margin.
    constexpr std::int64_t kDriftMarginMs = 10 * 60 * 1000;
    profile.set_back_floor_ms = *profile.cursor_ms - drop_ms - tolerance_ms - kDriftMarginMs -
                                2 * profile.capture_period_ms;
    log()->warn(
        "{}: profile {}: the meter's clock was set back by {} ms (seen by its offset from ours); "
        "the entries recorded since that are stamped at or before the last one delivered are "
        "read by entry and published with their own capture times",
        who(), profile.config->obis.to_string(), drop_ms);
  }
  if (!before || std::abs(drop_ms) > tolerance_ms) save_profile_cursor(profile);
}

asio::awaitable<Expected<MeterWorker::MeterClock>> MeterWorker::read_meter_clock(
    client::Session& session) {
  const xdlms::CosemAttributeDescriptor clock{kClockClass, kClockCode, 2};
  const auto sent_wall = std::chrono::system_clock::now();
  const auto sent = SteadyClock::now();
  auto data = co_await session.get(clock);
  const auto round_trip = SteadyClock::now() - sent;
  if (!data) {
    co_return make_error(data.error().code, "clock 0-0:1.0.0 not readable (" +
                                                without_who(data.error().message) + ")");
  }
  const client::MeterValue value{clock, *data, std::nullopt};
  const auto date_time = value.date_time();
  // The profile decoder's rule: the deviation, else the device's timeZone, never the host's zone
  // (a host on summer time would see a meter on standard time jump an hour back every spring).
  const auto meter_ms =
      date_time ? xdlms::capture_time_utc(*date_time, config_->utc_offset_minutes) : std::nullopt;
  if (!meter_ms) {
    co_return make_error(ErrorCode::malformed,
                         "clock value '" + value.value_text() +
                             "' has unspecified fields or no deviation (set the device's "
                             "timeZone for a meter whose clock carries none)");
  }
  // The meter read its clock somewhere within the round trip: take the middle.
  const auto middle = sent_wall + duration_cast<milliseconds>(round_trip) / 2;
  const auto ours_ms = duration_cast<milliseconds>(middle.time_since_epoch()).count();
  MeterClock reading{*meter_ms - ours_ms, duration_cast<milliseconds>(round_trip).count(),
                     value.value_text(), *meter_ms, sent + round_trip / 2};
  last_clock_ = reading;
  co_return reading;
}

asio::awaitable<void> MeterWorker::read_clock_offset(gateway::AttributeSet& attributes) {
  if (!clock_readable_) co_return;
  auto session = session_;
  if (!session || !session->is_open()) co_return;
  Expected<MeterClock> clock = make_error(ErrorCode::unsupported, "no clock reading");
  if (last_clock_ && SteadyClock::now() - last_clock_->taken < kClockReuse) {
    clock = *last_clock_;
  } else {
    clock = co_await read_meter_clock(*session);
  }
  if (!clock) {
    // A meter without a clock we can read: do not ask again on this association (a timeout is
    // asked again next time).
    if (session->is_open() && clock_refused(clock.error())) {
      clock_readable_ = false;
      log()->info("{}: {}; no clock offset published", who(), without_who(clock.error().message));
    }
    co_return;
  }
  attributes.values.push_back(gateway::DataPoint{"clock_offset_ms", clock->offset_ms});
  attributes.values.push_back(gateway::DataPoint{"meter_clock", clock->text});
}

void MeterWorker::arm_statistics() {
  if (stopping_) return;
  statistics_timer_.expires_after(statistics_period_);
  statistics_timer_.async_wait([self = shared_from_this()](std::error_code error) {
    if (error || self->stopping_) return;
    self->submit_statistics();
    self->arm_statistics();
  });
}

void MeterWorker::submit_statistics() {
  gateway::Reading reading{config_->name, wall_now(), {}};
  const auto json = statistics_json();
  for (const auto& [key, value] : json.items()) {
    gateway::TelemetryValue converted;
    if (value.is_string()) {
      converted = value.get<std::string>();
    } else if (value.is_number_integer()) {
      converted = value.get<std::int64_t>();
    } else if (value.is_number()) {
      converted = value.get<double>();
    } else if (value.is_boolean()) {
      converted = value.get<bool>();
    } else {
      continue;
    }
    reading.values.push_back(gateway::DataPoint{"stats_" + key, std::move(converted)});
  }
  submit(std::move(reading));
}

nlohmann::json MeterWorker::statistics_json() const {
  return stats_.to_json(std::chrono::system_clock::now());
}

MeterSnapshot MeterWorker::snapshot() const {
  MeterSnapshot taken{config_->name, config_->connection.peer(), stats_, tracing_};
  // Not exported: the window would be 128 bytes a meter more in each scrape's snapshot.
  taken.statistics.read_latency = LatencyWindow(stats_.read_latency.capacity());
  return taken;
}

std::shared_ptr<const client::ConnectionSettings> MeterWorker::connection_settings() const {
  // The session shares the worker's settings (owning the configuration, not the worker).
  return {config_, &config_->connection};
}

std::size_t MeterWorker::slot_of(const PointConfig& point) const {
  const auto& timeseries = config_->timeseries;
  const std::less<const PointConfig*> before;
  if (!timeseries.empty() && !before(&point, timeseries.data()) &&
      before(&point, timeseries.data() + timeseries.size())) {
    return static_cast<std::size_t>(&point - timeseries.data());
  }
  return timeseries.size() + static_cast<std::size_t>(&point - config_->attributes.data());
}

void MeterWorker::record_latency(SteadyClock::time_point started) {
  const auto elapsed = duration_cast<std::chrono::microseconds>(SteadyClock::now() - started);
  stats_.read_latency.add(elapsed);
  stats_.read_latency_buckets.add(elapsed);
}

std::string MeterWorker::without_who(const std::string& message) const {
  const std::string prefix = who() + ": ";
  return message.rfind(prefix, 0) == 0 ? message.substr(prefix.size()) : message;
}

client::FrameTrace MeterWorker::frame_trace() const {
  // Copies, not `this`: the session (and its hook) may outlive a stopped worker briefly.
  return [prefix = who()](client::TraceDirection direction, ByteView bytes) {
    if (direction == client::TraceDirection::received) {
      gateway::component_logger("dlms")->info("{}: <- {}", prefix, to_hex(bytes));
      return;
    }
    // The journal is no place for the LLS password of the AARQ.
    Bytes frame(bytes.begin(), bytes.end());
    const bool masked = acse::redact_authentication_value(frame);
    gateway::component_logger("dlms")->info("{}: -> {}{}", prefix, to_hex(frame),
                                            masked ? " (password masked)" : "");
  };
}

void MeterWorker::set_trace(bool enabled) {
  if (enabled == tracing_) return;
  tracing_ = enabled;
  if (session_) session_->set_trace(enabled ? frame_trace() : client::FrameTrace{});
  log()->info("{}: frame trace {}", who(), enabled ? "on" : "off");
}

void MeterWorker::submit(gateway::Reading reading) {
  if (!active() || reading.values.empty()) return;
  // The gateway counts refused readings and sums them up in one line per interval (a full
  // buffer refuses every reading of every meter: a line each would flood the journal).
  if (auto stored = sink_->submit(std::move(reading)); !stored) {
    log()->debug("{}: reading not stored: {}", who(), stored.error().message);
  }
}

void MeterWorker::submit_poll(std::vector<gateway::Reading> readings) {
  if (!active() || readings.empty()) return;
  if (auto stored = sink_->submit_poll(std::move(readings)); !stored) {
    log()->debug("{}: poll not stored: {}", who(), stored.error().message);
  }
}

void MeterWorker::submit(gateway::AttributeSet attributes) {
  if (!active() || attributes.values.empty()) return;
  if (auto stored = sink_->submit(std::move(attributes)); !stored) {
    log()->debug("{}: attributes not stored: {}", who(), stored.error().message);
  }
}

asio::awaitable<void> MeterWorker::close_session() {
  auto session = std::exchange(session_, nullptr);
  if (!session) co_return;
  co_await session->close();
  if (!stopping_) stats_.state = "connecting";
}

std::string MeterWorker::not_connected_reason() const {
  std::string reason = "meter '" + config_->name + "' " + config_->connection.peer() +
                       " is not connected (state: " + stats_.state;
  if (!stats_.last_error.empty()) reason += "; last error: " + stats_.last_error;
  return reason + ")";
}

void MeterWorker::handle_rpc(gateway::RpcRequest request, gateway::RpcReply reply) {
  if (request.method == "getStats") {
    reply(statistics_json());
    return;
  }
  if (request.method == "trace") {
    // {"method":"trace","params":{"enabled":true}}; params true/false works too.
    const auto& params = request.params;
    const auto* flag =
        params.is_object() && params.contains("enabled") ? &params["enabled"] : &params;
    if (!flag->is_boolean()) {
      reply(make_error(ErrorCode::invalid_argument,
                       "device '" + config_->name +
                           "': trace: params must be {\"enabled\": true} or {\"enabled\": false}"));
      return;
    }
    set_trace(flag->get<bool>());
    reply(nlohmann::json{{"device", config_->name}, {"trace", tracing_}});
    return;
  }
  if (request.method == "reconnect") {
    reconnect_requested_ = true;
    attempt_now_ = true;
    if (session_) session_->abort();
    wake_.cancel();
    reply(nlohmann::json{{"status", "reconnecting"}, {"device", config_->name}});
    return;
  }
  if (request.method == "readProfile") {
    // {"obis": "1-0:99.1.0", "from": "2026-12-01T00:00:00Z" or Unix ms, "to": ...}
    const auto& params = request.params;
    const auto fail = [&](const std::string& what) {
      reply(make_error(ErrorCode::invalid_argument,
                       "device '" + config_->name + "': readProfile: " + what +
                           " (params {\"obis\": \"1-0:99.1.0\", \"from\": "
                           "\"2026-12-01T00:00:00Z\", \"to\": \"2026-12-02T00:00:00Z\"}, times "
                           "in ISO 8601 or Unix ms)"));
    };
    const auto obis = params.is_object() && params.contains("obis") && params["obis"].is_string()
                          ? ObisCode::parse(params["obis"].get<std::string>())
                          : Expected<ObisCode>(make_error(ErrorCode::invalid_argument, "missing"));
    if (!obis) return fail("obis: " + obis.error().message);
    const auto index =
        std::find_if(profiles_.begin(), profiles_.end(),
                     [&](const ProfileState& profile) { return profile.config->obis == *obis; });
    if (index == profiles_.end()) {
      std::string configured;
      for (const auto& profile : profiles_) {
        configured += (configured.empty() ? "" : ", ") + profile.config->obis.to_string();
      }
      return fail("profile " + obis->to_string() + " is not in this device's profiles[] (" +
                  (configured.empty() ? std::string("none") : configured) + ")");
    }
    // Times between 2000-01-01 and a day from now; the span at most the profile's
    // maxBackfillHours (what a read of a new meter may fetch, too).
    constexpr std::int64_t kEarliestMs = 946'684'800'000;  // 2000-01-01T00:00:00Z
    constexpr std::int64_t kDayMs = 86'400'000;
    const std::int64_t latest_ms =
        duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count() +
        kDayMs;
    const auto iso = [](std::int64_t ms) { return cosem::DateTime::from_unix_ms(ms).to_iso8601(); };
    const std::string allowed =
        "allowed: " + iso(kEarliestMs) + " .. " + iso(latest_ms) + " (now + 1 day)";
    std::string problem;
    const auto bound = [&](const char* name) -> std::optional<std::int64_t> {
      const std::string field = std::string("'") + name + "'";
      if (!params.contains(name)) {
        problem = field + " is missing (" + allowed + ")";
        return std::nullopt;
      }
      const auto& value = params[name];
      std::optional<std::int64_t> ms;
      if (value.is_number_unsigned()) {
        const auto number = value.get<std::uint64_t>();
        if (number <= static_cast<std::uint64_t>(latest_ms)) ms = static_cast<std::int64_t>(number);
      } else if (value.is_number_integer()) {
        ms = value.get<std::int64_t>();
      } else if (value.is_string()) {
        auto parsed = parse_date_time_text(value.get<std::string>());
        if (!parsed) {
          problem = field + " " + value.dump() + " is not a date-time (" + allowed + ")";
          return std::nullopt;
        }
        if (parsed->deviation == cosem::kDeviationNotSpecified) parsed->deviation = 0;  // UTC
        ms = parsed->to_unix_ms();
      } else {
        problem = field + " " + value.dump() + " is not a date-time (" + allowed + ")";
        return std::nullopt;
      }
      if (!ms || *ms < kEarliestMs || *ms > latest_ms) {
        problem = field + " " + value.dump() + " is out of range (" + allowed + ")";
        return std::nullopt;
      }
      return ms;
    };
    const auto from = bound("from");
    if (!from) return fail(problem);
    const auto to = bound("to");
    if (!to) return fail(problem);
    if (*to < *from) {
      return fail("'to' " + params["to"].dump() + " is before 'from' " + params["from"].dump());
    }
    const std::int64_t max_span_ms =
        duration_cast<milliseconds>(index->config->max_backfill).count();
    if (*to - *from > max_span_ms) {
      return fail("'to' - 'from' is " + std::to_string((*to - *from) / 3'600'000) +
                  " h, more than this profile's maxBackfillHours (" +
                  std::to_string(index->config->max_backfill.count()) +
                  " h): ask for a shorter range, or several");
    }
    asio::co_spawn(
        io_,
        [self = shared_from_this(), at = static_cast<std::size_t>(index - profiles_.begin()),
         from = *from, to = *to, reply = std::move(reply), deadline = request.deadline]() mutable {
          return self->read_profile_again(at, from, to, std::move(reply), deadline);
        },
        asio::detached);
    return;
  }
  std::optional<ObjectRequest> object;
  if (request.method == "get" || request.method == "set" || request.method == "action") {
    const RpcKind kind = request.method == "get"   ? RpcKind::get
                         : request.method == "set" ? RpcKind::set
                                                   : RpcKind::action;
    auto parsed = parse_object_request(kind, request.params);
    if (!parsed) {
      reply(make_error(
          ErrorCode::invalid_argument,
          "device '" + config_->name + "': " + request.method + ": " + parsed.error().message));
      return;
    }
    object = std::move(*parsed);
  } else {
    const auto configured = std::find_if(
        config_->rpc.begin(), config_->rpc.end(),
        [&](const RpcMethodConfig& method) { return method.method == request.method; });
    if (configured == config_->rpc.end()) {
      reply(make_error(ErrorCode::unsupported, "device '" + config_->name +
                                                   "' has no RPC method '" + request.method +
                                                   "' (methods: " + rpc_methods(*config_) + ")"));
      return;
    }
    ObjectRequest built;
    built.kind = configured->kind;
    built.class_id = configured->class_id;
    built.obis = configured->obis;
    built.id = configured->id;
    if (configured->value_json) {
      built.value = nlohmann::json::parse(*configured->value_json, nullptr, false);
    } else if (request.params.is_object() && request.params.contains("value")) {
      built.value = request.params["value"];
    } else if (!request.params.is_null() && !request.params.is_object()) {
      built.value = request.params;  // {"method":"setLimit","params":42}
    }
    object = std::move(built);
  }
  asio::co_spawn(
      io_,
      [self = shared_from_this(), object = std::move(*object), reply = std::move(reply),
       deadline = request.deadline]() mutable {
        return self->execute(std::move(object), std::move(reply), deadline);
      },
      asio::detached);
}

asio::awaitable<void> MeterWorker::execute(
    ObjectRequest request, gateway::RpcReply reply,
    std::optional<std::chrono::steady_clock::time_point> deadline) {
  // What an operator needs to know about a change that happened after ThingsBoard reported
  // the RPC as timed out, and what was dropped because it could not start in time.
  const auto report_late = [&](const std::string& what, const Expected<void>& outcome) {
    if (!outcome && outcome.error().code == ErrorCode::timeout &&
        outcome.error().message.find("not sent") != std::string::npos) {
      log()->warn("{}: RPC {}: {}", who(), what, without_who(outcome.error().message));
    } else if (deadline && SteadyClock::now() > *deadline) {
      log()->warn("{}: RPC {} completed after its deadline (ThingsBoard was told it timed out): {}",
                  who(), what, outcome ? std::string("ok") : outcome.error().message);
    }
  };
  auto session = session_;
  if (!session || !session->is_open()) {
    reply(make_error(ErrorCode::connection_closed, not_connected_reason()));
    co_return;
  }
  const xdlms::CosemAttributeDescriptor attribute{request.class_id, request.obis, request.id};
  switch (request.kind) {
    case RpcKind::get: {
      auto value = co_await session->read(attribute);
      if (!value) {
        reply(value.error());
      } else {
        reply(to_rpc_json(*value));
      }
      co_return;
    }
    case RpcKind::set: {
      if (!request.value) {
        reply(make_error(ErrorCode::invalid_argument,
                         "device '" + config_->name + "': set needs a value (value=...)"));
        co_return;
      }
      std::optional<axdr::Data> current;
      if (!request.type) {
        // Written back with the type the meter uses for it now.
        if (auto held = co_await session->get(attribute)) current = std::move(*held);
      }
      auto data = data_from_json(*request.value, request.type, current ? &*current : nullptr);
      if (!data) {
        reply(make_error(ErrorCode::invalid_argument, "device '" + config_->name + "': set " +
                                                          attribute.to_string() + ": " +
                                                          data.error().message));
        co_return;
      }
      auto written = co_await session->set(attribute, *data, deadline);
      report_late("set " + attribute.to_string(), written);
      if (!written) {
        reply(written.error());
      } else {
        reply(nlohmann::json{{"result", "ok"}});
      }
      co_return;
    }
    case RpcKind::action: {
      const xdlms::CosemMethodDescriptor method{request.class_id, request.obis, request.id};
      std::optional<axdr::Data> parameters;
      if (request.value) {
        auto data = data_from_json(*request.value, request.type, nullptr);
        if (!data) {
          reply(make_error(ErrorCode::invalid_argument, "device '" + config_->name + "': action " +
                                                            method.to_string() + ": " +
                                                            data.error().message));
          co_return;
        }
        parameters = std::move(*data);
      } else if (request.class_id == kDisconnectControlClass) {
        parameters = axdr::Data::integer(0);  // remote_disconnect/reconnect (data ::= integer(0))
      }
      auto done = co_await session->action(method, parameters, deadline);
      report_late("action " + method.to_string(),
                  done ? Expected<void>{} : Expected<void>{done.error()});
      if (!done) {
        reply(done.error());
        co_return;
      }
      nlohmann::json result{{"result", "ok"}};
      if (*done) {
        const client::MeterValue returned{{}, **done, std::nullopt};
        result["return"] = to_rpc_json(returned);
      }
      reply(result);
      co_return;
    }
  }
}

void MeterWorker::handle_attribute_update(const nlohmann::json& values) {
  if (!values.is_object()) return;
  for (const auto& update : config_->attribute_updates) {
    const auto found = values.find(update.key);
    if (found == values.end()) continue;
    asio::co_spawn(
        io_,
        [self = shared_from_this(), update, value = *found]() mutable {
          return self->write_attribute(std::move(update), std::move(value));
        },
        asio::detached);
  }
}

asio::awaitable<void> MeterWorker::write_attribute(AttributeUpdateConfig update,
                                                   nlohmann::json value) {
  auto session = session_;
  if (!session || !session->is_open()) {
    log()->warn("{}: shared attribute '{}' not written: {}", who(), update.key,
                without_who(not_connected_reason()));
    co_return;
  }
  std::optional<axdr::Data> current;
  if (auto held = co_await session->get(update.attribute)) current = std::move(*held);
  auto data = data_from_json(value, std::nullopt, current ? &*current : nullptr);
  if (!data) {
    log()->warn("{}: shared attribute '{}' = {} not written: {}", who(), excerpt(update.key),
                excerpt(value.dump()), data.error().message);
    co_return;
  }
  if (auto written = co_await session->set(update.attribute, *data); !written) {
    log()->warn("{}: shared attribute '{}' = {} not written: {}", who(), excerpt(update.key),
                excerpt(value.dump()), without_who(written.error().message));
    co_return;
  }
  log()->info("{}: shared attribute '{}' = {} written to {}", who(), excerpt(update.key),
              excerpt(value.dump()), update.attribute.to_string());
}

}  // namespace dlmsgw::connectors::dlms
