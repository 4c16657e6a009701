// gateway_driver: the gateway core in a process of its own, for tests that SIGKILL it. SQLite
// storage, a synthetic connector that appends numbered readings as fast as storage takes them,
// and the uplink to a broker. Writes <db>.emitted once every reading was handed to storage.
//
//   gateway_driver --port P --user U --password W --db FILE [--devices N] [--count N]
//
// --count is the number of readings per device (seq 0..count-1; 0: only drain what is stored).

#include <spdlog/spdlog.h>

#include <algorithm>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include "gateway/gateway_service.hpp"
#include "gateway/storage/sqlite_queue.hpp"
#include "support/synthetic_connector.hpp"

namespace {

using namespace dlmsgw;
using namespace std::chrono_literals;

struct Emitter {
  test::SyntheticConnector* connector = nullptr;
  std::vector<std::string> devices;
  std::int64_t count = 0;
  std::int64_t next = 0;
  std::string marker;
  asio::steady_timer* timer = nullptr;
  std::vector<std::int64_t> positions;

  void tick() {
    // A burst per millisecond per device; a refused append (hand-off full) is retried next tick.
    // Each device has its own position so a refusal never repeats or skips a reading.
    if (positions.empty()) positions.assign(devices.size(), 0);
    for (std::size_t d = 0; d < devices.size(); ++d) {
      for (int burst = 0; burst < 100 && positions[d] < count; ++burst) {
        if (!connector->emit(devices[d], positions[d])) break;
        ++positions[d];
      }
    }
    next = *std::min_element(positions.begin(), positions.end());
    if (next >= count) {
      std::ofstream(marker) << next << "\n";
      return;
    }
    timer->expires_after(1ms);
    timer->async_wait([this](std::error_code ec) {
      if (!ec) tick();
    });
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  const auto arg = [&](const std::string& name, const std::string& fallback = "") {
    const auto it = args.find(name);
    return it == args.end() ? fallback : it->second;
  };
  if (arg("--db").empty() || arg("--port").empty()) {
    std::cerr << "usage: gateway_driver --port P --user U --password W --db FILE [--devices N] "
                 "[--count N]\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  asio::io_context io;

  gateway::SqliteQueueOptions queue_options;
  queue_options.sync = gateway::SyncPolicy::normal;  // survives kill -9, which is what we test
  auto queue = gateway::SqliteQueue::open(arg("--db"), queue_options);
  if (!queue) {
    std::cerr << queue.error().message << "\n";
    return 1;
  }
  gateway::StorageService storage(std::move(*queue), io.get_executor());

  gateway::GatewayOptions options;
  options.mqtt.port = static_cast<std::uint16_t>(std::stoi(arg("--port")));
  options.mqtt.username = arg("--user");
  options.mqtt.password = arg("--password");
  options.mqtt.client_id = "gateway-driver";
  options.mqtt.keepalive = 10s;
  options.mqtt.reconnect_min = 100ms;
  options.mqtt.reconnect_max = 500ms;
  options.registry_file = arg("--db") + ".devices.json";
  options.uplink.max_batch_records = 1000;
  options.uplink.limits.max_payload_bytes = 65536;
  options.uplink.puback_timeout = 5s;
  options.uplink.idle_poll = 20ms;
  options.statistics = false;
  auto service = gateway::GatewayService::create(io, storage, options);
  if (!service) {
    std::cerr << service.error().message << "\n";
    return 1;
  }
  std::vector<std::string> devices;
  for (int i = 0; i < std::stoi(arg("--devices", "2")); ++i) {
    devices.push_back("Meter " + std::to_string(i));
  }
  auto connector = std::make_unique<test::SyntheticConnector>("Synthetic", devices);
  Emitter emitter{
      connector.get(), devices, std::stoll(arg("--count", "0")), 0, arg("--db") + ".emitted",
      nullptr,         {}};
  if (!(*service)->add_connector(std::move(connector))) return 1;
  (*service)->start();
  asio::steady_timer timer(io);
  emitter.timer = &timer;
  asio::post(io, [&] { emitter.tick(); });
  io.run();  // until SIGKILL
  return 0;
}
