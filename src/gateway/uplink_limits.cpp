#include "gateway/uplink_limits.hpp"

#include <utility>

namespace dlmsgw::gateway {
namespace {

struct Slot {
  const char* group;  // key of the response object
  const char* key;
  RateLimit UplinkLimits::*field;
};

constexpr Slot kSlots[] = {
    {"gatewayRateLimits", "messages", &UplinkLimits::messages},
    {"gatewayRateLimits", "telemetryMessages", &UplinkLimits::telemetry_messages},
    {"gatewayRateLimits", "telemetryDataPoints", &UplinkLimits::telemetry_data_points},
    {"rateLimits", "messages", &UplinkLimits::device_messages},
    {"rateLimits", "telemetryMessages", &UplinkLimits::device_telemetry_messages},
    {"rateLimits", "telemetryDataPoints", &UplinkLimits::device_telemetry_data_points},
};

Error bad(std::string what) {
  return make_error(ErrorCode::malformed, "getSessionLimits response: " + std::move(what));
}

}  // namespace

Expected<std::vector<std::string>> apply_session_limits(UplinkLimits& limits,
                                                        const nlohmann::json& response) {
  if (!response.is_object()) return bad("not a JSON object");
  UplinkLimits updated = limits;
  std::vector<std::string> changes;
  for (const auto& slot : kSlots) {
    const auto group = response.find(slot.group);
    if (group == response.end() || group->is_null()) continue;
    if (!group->is_object()) return bad(std::string("\"") + slot.group + "\" is not an object");
    const auto value = group->find(slot.key);
    if (value == group->end() || value->is_null()) continue;
    if (!value->is_string()) {
      return bad(std::string(slot.group) + "." + slot.key + " is not a string");
    }
    auto parsed = RateLimit::parse(value->get<std::string>());
    if (!parsed) {
      return bad(std::string(slot.group) + "." + slot.key + ": " + parsed.error().message);
    }
    updated.*slot.field = std::move(*parsed);
    changes.push_back(std::string(slot.group) + "." + slot.key + "=" +
                      (updated.*slot.field).to_string());
  }
  if (const auto size = response.find("maxPayloadSize"); size != response.end()) {
    if (!size->is_number_integer() || size->get<std::int64_t>() <= 0) {
      return bad("maxPayloadSize is not a positive integer");
    }
    const auto server = static_cast<std::size_t>(size->get<std::int64_t>());
    if (server < updated.max_payload_bytes) {
      updated.max_payload_bytes = server;
      changes.push_back("maxPayloadSize=" + std::to_string(server));
    }
  }
  limits = std::move(updated);
  return changes;
}

}  // namespace dlmsgw::gateway
