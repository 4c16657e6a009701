#pragma once
// SyntheticConnector: a Connector for tests. It declares its devices at start, submits numbered
// readings on demand ({"seq": n} at ts = base + n, so order and loss can be checked at the other
// end), answers RPC "echo" with its params and "fail" with an error, keeps the reply of "hold"
// unanswered (held_replies, for timeout tests), and records attribute updates. Every other method
// is unknown (ErrorCode::unsupported).

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gateway/connector.hpp"

namespace dlmsgw::test {

class SyntheticConnector final : public gateway::Connector {
 public:
  static constexpr std::int64_t kBaseTs = 1'700'000'000'000;

  SyntheticConnector(std::string name, std::vector<std::string> devices,
                     std::string type = "Synthetic Meter")
      : name_(std::move(name)), devices_(std::move(devices)), type_(std::move(type)) {}

  [[nodiscard]] std::string_view name() const override { return name_; }

  void start(gateway::GatewaySink& sink) override {
    sink_ = &sink;
    for (const auto& device : devices_) sink.device_connected(device, type_);
  }
  void stop() override { sink_ = nullptr; }

  void handle_rpc(gateway::RpcRequest request, gateway::RpcReply reply) override {
    rpcs.push_back(request);
    if (request.method == "echo") {
      reply(nlohmann::json{{"device", request.device}, {"params", request.params}});
    } else if (request.method == "hold") {
      held_replies.push_back(std::move(reply));
    } else if (request.method == "fail") {
      reply(make_error(ErrorCode::timeout, "meter did not answer"));
    } else {
      reply(make_error(ErrorCode::unsupported, "unknown method '" + request.method + "'"));
    }
  }

  void handle_attribute_update(std::string_view device, const nlohmann::json& values) override {
    attribute_updates.emplace_back(std::string(device), values);
  }

  // Submits reading number `seq` of `device`; false when storage refused it.
  bool emit(const std::string& device, std::int64_t seq) {
    if (sink_ == nullptr) return false;
    gateway::Reading reading{device,
                             gateway::Timestamp{std::chrono::milliseconds(kBaseTs + seq)},
                             {{"seq", seq}, {"voltage", 230.0 + static_cast<double>(seq % 10)}}};
    return sink_->submit(std::move(reading)).has_value();
  }

  gateway::GatewaySink* sink() { return sink_; }

  std::vector<gateway::RpcRequest> rpcs;
  std::vector<gateway::RpcReply> held_replies;
  std::vector<std::pair<std::string, nlohmann::json>> attribute_updates;

 private:
  std::string name_;
  std::vector<std::string> devices_;
  std::string type_;
  gateway::GatewaySink* sink_ = nullptr;
};

}  // namespace dlmsgw::test
