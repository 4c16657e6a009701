// Runs the real dlmsgw executable's `decode` subcommand.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/command_runner.hpp"

namespace dlmsgw {
namespace {

const std::string kBinary = DLMSGW_BINARY;
const std::string kExample = std::string(DLMSGW_SOURCE_DIR) + "/examples/microstar-session.hex";

TEST(DecodeCommand, DecodesTheExampleMicrostarSession) {
  const auto result = test::run_command("grep -v '^#' " + kExample + " | " + kBinary + " decode -");
  EXPECT_EQ(result.exit_status, 0) << result.output;
  EXPECT_NE(
      result.output.find("calling-authentication-value: 32 32 32 32 32 32 32 32 \"22222222\""),
      std::string::npos);
  EXPECT_NE(result.output.find("negotiated-conformance: 0x00301D"), std::string::npos);
  EXPECT_NE(result.output.find("result: long-unsigned 13500"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("max-info-field-length-transmit: 128"), std::string::npos);
}

TEST(DecodeCommand, JsonOutputIsAnArrayOfFieldTrees) {
  const auto result = test::run_command(kBinary + " decode --json 7E A0 07 03 03 93 8C 11 7E");
  ASSERT_EQ(result.exit_status, 0) << result.output;
  const auto json = nlohmann::json::parse(result.output);
  ASSERT_TRUE(json.is_array());
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0]["field"], "HDLC frame");
  EXPECT_EQ(json[0]["value"], "SNRM P/F");
}

TEST(DecodeCommand, BadInputGivesAClearErrorAndExitStatus) {
  const auto not_hex = test::run_command(kBinary + " decode 7E ZZ 2>&1");
  EXPECT_EQ(not_hex.exit_status, 2);
  EXPECT_NE(not_hex.output.find("'Z' at position 3 is not a hex digit"), std::string::npos)
      << not_hex.output;
  const auto truncated = test::run_command(kBinary + " decode C0 01 2>&1");
  EXPECT_EQ(truncated.exit_status, 1);
  EXPECT_NE(truncated.output.find("error: Get-Request-Normal"), std::string::npos)
      << truncated.output;
}

}  // namespace
}  // namespace dlmsgw
