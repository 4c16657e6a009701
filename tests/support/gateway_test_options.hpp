#pragma once
// What the in-process gateway tests share: GatewayOptions for a test broker, and the check that
// numbered readings arrived complete and in order.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "gateway/gateway_service.hpp"
#include "support/mosquitto_broker.hpp"

namespace dlmsgw::test {

// The gateway's options for `broker`: fast reconnects and polling so that tests of outages stay
// short, no statistics telemetry (tests that want it turn it on).
inline gateway::GatewayOptions gateway_options_for(const MosquittoBroker& broker) {
  using namespace std::chrono_literals;
  gateway::GatewayOptions options;
  options.mqtt.port = broker.port();
  options.mqtt.username = broker.user();
  options.mqtt.password = broker.password();
  options.mqtt.client_id = "gateway-under-test";
  options.mqtt.keepalive = 10s;
  options.mqtt.reconnect_min = 100ms;
  options.mqtt.reconnect_max = 500ms;
  options.uplink.puback_timeout = 5s;
  options.uplink.idle_poll = 50ms;
  options.uplink.max_batch_records = 200;
  options.statistics = false;
  return options;
}

// Every seq in [0, count) arrived; new values only ever increase (a re-sent batch may repeat
// values already seen, never bring an older unseen one). Returns the number of duplicates.
inline std::size_t check_complete_and_ordered(const std::vector<std::int64_t>& seqs,
                                              std::int64_t count, const std::string& device) {
  std::set<std::int64_t> seen;
  std::int64_t highest = -1;
  std::size_t duplicates = 0;
  for (const auto seq : seqs) {
    if (!seen.insert(seq).second) {
      ++duplicates;
      continue;
    }
    EXPECT_GT(seq, highest) << device << ": " << seq << " arrived after " << highest;
    highest = std::max(highest, seq);
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(count)) << device;
  if (!seen.empty()) {
    EXPECT_EQ(*seen.begin(), 0) << device;
    EXPECT_EQ(*seen.rbegin(), count - 1) << device;
  }
  return duplicates;
}

}  // namespace dlmsgw::test
