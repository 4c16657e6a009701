// SET and ACTION whose value comes in blocks (Green Book block transfer with SET / ACTION), as the
// simulator's association server takes them: each block but the last acknowledged, the request
// carried out after the last, blocks out of order or without a transfer refused.
#include <gtest/gtest.h>

#include "dlms/server/association_server.hpp"
#include "dlms/server/disconnect_control_object.hpp"
#include "server_test_support.hpp"

namespace dlmsgw::server {
namespace {

using namespace testing;

const ObisCode kMessageText(0, 0, 96, 13, 0);

class BlockWrite : public ::testing::Test {
 protected:
  SimulatedMeter meter{MeterProfile::generic(), 11};
  ServerConfig config = ServerConfig::generic();
  AssociationServer server{meter, config};

  void associate() {
    auto aare = acse::decode_aare(exchange(server, 16, public_aarq(0x007E1F)));
    ASSERT_TRUE(aare && aare->accepted());
  }
  xdlms::Apdu send(const Bytes& request) { return decode(exchange(server, 16, request)); }
};

TEST_F(BlockWrite, SetInBlocksWritesTheWholeValue) {
  associate();
  Bytes text(300, 0);
  for (std::size_t i = 0; i < text.size(); ++i) text[i] = static_cast<std::uint8_t>('a' + i % 26);
  const axdr::Data value = axdr::Data::octet_string(text);
  const auto blocks = xdlms::split_into_blocks(axdr::encode_data(value), 100);
  ASSERT_EQ(blocks.size(), 4U);  // 303 bytes: 82 01 2C + 300
  const xdlms::InvokeIdAndPriority invoke = *xdlms::InvokeIdAndPriority::make(5);
  auto first = send(
      xdlms::SetRequestWithFirstDatablock{invoke, {1, kMessageText, 2}, std::nullopt, blocks[0]}
          .encode());
  EXPECT_EQ(first, xdlms::Apdu(xdlms::SetResponseDatablock{invoke, 1}));
  for (std::size_t i = 1; i + 1 < blocks.size(); ++i) {
    EXPECT_EQ(send(xdlms::SetRequestWithDatablock{invoke, blocks[i]}.encode()),
              xdlms::Apdu(xdlms::SetResponseDatablock{invoke, blocks[i].block_number}));
  }
  EXPECT_EQ(
      send(xdlms::SetRequestWithDatablock{invoke, blocks.back()}.encode()),
      xdlms::Apdu(xdlms::SetResponseLastDatablock{invoke, xdlms::DataAccessResult::success, 4}));
  EXPECT_EQ(value_of(get(server, 16, 1, kMessageText, 2)), value);
}

TEST_F(BlockWrite, BlocksOutOfOrderOrWithoutATransferAreRefused) {
  associate();
  const auto blocks =
      xdlms::split_into_blocks(axdr::encode_data(axdr::Data::octet_string(Bytes(50, 1))), 20);
  ASSERT_EQ(blocks.size(), 3U);
  EXPECT_EQ(send(xdlms::SetRequestWithDatablock{{}, blocks[1]}.encode()),
            xdlms::Apdu(xdlms::SetResponseLastDatablock{
                {}, xdlms::DataAccessResult::no_long_set_in_progress, 2}));
  send(xdlms::SetRequestWithFirstDatablock{{}, {1, kMessageText, 2}, std::nullopt, blocks[0]}
           .encode());
  EXPECT_EQ(send(xdlms::SetRequestWithDatablock{{}, blocks[2]}.encode()),
            xdlms::Apdu(xdlms::SetResponseLastDatablock{
                {}, xdlms::DataAccessResult::data_block_number_invalid, 3}));
  // The refused transfer is over and wrote nothing.
  EXPECT_EQ(value_of(get(server, 16, 1, kMessageText, 2)), axdr::Data::octet_string({}));
  // Blocks that together are not one value.
  xdlms::DataBlockSa broken{true, 1, {0x09, 0x05, 0x01}};
  EXPECT_EQ(
      send(xdlms::SetRequestWithFirstDatablock{{}, {1, kMessageText, 2}, std::nullopt, broken}
               .encode()),
      xdlms::Apdu(xdlms::SetResponseLastDatablock{{}, xdlms::DataAccessResult::type_unmatched, 1}));
}

TEST_F(BlockWrite, ActionInPblocksInvokesTheMethodWithTheWholeParameters) {
  associate();
  // integer 0 (0F 00), one byte per block: the relay disconnects only once both arrived.
  const auto blocks = xdlms::split_into_blocks(axdr::encode_data(axdr::Data::integer(0)), 1);
  ASSERT_EQ(blocks.size(), 2U);
  const xdlms::InvokeIdAndPriority invoke = *xdlms::InvokeIdAndPriority::make(9);
  EXPECT_EQ(
      send(xdlms::ActionRequestWithFirstPblock{invoke, {70, kDisconnectControlCode, 1}, blocks[0]}
               .encode()),
      xdlms::Apdu(xdlms::ActionResponseNextPblock{invoke, 1}));
  EXPECT_EQ(value_of(get(server, 16, 70, kDisconnectControlCode, 2)), axdr::Data::boolean(true));
  EXPECT_EQ(
      send(xdlms::ActionRequestWithPblock{invoke, blocks[1]}.encode()),
      xdlms::Apdu(xdlms::ActionResponseNormal{invoke, xdlms::ActionResult::success, std::nullopt}));
  EXPECT_EQ(value_of(get(server, 16, 70, kDisconnectControlCode, 2)), axdr::Data::boolean(false));
  // A pblock with no transfer started.
  EXPECT_EQ(send(xdlms::ActionRequestWithPblock{invoke, blocks[1]}.encode()),
            xdlms::Apdu(xdlms::ActionResponseNormal{
                invoke, xdlms::ActionResult::no_long_action_in_progress, std::nullopt}));
}

TEST_F(BlockWrite, WithoutTheConformanceGrantBlocksAreAServiceError) {
  config.supported_conformance =
      xdlms::Conformance(kGenericConformance)
          .without(xdlms::ConformanceBit::block_transfer_with_set_or_write)
          .without(xdlms::ConformanceBit::block_transfer_with_action);
  associate();
  const xdlms::DataBlockSa block{true, 1, {0x0F, 0x00}};
  EXPECT_TRUE(std::holds_alternative<xdlms::ExceptionResponse>(
      send(xdlms::SetRequestWithFirstDatablock{{}, {1, kMessageText, 2}, std::nullopt, block}
               .encode())));
  EXPECT_TRUE(std::holds_alternative<xdlms::ExceptionResponse>(send(
      xdlms::ActionRequestWithFirstPblock{{}, {70, kDisconnectControlCode, 1}, block}.encode())));
}

}  // namespace
}  // namespace dlmsgw::server
