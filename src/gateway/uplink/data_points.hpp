#pragma once
// count_data_points: how many data points a stored telemetry payload holds (the members of its
// JSON object; of a series [{"ts":..,"values":{..}},..], the members of all its values objects),
// for the data-point rate limits. Neither: zero. The payload is what
// the gateway serialised itself; for anything else the count is a best effort, never a crash.

#include <cstdint>
#include <string_view>

namespace dlmsgw::gateway {

std::uint32_t count_data_points(std::string_view payload);

}  // namespace dlmsgw::gateway
