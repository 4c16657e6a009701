// The client Session against the in-process Simulator over real loopback sockets: every service,
// every authentication level and every security policy, end to end through both protocol stacks.
#include <gtest/gtest.h>

#include <algorithm>

#include "client/session.hpp"
#include "simulator/simulator_test_support.hpp"

namespace dlmsgw::client {
namespace {

using simulator::SimulatorConfig;
using simulator::testing::run;
using simulator::testing::SimulatorThread;

const ObisCode kClockObject(0, 0, 1, 0, 0);
const ObisCode kDisconnectControl(0, 0, 96, 3, 10);
const ObisCode kLoadProfile(1, 0, 99, 1, 0);

SimulatorConfig generic_config() {
  SimulatorConfig config = SimulatorConfig::generic();
  config.base_port = 0;
  return config;
}

// The generic profile's wrapper clients: 16 without authentication, 32 with LLS, 1 with HLS-GMAC.
ConnectionSettings generic_client(std::uint16_t port, std::uint8_t client,
                                  Authentication authentication) {
  ConnectionSettings settings;
  settings.name = "generic";
  settings.transport = Transport::wrapper;
  settings.endpoint = TcpTarget{"127.0.0.1", port};
  settings.client_address = client;
  settings.server_logical = 1;
  settings.authentication = authentication;
  settings.password = "12345678";
  settings.timeouts.response = std::chrono::milliseconds(3000);
  return settings;
}

TEST(SessionWithSimulator, EveryServiceWithoutAuthentication) {
  SimulatorThread simulator(generic_config());
  asio::io_context io;
  Session session(generic_client(simulator.port(), 16, Authentication::none));
  auto opened = run(io, session.open());
  ASSERT_TRUE(opened) << opened.error().message;

  // GET with-list: the generic profile grants multiple references.
  const std::vector<xdlms::CosemAttributeDescriptor> registers{{3, ObisCode(1, 0, 32, 7, 0), 2},
                                                               {3, ObisCode(1, 0, 31, 7, 0), 2},
                                                               {3, ObisCode(1, 0, 14, 7, 0), 2}};
  auto values = run(io, session.read_many(registers));
  ASSERT_TRUE(values) << values.error().message;
  ASSERT_EQ(values->size(), 3u);
  for (const auto& value : *values) EXPECT_TRUE(value) << value.error().message;

  // SET the clock, then read it back.
  const cosem::DateTime when = cosem::DateTime::from_unix_ms(1795526854000, 60);
  auto set = run(io, session.set({8, kClockObject, 2}, axdr::Data::octet_string(when.encode())));
  ASSERT_TRUE(set) << set.error().message;
  auto clock = run(io, session.get({8, kClockObject, 2}));
  ASSERT_TRUE(clock) << clock.error().message;
  auto read_back = clock->to_date_time();
  ASSERT_TRUE(read_back);
  ASSERT_TRUE(read_back->to_unix_ms());
  EXPECT_NEAR(static_cast<double>(*read_back->to_unix_ms()), 1795526854000.0, 5000.0);

  // ACTION: remote disconnect opens the relay (output_state false), remote reconnect closes it.
  auto disconnect = run(io, session.action({70, kDisconnectControl, 1}, axdr::Data::integer(0)));
  ASSERT_TRUE(disconnect) << disconnect.error().message;
  auto output = run(io, session.get({70, kDisconnectControl, 2}));
  ASSERT_TRUE(output);
  EXPECT_EQ(*output, axdr::Data::boolean(false));
  ASSERT_TRUE(run(io, session.action({70, kDisconnectControl, 2}, axdr::Data::integer(0))));
  EXPECT_EQ(*run(io, session.get({70, kDisconnectControl, 2})), axdr::Data::boolean(true));

  // Profile generic by entry: the first four load-profile entries.
  auto profile = run(io, session.read_profile(kLoadProfile, xdlms::EntryDescriptor{1, 4, 1, 0}));
  ASSERT_TRUE(profile) << profile.error().message;
  ASSERT_NE(profile->as_list(), nullptr);
  EXPECT_EQ(profile->as_list()->size(), 4u);

  // The object list arrives by block transfer and names the objects used above.
  auto objects = run(io, session.read_object_list());
  ASSERT_TRUE(objects) << objects.error().message;
  EXPECT_GE(objects->size(), 10u);
  run(io, session.close());
}

TEST(SessionWithSimulator, LowLevelSecurity) {
  SimulatorThread simulator(generic_config());
  asio::io_context io;
  Session session(generic_client(simulator.port(), 32, Authentication::low));
  auto opened = run(io, session.open());
  ASSERT_TRUE(opened) << opened.error().message;
  auto voltage = run(io, session.read({3, ObisCode(1, 0, 32, 7, 0), 2}));
  ASSERT_TRUE(voltage) << voltage.error().message;
  run(io, session.close());
}

class SessionSecurityPolicy : public ::testing::TestWithParam<Security> {};

// HLS-GMAC with each suite-0 policy: the simulator requires the same policy the client applies.
TEST_P(SessionSecurityPolicy, HlsGmacWithCipheredApdus) {
  SimulatorConfig config = generic_config();
  const Security policy = GetParam();
  config.server.security.policy =
      policy == Security::authenticated ? security::SecurityPolicy::authenticated
      : policy == Security::encrypted   ? security::SecurityPolicy::encrypted
                                        : security::SecurityPolicy::authenticated_encrypted;
  SimulatorThread simulator(config);
  asio::io_context io;
  ConnectionSettings settings = generic_client(simulator.port(), 1, Authentication::high_gmac);
  settings.security = policy;
  settings.system_title = *security::SystemTitle::from_hex("4D4D4D0000000001");
  settings.block_key = config.server.security.block_key;
  settings.authentication_key = config.server.security.authentication_key;
  Session session(settings);
  auto opened = run(io, session.open());
  ASSERT_TRUE(opened) << opened.error().message;
  auto voltage = run(io, session.read({3, ObisCode(1, 0, 32, 7, 0), 2}));
  ASSERT_TRUE(voltage) << voltage.error().message;
  auto energy = run(io, session.read({3, ObisCode(1, 0, 1, 8, 0), 2}));
  ASSERT_TRUE(energy) << energy.error().message;
  run(io, session.close());

  // Opening again continues the invocation counter (the meter refuses a replayed one), even though
  // no counter store was given.
  auto reopened = run(io, session.open());
  ASSERT_TRUE(reopened) << reopened.error().message;
  ASSERT_TRUE(run(io, session.read({3, ObisCode(1, 0, 32, 7, 0), 2})));
  run(io, session.close());
}

// Records every invocation counter a session used under our own keys (save() gets the next one).
class RecordingCounterStore final : public InvocationCounterStore {
 public:
  Expected<std::optional<std::uint32_t>> load(const std::string& key) override {
    return inner_.load(key);
  }
  Expected<void> save(const std::string& key, std::uint32_t value) override {
    if (key.ends_with(":tx")) used.push_back(value - 1);
    return inner_.save(key, value);
  }
  [[nodiscard]] std::string where(const std::string& key) const override {
    return inner_.where(key);
  }
  std::vector<std::uint32_t> used;

