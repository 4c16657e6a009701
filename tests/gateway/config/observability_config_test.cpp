// tb_gateway.yaml's health: and logging: sections, and their environment overrides.

#include <gtest/gtest.h>

#include <map>

#include "gateway/config/environment_of.hpp"
#include "gateway/config/gateway_config.hpp"

namespace dlmsgw::gateway {
namespace {

using test::env_of;

Expected<GatewayConfig> parse(const std::string& extra,
                              const Environment& environment = env_of({})) {
  return parse_gateway_config("thingsboard: {host: tb.local, security: {accessToken: t}}\n" + extra,
                              "/etc/dlmsgw/tb_gateway.yaml", environment);
}

TEST(ObservabilityConfig, DefaultsAreLoopbackPort9110AndInfo) {
  auto config = parse("");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->health.enabled);
  EXPECT_EQ(config->health.host, "127.0.0.1");
  EXPECT_EQ(config->health.port, 9110);
  EXPECT_EQ(config->logging.level, "info");
  EXPECT_TRUE(config->logging.levels.empty());
  EXPECT_TRUE(config->warnings.empty() || config->warnings.size() == 0);
}

TEST(ObservabilityConfig, HealthAndLoggingKeysAreRead) {
  auto config = parse(
      "health: {enabled: false, host: '::1', port: 0}\n"
      "logging:\n"
      "  level: warn\n"
      "  levels: {uplink: debug, dlms: trace}\n");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_FALSE(config->health.enabled);
  EXPECT_EQ(config->health.host, "::1");
  EXPECT_EQ(config->health.port, 0);
  EXPECT_EQ(config->logging.level, "warn");
  const std::map<std::string, std::string> expected{{"uplink", "debug"}, {"dlms", "trace"}};
  EXPECT_EQ(config->logging.levels, expected);
  EXPECT_TRUE(config->warnings.empty());
}

TEST(ObservabilityConfig, BadValuesNameFileLineAndKey) {
  const std::pair<std::string, std::string> cases[] = {
      {"health: {port: 70000}", "tb_gateway.yaml:2: health.port: '70000' is not a port number"},
      {"health: {host: localhost}", "health.host: 'localhost' is not a numeric IPv4 or IPv6"},
      {"health: {enabled: maybe}", "health.enabled: 'maybe' is not true or false"},
      {"health: 9110", "health: expected a mapping"},
      {"logging: {level: loud}", "logging.level: 'loud' is not a log level (trace, debug"},
      {"logging:\n  levels: {upl1nk: debug}",
       "tb_gateway.yaml:3: logging.levels.upl1nk: not a "
       "component (gateway, uplink"},
      {"logging: {levels: {uplink: chatty}}", "logging.levels.uplink: 'chatty' is not a log level"},
      {"logging: {levels: [uplink]}", "logging.levels: expected a mapping"},
  };
  for (const auto& [text, message] : cases) {
    auto config = parse(text);
    ASSERT_FALSE(config) << text;
    EXPECT_NE(config.error().message.find(message), std::string::npos)
        << text << " -> " << config.error().message;
  }
}

TEST(ObservabilityConfig, UnknownKeysInsideTheSectionsAreWarned) {
  auto config = parse("health: {prot: 1}\nlogging: {lvl: info}\n");
  ASSERT_TRUE(config) << config.error().message;
  ASSERT_EQ(config->warnings.size(), 2U);
  EXPECT_NE(config->warnings[0].find("unknown key health.prot"), std::string::npos);
  EXPECT_NE(config->warnings[1].find("unknown key logging.lvl"), std::string::npos);
}

TEST(ObservabilityConfig, EnvironmentOverridesAndIsChecked) {
  auto config =
      parse("health: {port: 9110, enabled: false}\n", env_of({{"TB_GW_HEALTH_PORT", "0"},
                                                              {"TB_GW_HEALTH_ENABLED", "true"},
                                                              {"TB_GW_HEALTH_HOST", "0.0.0.0"},
                                                              {"TB_GW_LOG_LEVEL", "debug"}}));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->health.port, 0);
  EXPECT_TRUE(config->health.enabled);
  EXPECT_EQ(config->health.host, "0.0.0.0");
  EXPECT_EQ(config->logging.level, "debug");

  const std::pair<std::string, std::string> bad[] = {
      {"TB_GW_HEALTH_PORT", "http"},
      {"TB_GW_HEALTH_ENABLED", "yes please"},
      {"TB_GW_HEALTH_HOST", "example.com"},
      {"TB_GW_LOG_LEVEL", "verbose"},
  };
  for (const auto& [name, value] : bad) {
    auto refused = parse("", env_of({{name, value}}));
    ASSERT_FALSE(refused) << name;
    EXPECT_NE(refused.error().message.find("environment " + name + ": '" + value + "'"),
              std::string::npos)
        << refused.error().message;
  }
}

}  // namespace
}  // namespace dlmsgw::gateway
