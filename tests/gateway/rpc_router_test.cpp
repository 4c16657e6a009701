// RpcRouter on its own: an io_context, an in-memory registry and a synthetic connector; what the
// router would publish is collected instead.

#include "gateway/rpc_router.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "support/run_until.hpp"
#include "support/synthetic_connector.hpp"

namespace dlmsgw::gateway {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

using test::run_until;

struct RouterFixture {
  explicit RouterFixture(std::chrono::milliseconds timeout)
      : registry(*DeviceRegistry::open("")),
        router(
            io, registry,
            [this](const OutgoingMessage& message) {
              sent.push_back(message);
              return connected;
            },
            timeout) {
    EXPECT_TRUE(registry.add("Meter 1", "Synthetic Meter", "Synthetic"));
    router.add_connector(connector);
  }

  [[nodiscard]] json reply(std::size_t index) const {
    EXPECT_EQ(sent.at(index).topic, "v1/gateway/rpc");
    return json::parse(sent.at(index).payload);
  }

  asio::io_context io;
  DeviceRegistry registry;
  std::vector<OutgoingMessage> sent;
  bool connected = true;
  test::SyntheticConnector connector{"Synthetic", {"Meter 1"}};
  RpcRouter router;
};

TEST(RpcRouter, AConnectorThatNeverAnswersGetsATimeoutReplyAndItsLateReplyIsDropped) {
  RouterFixture f(1s);
  f.router.handle(DeviceRpcRequest{"Meter 1", 7, "hold", json()});
  ASSERT_EQ(f.connector.held_replies.size(), 1U);
  EXPECT_TRUE(f.sent.empty());
  EXPECT_EQ(f.router.pending(), 1U);
  ASSERT_TRUE(run_until(f.io, [&] { return !f.sent.empty(); }));
  EXPECT_EQ(f.reply(0), (json{{"device", "Meter 1"},
                              {"id", 7},
                              {"data",
                               {{"error",
                                 "device 'Meter 1': no answer from connector "
                                 "'Synthetic' within 1 s"}}}}));
  EXPECT_EQ(f.router.timeouts(), 1U);
  EXPECT_EQ(f.router.errors(), 1U);
  EXPECT_EQ(f.router.pending(), 0U);

  // The connector finally answers: dropped, never a second reply for id 7.
  f.connector.held_replies.front()(json{{"late", true}});
  f.io.restart();
  f.io.poll();
  EXPECT_EQ(f.sent.size(), 1U);
}

TEST(RpcRouter, AnAnswerInTimeCancelsTheTimeoutAndAnswersOnce) {
  RouterFixture f(200ms);
  f.router.handle(DeviceRpcRequest{"Meter 1", 8, "hold", json()});
  f.router.handle(DeviceRpcRequest{"Meter 1", 9, "echo", json{{"x", 1}}});  // answered at once
  ASSERT_EQ(f.sent.size(), 1U);
  EXPECT_EQ(f.reply(0).at("id"), 9);
  f.connector.held_replies.front()(json{{"value", 42}});
  ASSERT_EQ(f.sent.size(), 2U);
  EXPECT_EQ(f.reply(1), (json{{"device", "Meter 1"}, {"id", 8}, {"data", {{"value", 42}}}}));
  // Well past the timeout: nothing more is sent, and a repeated reply is dropped too.
  f.io.restart();
  f.io.run_for(600ms);
  f.connector.held_replies.front()(json{{"value", 43}});
  EXPECT_EQ(f.sent.size(), 2U);
  EXPECT_EQ(f.router.timeouts(), 0U);
  EXPECT_EQ(f.router.pending(), 0U);
}

TEST(RpcRouter, TimeoutsOfSeveralRequestsAreIndependentAndNamedInMilliseconds) {
  RouterFixture f(150ms);
  f.router.handle(DeviceRpcRequest{"Meter 1", 1, "hold", json()});
  f.router.handle(DeviceRpcRequest{"Meter 1", 2, "hold", json()});
  f.connector.held_replies.at(1)(json{{"ok", true}});
  ASSERT_TRUE(run_until(f.io, [&] { return f.sent.size() == 2; }));
  EXPECT_EQ(f.reply(0).at("id"), 2);
  EXPECT_EQ(f.reply(1).at("id"), 1);
  EXPECT_NE(f.reply(1).at("data").at("error").get<std::string>().find("within 150 ms"),
            std::string::npos);
}

TEST(RpcRouter, DestroyedWithARequestPendingLeavesNoDanglingTimer) {
  asio::io_context io;
  auto registry = *DeviceRegistry::open("");
  ASSERT_TRUE(registry.add("Meter 1", "t", "Synthetic"));
  test::SyntheticConnector connector{"Synthetic", {"Meter 1"}};
  std::size_t sent = 0;
  {
    RpcRouter router(
        io, registry,
        [&](const OutgoingMessage&) {
          ++sent;
          return true;
        },
        50ms);
    router.add_connector(connector);
    router.handle(DeviceRpcRequest{"Meter 1", 1, "hold", json()});
  }
  io.run_for(200ms);
  connector.held_replies.front()(json());  // the router is gone: ignored
  EXPECT_EQ(sent, 0U);
}

TEST(RpcRouter, AttributeResponsesCompleteTheirRequestByIdAndDevice) {
  RouterFixture f(10s);
  std::vector<std::pair<int, Expected<json>>> results;
  f.router.request_attributes("Meter 1", {"a"}, false,
                              [&](Expected<json> r) { results.emplace_back(1, std::move(r)); });
  f.router.request_attributes("Meter 1", {"a", "b"}, true,
                              [&](Expected<json> r) { results.emplace_back(2, std::move(r)); });
  ASSERT_EQ(f.sent.size(), 2U);
  const auto first = json::parse(f.sent[0].payload);
  const auto second = json::parse(f.sent[1].payload);
  EXPECT_EQ(f.sent[0].topic, "v1/gateway/attributes/request");
  EXPECT_EQ(first.at("key"), "a");
  EXPECT_EQ(second.at("keys"), (json{"a", "b"}));
  const auto id1 = first.at("id").get<std::int64_t>();
  const auto id2 = second.at("id").get<std::int64_t>();
  EXPECT_NE(id1, id2);
  // Another device's response with the same id is not ours.
  f.router.handle(AttributeResponse{id1, "Meter 9", json(5), json()});
  EXPECT_TRUE(results.empty());
  f.router.handle(AttributeResponse{id2, "Meter 1", std::nullopt, json{{"a", 1}, {"b", 2}}});
  f.router.handle(AttributeResponse{id1, "Meter 1", json("x"), json()});
  f.router.handle(AttributeResponse{id1, "Meter 1", json("again"), json()});  // ignored
  ASSERT_EQ(results.size(), 2U);
  EXPECT_EQ(results[0].first, 2);
  EXPECT_EQ(*results[0].second, (json{{"a", 1}, {"b", 2}}));
  EXPECT_EQ(*results[1].second, (json{{"a", "x"}}));
}

TEST(RpcRouter, AnAttributeRequestThatCannotBeSentFailsLaterNotInsideTheCall) {
  RouterFixture f(10s);
  f.connected = false;
  std::optional<Expected<json>> result;
  f.router.request_attributes("Meter 1", {"a"}, false,
                              [&](Expected<json> r) { result = std::move(r); });
  EXPECT_FALSE(result.has_value());
  ASSERT_TRUE(run_until(f.io, [&] { return result.has_value(); }));
  ASSERT_FALSE(*result);
  EXPECT_NE(result->error().message.find("not connected"), std::string::npos);
}

TEST(RpcRouter, AnUnansweredAttributeRequestTimesOut) {
  RouterFixture f(100ms);
  std::optional<Expected<json>> result;
  f.router.request_attributes("Meter 1", {"a"}, true,
                              [&](Expected<json> r) { result = std::move(r); });
  ASSERT_TRUE(run_until(f.io, [&] { return result.has_value(); }));
  ASSERT_FALSE(*result);
  EXPECT_EQ(result->error().code, ErrorCode::timeout);
  EXPECT_NE(result->error().message.find("within 100 ms"), std::string::npos)
      << result->error().message;
}

}  // namespace
}  // namespace dlmsgw::gateway