 private:
  MemoryInvocationCounterStore inner_;
};

// Two meters ciphered under one client system title and key (the gateway's usual set-up) share
// the store: their sessions interleave, and no counter value (half of the AES-GCM IV) may be used
// twice under that key, although each meter alone would accept the repeat.
TEST(SessionWithSimulator, SessionsSharingOneKeyNeverUseACounterValueTwice) {
  const SimulatorConfig config = generic_config();
  SimulatorConfig other_meter = config;  // a meter of its own: another system title
  other_meter.server.security.system_title = *security::SystemTitle::from_hex("4D4D4D00000000FF");
  SimulatorThread first(config);
  SimulatorThread second(other_meter);
  asio::io_context io;
  RecordingCounterStore store;
  std::vector<std::unique_ptr<Session>> sessions;
  for (const auto port : {first.port(), second.port()}) {
    ConnectionSettings settings = generic_client(port, 1, Authentication::high_gmac);
    settings.security = Security::authenticated_encrypted;
    settings.system_title = *security::SystemTitle::from_hex("4D4D4D0000000001");
    settings.block_key = config.server.security.block_key;
    settings.authentication_key = config.server.security.authentication_key;
    sessions.push_back(std::make_unique<Session>(settings, &store));
    auto opened = run(io, sessions.back()->open());
    ASSERT_TRUE(opened) << opened.error().message;
  }
  for (int round = 0; round < 3; ++round) {
    for (auto& session : sessions) {
      auto voltage = run(io, session->read({3, ObisCode(1, 0, 32, 7, 0), 2}));
      ASSERT_TRUE(voltage) << voltage.error().message;
    }
  }
  for (auto& session : sessions) run(io, session->close());
  auto sorted = store.used;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end())
      << "a counter value was used twice under one key";
  EXPECT_GE(store.used.size(), 8U);
}

INSTANTIATE_TEST_SUITE_P(Policies, SessionSecurityPolicy,
                         ::testing::Values(Security::authenticated, Security::encrypted,
                                           Security::authenticated_encrypted),
                         [](const auto& param_info) {
                           return param_info.param == Security::authenticated ? "Authenticated"
                                  : param_info.param == Security::encrypted
                                      ? "Encrypted"
                                      : "AuthenticatedEncrypted";
                         });

}  // namespace
}  // namespace dlmsgw::client
