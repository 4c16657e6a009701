#pragma once
// ListRefusals: the GET-with-list requests one meter refused as a whole (an exception-response or
// confirmed-service-error instead of a Get-Response-With-List, e.g. pdu-too-long or
// service-not-allowed). Such a list is read one GET per attribute, so that one bad point fails
// alone, until `retry_after` has passed; then it is tried as a list again (the meter may have been
// busy, or its firmware updated). Kept per meter, across reconnections: the gateway's worker
// hands one to each Session it opens for that meter.

#include <chrono>
#include <map>
#include <tuple>
#include <vector>

#include "dlms/xdlms/cosem_descriptor.hpp"

namespace dlmsgw::client {

inline constexpr std::chrono::minutes kListRetryAfter{30};

class ListRefusals {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ListRefusals(Clock::duration retry_after = kListRetryAfter)
      : retry_after_(retry_after) {}

  // True while `list` is to be read one attribute at a time.
  [[nodiscard]] bool refused(const std::vector<xdlms::CosemAttributeDescriptor>& list,
                             Clock::time_point now) const;
  void refuse(const std::vector<xdlms::CosemAttributeDescriptor>& list, Clock::time_point now);
  // The list was answered as a list: forget an older refusal.
  void accept(const std::vector<xdlms::CosemAttributeDescriptor>& list);
  [[nodiscard]] std::size_t size() const { return until_.size(); }

 private:
  using Key = std::vector<std::tuple<std::uint16_t, ObisCode, std::int8_t>>;
  static Key key_of(const std::vector<xdlms::CosemAttributeDescriptor>& list);

  Clock::duration retry_after_;
  std::map<Key, Clock::time_point> until_;
};

}  // namespace dlmsgw::client
