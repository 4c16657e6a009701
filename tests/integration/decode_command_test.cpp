// Runs the real dlmsgw executable's `decode` subcommand.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/command_runner.hpp"
#include "support/dlmsgw_binary.hpp"

namespace dlmsgw {
namespace {

using test::kBinary;
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

TEST(DecodeCommand, DecodesAWrapperFrameAndABareApdu) {
  const auto wrapped = test::run_command(
      kBinary + " decode 00 01 00 10 00 01 00 0D C0 01 C1 00 03 01 01 20 07 00 FF 02 00");
  EXPECT_EQ(wrapped.exit_status, 0) << wrapped.output;
  EXPECT_NE(wrapped.output.find("wrapper frame"), std::string::npos) << wrapped.output;
  EXPECT_NE(wrapped.output.find("class 3 1-1:32.7.0 attribute 2"), std::string::npos)
      << wrapped.output;
  const auto bare = test::run_command(kBinary + " decode C4 01 C1 00 02 02 0F FE 16 23");
  EXPECT_EQ(bare.exit_status, 0) << bare.output;
  EXPECT_NE(bare.output.find("integer -2"), std::string::npos) << bare.output;
  EXPECT_NE(bare.output.find("enum 35"), std::string::npos) << bare.output;
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
