#pragma once
// ids: the record ids an encoded message carries, as plain numbers for EXPECT_EQ.

#include <cstdint>
#include <vector>

#include "gateway/uplink/gateway_batch.hpp"

namespace dlmsgw::test {

inline std::vector<std::uint64_t> ids(const gateway::BatchMessage& message) {
  std::vector<std::uint64_t> result;
  for (const auto id : message.records) result.push_back(id.value);
  return result;
}

}  // namespace dlmsgw::test
