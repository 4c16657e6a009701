#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "dlms/xdlms/action_request.hpp"
#include "dlms/xdlms/action_response.hpp"
#include "support/hex_bytes.hpp"

namespace dlmsgw::xdlms {
namespace {

using ::dlmsgw::test::hex;

const InvokeIdAndPriority kC0 = *InvokeIdAndPriority::make(0);
const CosemMethodDescriptor kReplyToHlsAuthentication{15, ObisCode(0, 0, 40, 0, 0), 1};

// dlms-cosem (Python) tests/test_xdlms/test_action.py, TestActionRequestNormal: HLS
// reply_to_HLS_authentication on the association 0-0:40.0.0 with a 17-byte octet-string.
TEST(ActionRequest, NormalMatchesDlmsCosem) {
  const Bytes wire = hex(
      "C3 01 C0 00 0F 00 00 28 00 00 FF 01 01 09 11 10 00 00 1A 90 E6 D2 22 1F A2 FD 85 EE D6 1A CC"
      " 22");
  auto request = ActionRequestNormal::decode(wire);
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->invoke, kC0);
  EXPECT_EQ(request->method, kReplyToHlsAuthentication);
  ASSERT_TRUE(request->parameters);
  ASSERT_NE(request->parameters->as_bytes(), nullptr);
  EXPECT_EQ(request->parameters->as_bytes()->size(), 17u);
  EXPECT_EQ(request->encode(), wire);
}

// dlms-cosem test_action.py, test_transform_bytes_without_data.
TEST(ActionRequest, NormalWithoutParametersMatchesDlmsCosem) {
  const Bytes wire = hex("C3 01 C0 00 0F 00 00 28 00 00 FF 01 00");
  auto request = ActionRequestNormal::decode(wire);
  ASSERT_TRUE(request);
  EXPECT_FALSE(request->parameters);
  EXPECT_EQ(request->encode(), wire);
}

// Disconnect control (class 70) 0-0:96.3.10, method 1 remote_disconnect with the parameter
// integer 0 (Blue Book 4.5.8); hand-built from the Green Book encoding.
TEST(ActionRequest, RemoteDisconnect) {
  const ActionRequestNormal request{
      InvokeIdAndPriority(), {70, ObisCode(0, 0, 96, 3, 10), 1}, axdr::Data::integer(0)};
  EXPECT_EQ(to_hex(request.encode()), "C3 01 C1 00 46 00 00 60 03 0A FF 01 01 0F 00");
  EXPECT_EQ(request.method.to_string(), "class 70 0-0:96.3.10 method 1");
  auto decoded = ActionRequestNormal::decode(request.encode());
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, request);
}

TEST(ActionRequest, RejectsBadPresenceTruncationAndTrailingBytes) {
  EXPECT_FALSE(ActionRequestNormal::decode(hex("C3 01 C0 00 0F 00 00 28 00 00 FF 01 02")));
  EXPECT_FALSE(ActionRequestNormal::decode(hex("C3 01 C0 00 0F 00 00 28 00 00 FF 01")));
  auto truncated = ActionRequestNormal::decode(hex("C3 01 C0 00 0F 00 00 28 00 00 FF 01 01 09 11"));
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error().message.find("method-invocation-parameters"), std::string::npos);
  EXPECT_FALSE(ActionRequestNormal::decode(hex("C3 01 C0 00 0F 00 00 28 00 00 FF 01 00 00")));
  // dlms-cosem test_action.py: wrong tag and wrong type.
  EXPECT_FALSE(ActionRequestNormal::decode(hex("C4 01 C0 00 0F 00 00 28 00 00 FF 01 00")));
  EXPECT_FALSE(ActionRequestNormal::decode(hex("C3 02 C0 00 0F 00 00 28 00 00 FF 01 00")));
}

