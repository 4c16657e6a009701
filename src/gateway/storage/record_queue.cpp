#include "gateway/storage/record_queue.hpp"

namespace dlmsgw::gateway {

Timestamp system_clock_now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace dlmsgw::gateway
