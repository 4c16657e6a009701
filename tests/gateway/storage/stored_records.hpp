#pragma once
// What a test reads back from a queue: the number each record was made with (its ts in ms), and
// the ids to remove.

#include <vector>

#include "gateway/storage/record_queue.hpp"

namespace dlmsgw::test {

inline std::vector<int> numbers_of(const std::vector<gateway::StoredRecord>& batch) {
  std::vector<int> numbers;
  for (const auto& stored : batch) {
    numbers.push_back(static_cast<int>(stored.record.ts.time_since_epoch().count()));
  }
  return numbers;
}

inline std::vector<gateway::RecordId> ids_of(const std::vector<gateway::StoredRecord>& batch) {
  std::vector<gateway::RecordId> ids;
  for (const auto& stored : batch) ids.push_back(stored.id);
  return ids;
}

}  // namespace dlmsgw::test