// dlms-cosem test_action.py, TestActionResponseNormal / WithData / WithError.
TEST(ActionResponse, NormalFormsMatchDlmsCosem) {
  const Bytes plain = hex("C7 01 C0 00 00");
  auto response = ActionResponseNormal::decode(plain);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result, ActionResult::success);
  EXPECT_FALSE(response->return_parameters);
  EXPECT_EQ(response->encode(), plain);

  const Bytes with_data =
      hex("C7 01 C0 00 01 00 09 11 10 00 00 1A FD E8 85 7B 72 8A 34 99 10 6A A6 65 D1");
  response = ActionResponseNormal::decode(with_data);
  ASSERT_TRUE(response) << response.error().message;
  ASSERT_TRUE(response->return_parameters);
  const auto* data = std::get_if<axdr::Data>(&*response->return_parameters);
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->type(), axdr::DataType::octet_string);
  EXPECT_EQ(response->encode(), with_data);

  const Bytes with_error = hex("C7 01 C0 00 01 01 FA");
  response = ActionResponseNormal::decode(with_error);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->return_parameters, GetDataResult(DataAccessResult::other_reason));
  EXPECT_EQ(response->encode(), with_error);
}

TEST(ActionResponse, RejectsMalformedInput) {
  EXPECT_FALSE(ActionResponseNormal::decode(hex("C8 01 C0 00 00")));
  EXPECT_FALSE(ActionResponseNormal::decode(hex("C7 02 C0 00 00")));
  EXPECT_FALSE(ActionResponseNormal::decode(hex("C7 01 C0 00 02")));
  EXPECT_FALSE(ActionResponseNormal::decode(hex("C7 01 C0 00")));
  EXPECT_FALSE(ActionResponseNormal::decode(hex("C7 01 C0 00 00 00")));
  auto bad = ActionResponseNormal::decode(hex("C7 01 C0 00 01 05"));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("return-parameters"), std::string::npos);
}

TEST(ActionResult, NamesEveryValue) {
  EXPECT_EQ(to_string(ActionResult::success), "success");
  EXPECT_EQ(to_string(ActionResult::hardware_fault), "hardware-fault");
  EXPECT_EQ(to_string(ActionResult::temporary_failure), "temporary-failure");
  EXPECT_EQ(to_string(ActionResult::read_write_denied), "read-write-denied");
  EXPECT_EQ(to_string(ActionResult::object_undefined), "object-undefined");
  EXPECT_EQ(to_string(ActionResult::object_class_inconsistent), "object-class-inconsistent");
  EXPECT_EQ(to_string(ActionResult::object_unavailable), "object-unavailable");
  EXPECT_EQ(to_string(ActionResult::type_unmatched), "type-unmatched");
  EXPECT_EQ(to_string(ActionResult::scope_of_access_violated), "scope-of-access-violated");
  EXPECT_EQ(to_string(ActionResult::data_block_unavailable), "data-block-unavailable");
  EXPECT_EQ(to_string(ActionResult::long_action_aborted), "long-action-aborted");
  EXPECT_EQ(to_string(ActionResult::no_long_action_in_progress), "no-long-action-in-progress");
  EXPECT_EQ(to_string(ActionResult::other_reason), "other-reason");
  EXPECT_EQ(to_string(static_cast<ActionResult>(5)), "unknown (5)");
}

// Hand-built from the Green Book ASN.1 (Action-Request-With-First-Pblock, -With-Pblock,
// Action-Response-Next-Pblock): remote_disconnect's integer 0 one byte per block.
TEST(ActionRequest, PblockFormsRoundTrip) {
  const ActionRequestWithFirstPblock first{
      *InvokeIdAndPriority::make(1), {70, ObisCode(0, 0, 96, 3, 10), 1}, {false, 1, {0x0F}}};
  EXPECT_EQ(to_hex(first.encode()), "C3 04 C1 00 46 00 00 60 03 0A FF 01 00 00 00 00 01 01 0F");
  EXPECT_EQ(*ActionRequestWithFirstPblock::decode(first.encode()), first);
  const ActionRequestWithPblock next{*InvokeIdAndPriority::make(1), {true, 2, {0x00}}};
  EXPECT_EQ(to_hex(next.encode()), "C3 06 C1 01 00 00 00 02 01 00");
  EXPECT_EQ(*ActionRequestWithPblock::decode(next.encode()), next);
  EXPECT_FALSE(ActionRequestWithPblock::decode(hex("C3 06 C1 01 00 00 00 02 02 00")));
  const ActionResponseNextPblock ack{kC0, 1};
  EXPECT_EQ(to_hex(ack.encode()), "C7 04 C0 00 00 00 01");
  EXPECT_EQ(*ActionResponseNextPblock::decode(ack.encode()), ack);
  EXPECT_FALSE(ActionResponseNextPblock::decode(hex("C7 04 C0 00 00 00 01 00")));
}

}  // namespace
}  // namespace dlmsgw::xdlms
