#pragma once
// LossReport: readings lost during an outage, told in a few lines instead of one per commit or
// per reading. Each cause ("dropped for the storage limits", "not stored: ...") gets at most one
// line per interval, with the count since its last line and its total; the first loss of a cause
// is told at once, so that the start of a problem is never delayed. Sans-I/O: the caller passes
// the time and logs the lines, and sets a timer for next_due() so that the last counts are not
// left unsaid.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dlmsgw::gateway {

class LossReport {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LossReport(Clock::duration interval) : interval_(interval) {}

  // Counts `count` readings lost for `cause`; `detail` (the last error, say) ends its next line.
  void add(const std::string& cause, std::uint64_t count, std::string detail = {});
  // The lines due at `now`: for each cause with losses not yet told whose last line is at least
  // one interval old (or which never had one).
  std::vector<std::string> due(Clock::time_point now);
  // When due() will next have a line to say (losses told only at the interval's end), if ever.
  [[nodiscard]] std::optional<Clock::time_point> next_due(Clock::time_point now) const;

  [[nodiscard]] std::uint64_t total() const { return total_; }

 private:
  struct Cause {
    std::uint64_t untold = 0;
    std::uint64_t total = 0;
    std::string detail;
    std::optional<Clock::time_point> last_line;
  };

  Clock::duration interval_;
  std::map<std::string, Cause> causes_;
  std::uint64_t total_ = 0;
};

}  // namespace dlmsgw::gateway
