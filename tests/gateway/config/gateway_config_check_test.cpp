// check_gateway_config: every section's problem (for `dlmsgw validate`), while
// parse_gateway_config keeps stopping at the first.

#include <gtest/gtest.h>

#include <set>

#include "gateway/config/gateway_config.hpp"

namespace dlmsgw::gateway {
namespace {

std::optional<std::string> no_environment(const char*) {
  return std::nullopt;
}

const std::string kBroken =
    "thingsboard:\n"
    "  host: h\n"
    "  port: 70000\n"
    "  qos: 2\n"
    "storage:\n"
    "  type: file\n"
    "connectors:\n"
    "  - {name: A, type: dlms}\n";

TEST(GatewayConfigCheck, CollectsTheProblemOfEverySection) {
  const auto check = check_gateway_config(kBroken, "tb_gateway.yaml", no_environment);
  ASSERT_EQ(check.errors.size(), 4u);
  EXPECT_EQ(check.errors[0].message,
            "tb_gateway.yaml:3: thingsboard.port: '70000' is not a port number (1-65535)");
  EXPECT_NE(check.errors[1].message.find("tb_gateway.yaml:4: thingsboard.qos: '2'"),
            std::string::npos);
  EXPECT_NE(check.errors[2].message.find("tb_gateway.yaml:6: storage.type: 'file'"),
            std::string::npos);
  EXPECT_NE(check.errors[3].message.find("connectors[0].configuration: missing"),
            std::string::npos);
  // The credentials may be what failed: no "no credentials" warning on top.
  for (const auto& warning : check.config.warnings) {
    EXPECT_EQ(warning.find("no credentials"), std::string::npos) << warning;
  }
}

TEST(GatewayConfigCheck, ParseStillStopsAtTheFirstProblem) {
  const auto parsed = parse_gateway_config(kBroken, "tb_gateway.yaml", no_environment);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message,
            "tb_gateway.yaml:3: thingsboard.port: '70000' is not a port number (1-65535)");
}

TEST(GatewayConfigCheck, AValidFileHasNoErrorsAndKeepsItsWarnings) {
  const auto check =
      check_gateway_config("thingsboard: {host: h, hots: x}\n", "tb_gateway.yaml", no_environment);
  EXPECT_TRUE(check.errors.empty());
  EXPECT_EQ(check.config.host, "h");
  ASSERT_FALSE(check.config.warnings.empty());
  EXPECT_NE(check.config.warnings[0].find("unknown key thingsboard.hots"), std::string::npos);
}

TEST(GatewayConfigCheck, EveryMappingIsInTheKeyTable) {
  std::set<std::string_view> paths;
  for (const auto& section : gateway_config_keys()) paths.insert(section.path);
  for (const auto* path : {"", "thingsboard", "thingsboard.security", "thingsboard.statistics",
                           "storage", "connectors[]"}) {
    EXPECT_EQ(paths.count(path), 1u) << path;
  }
}

}  // namespace
}  // namespace dlmsgw::gateway
