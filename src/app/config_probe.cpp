#include "app/config_probe.hpp"

#include "client/file_invocation_counter_store.hpp"

#pragma GCC diagnostic ignored "-Wmismatched-new-delete"  // asio frame allocator, see session.cpp

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <memory>

#include "client/session.hpp"
#include "gateway/uplink/mqtt_client.hpp"
#include "net/tcp_connect.hpp"

namespace dlmsgw::app {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

std::string seconds_text(milliseconds duration) {
  const auto ms = duration.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

// A failed connection or association, by what the user has to do about it.
std::string classify(const Error& error) {
  switch (error.code) {
    case ErrorCode::timeout:
      return "timeout: " + error.message;
    case ErrorCode::connection_closed:
    case ErrorCode::io_error:
      return "unreachable: " + error.message;
    case ErrorCode::rejected:
      return "refused: " + error.message;
    default:
      return "error: " + error.message;
  }
}

asio::awaitable<void> probe_broker(asio::io_context& io, const gateway::GatewayConfig& config,
                                   milliseconds timeout, ProbeRow& row) {
  const auto start = Clock::now();
  auto mqtt = gateway::to_gateway_options(config).mqtt;
  row.target = "broker";
  row.address = mqtt.host + ":" + std::to_string(mqtt.port) + (mqtt.tls ? " (TLS)" : "");
  // TCP first: tells a broker that cannot be reached from one that refuses the credentials.
  // Built outside the co_await: g++ 12 mishandles a braced temporary inside it.
  const net::TcpEndpoint endpoint{mqtt.host, mqtt.port};
  auto stream = co_await net::connect_tcp(endpoint, timeout);
  if (!stream) {
    row.result = classify(stream.error());
    row.took = since(start);
    co_return;
  }
  (*stream)->close();
  const auto left = std::max(milliseconds(1), timeout - since(start));
  mqtt.connect_timeout = left;
  mqtt.reconnect_min = timeout;  // one attempt: the probe reports, it does not insist
  mqtt.reconnect_max = timeout;
  auto client = gateway::MqttClient::create(io, mqtt);
  if (!client) {
    row.result = "error: " + client.error().message;
    row.took = since(start);
    co_return;
  }
  asio::steady_timer deadline(io, left);
  std::optional<std::string> outcome;
  (*client)->on_connection([&](bool connected) {
    if (connected && !outcome) {
      outcome = "ok";
      deadline.cancel();
    }
  });
  (*client)->on_refused([&](const Error& error) {
    if (!outcome) {
      outcome = "refused: " + error.message;
      deadline.cancel();
    }
  });
  (*client)->start();
  co_await deadline.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
  if (!outcome) {
    const auto& last = (*client)->last_connection_error();
    outcome =
        last ? "error: " + last->message : "timeout: no CONNACK within " + seconds_text(timeout);
  }
  (*client)->stop();
  row.ok = *outcome == "ok";
  row.result = *outcome;
  row.took = since(start);
}

// Association, one read, release: what a meter worker does first.
asio::awaitable<Expected<std::string>> open_and_read(
    client::Session& session, const std::optional<xdlms::CosemAttributeDescriptor>& point) {
  if (auto opened = co_await session.open(); !opened) co_return opened.error();
  std::string read = "associated";
  if (point) {
    auto value = co_await session.read(*point);
    if (!value) {
      co_await session.close();
      co_return value.error();
    }
    const auto unit = value->unit_symbol();
    read = point->instance.to_string() + " = " + value->value_text() +
           (unit.empty() ? "" : " " + unit);
  }
  co_await session.close();
  co_return read;
}

asio::awaitable<void> probe_meter(const MeterTarget& meter, milliseconds timeout,
                                  std::shared_ptr<client::InvocationCounterStore> counters,
                                  ProbeRow& row) {
  const auto start = Clock::now();
  auto settings = meter.connection;
  row.target = "meter '" + meter.name + "'";
  row.address = settings.peer();
  settings.timeouts.connect = std::min(settings.timeouts.connect, timeout);
  settings.timeouts.response = std::min(settings.timeouts.response, timeout);
  auto session = std::make_shared<client::Session>(settings, counters.get());
  // A meter that answers the connect but then stays silent is cut off at the deadline.
  asio::steady_timer deadline(co_await asio::this_coro::executor, timeout);
  auto timed_out = std::make_shared<bool>(false);
  deadline.async_wait([session, timed_out](std::error_code error) {
    if (error) return;
    *timed_out = true;
    session->abort();
  });
  auto outcome = co_await open_and_read(*session, meter.first_point);
  deadline.cancel();
  row.took = since(start);
  if (outcome) {
    row.ok = true;
    row.result = "ok: " + *outcome;
  } else if (*timed_out) {
    row.result = "timeout: no answer within " + seconds_text(timeout);
  } else {
    row.result = classify(outcome.error());
  }
}

}  // namespace

std::vector<ProbeRow> probe_configuration(const gateway::GatewayConfig& gateway,
                                          const std::vector<MeterTarget>& meters,
                                          const ProbeOptions& options) {
  // Filled in place by the probes: the vector never grows while they run.
  std::vector<ProbeRow> rows(1 + meters.size());
  asio::io_context io;
  asio::co_spawn(io, probe_broker(io, gateway, options.broker_timeout, rows[0]), asio::detached);
  // Opened only when a meter needs it, so that a plain configuration creates no folder.
  std::optional<Expected<std::shared_ptr<client::InvocationCounterStore>>> counters;
  for (std::size_t i = 0; i < meters.size(); ++i) {
    const auto& settings = meters[i].connection;
    std::shared_ptr<client::InvocationCounterStore> store;
    if (settings.security != client::Security::none ||
        settings.authentication == client::Authentication::high_gmac) {
      if (!counters) {
        const auto folder = options.counter_folder.empty() ? client::default_cli_counter_folder()
                                                           : options.counter_folder;
        auto opened = client::FileInvocationCounterStore::open(
            folder, client::FileInvocationCounterStore::kDefaultBlock, std::chrono::seconds(2));
        counters = opened
                       ? Expected<std::shared_ptr<client::InvocationCounterStore>>(*opened)
                       : Expected<std::shared_ptr<client::InvocationCounterStore>>(opened.error());
      }
      if (!*counters) {
        rows[i + 1].target = "meter '" + meters[i].name + "'";
        rows[i + 1].address = settings.peer();
        rows[i + 1].result = "error: " + counters->error().message;
        continue;
      }
      store = **counters;
    }
    asio::co_spawn(io, probe_meter(meters[i], options.meter_timeout, store, rows[i + 1]),
                   asio::detached);
  }
  io.run();
  return rows;
}

}  // namespace dlmsgw::app
