#pragma once
// The metric types of the Prometheus text format that dlmsgw exposes.

#include <string_view>

namespace dlmsgw::observability {

enum class MetricType { counter, gauge, histogram };

[[nodiscard]] std::string_view to_string(MetricType type);

}  // namespace dlmsgw::observability