namespace dlmsgw::gateway {
namespace {

// A 20 MB params quoted in an error made a 20 MB reply and log line: the error is cut, and a reply
// over the platform's limit becomes an error reply saying so.
TEST(RpcRouter, ErrorRepliesAreBoundedAndOversizedRepliesBecomeErrors) {
  RouterFixture f(1s);
  f.router.limit_replies([] { return std::size_t{1024}; });
  f.router.add_gateway_method("quote", [](const json& params) -> Expected<json> {
    return make_error(ErrorCode::invalid_argument, "bad params " + params.dump());
  });
  f.router.handle(GatewayRpcRequest{3, "quote", json(std::string(1 << 20, 'x'))});
  ASSERT_EQ(f.sent.size(), 1U);
  EXPECT_EQ(f.sent[0].topic, "v1/devices/me/rpc/response/3");
  EXPECT_LE(f.sent[0].payload.size(), 1024U);
  EXPECT_NE(f.sent[0].payload.find("more bytes)"), std::string::npos) << f.sent[0].payload;

  f.router.handle(DeviceRpcRequest{"Meter 1", 4, "echo", json{{"big", std::string(4096, 'y')}}});
  ASSERT_EQ(f.sent.size(), 2U);
  const auto reply = f.reply(1);
  EXPECT_LE(f.sent[1].payload.size(), 1024U);
  EXPECT_EQ(reply.at("id"), 4);
  EXPECT_NE(reply.at("data").at("error").get<std::string>().find("maxPayloadSizeBytes"),
            std::string::npos)
      << reply.dump();
  EXPECT_EQ(f.router.errors(), 2U);
}

}  // namespace
}  // namespace dlmsgw::gateway
