#include "simulator/fault.hpp"

#include <charconv>

namespace dlmsgw::simulator {
namespace {

constexpr std::array<std::string_view, kFaultCount> kNames{
    "delay",           "drop",  "garbage", "flag_bytes",  "byte_at_a_time",
    "stale_duplicate", "reset", "refuse",  "slow_accept", "late_error"};

}  // namespace

std::string_view to_string(Fault fault) {
  return kNames[static_cast<std::size_t>(fault)];
}

std::optional<Fault> fault_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Fault>(i);
  }
  return std::nullopt;
}

Expected<std::pair<Fault, double>> parse_fault(std::string_view text) {
  const auto equals = text.find('=');
  if (equals == std::string_view::npos) {
    return make_error(ErrorCode::invalid_argument,
                      "fault '" + std::string(text) + "': expected NAME=RATE");
  }
  const auto fault = fault_from_name(text.substr(0, equals));
  if (!fault) {
    std::string names;
    for (auto name : kNames) names += (names.empty() ? "" : ", ") + std::string(name);
    return make_error(
        ErrorCode::invalid_argument,
        "unknown fault '" + std::string(text.substr(0, equals)) + "' (known: " + names + ")");
  }
  const std::string rate_text(text.substr(equals + 1));
  char* end = nullptr;
  const double rate = std::strtod(rate_text.c_str(), &end);
  if (rate_text.empty() || end != rate_text.c_str() + rate_text.size() || !(rate >= 0.0) ||
      rate > 1.0) {
    return make_error(ErrorCode::invalid_argument,
                      "fault rate '" + rate_text + "' must be a number from 0 to 1");
  }
  return std::pair{*fault, rate};
}

}  // namespace dlmsgw::simulator
