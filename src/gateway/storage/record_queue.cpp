#include "gateway/storage/record_queue.hpp"

#include <cstdint>

namespace dlmsgw::gateway {

Timestamp system_clock_now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

Expected<std::optional<RecordId>> RecordQueue::newest_id() {
  std::optional<RecordId> newest;
  constexpr std::size_t kPage = 1'000;
  for (;;) {
    auto page = peek_after(newest.value_or(RecordId{}), kPage, UINT64_MAX);
    if (!page) return page.error();
    if (page->empty()) return newest;
    newest = page->back().id;
  }
}

}  // namespace dlmsgw::gateway
