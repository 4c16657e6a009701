#pragma once
// count_data_points: how many data points a stored telemetry payload holds (the members of its
// JSON object), for the data-point rate limits. Not an object: zero. The payload is what
// the gateway serialised itself; for anything else the count is a best effort, never a crash.

#include <cstdint>
#include <string_view>

namespace dlmsgw::gateway {

std::uint32_t count_data_points(std::string_view payload);

}  // namespace dlmsgw::gateway
