#include "gateway/loss_report.hpp"

namespace dlmsgw::gateway {
namespace {

// "300 ms", "60 s".
std::string seconds_text(LossReport::Clock::duration span) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(span).count();
  if (ms < 10000) return std::to_string(ms) + " ms";
  return std::to_string((ms + 500) / 1000) + " s";
}

}  // namespace

void LossReport::add(const std::string& cause, std::uint64_t count, std::string detail) {
  if (count == 0) return;
  auto& entry = causes_[cause];
  if (!detail.empty()) entry.detail = std::move(detail);
  entry.untold += count;
  entry.total += count;
  total_ += count;
}

std::vector<std::string> LossReport::due(Clock::time_point now) {
  std::vector<std::string> lines;
  for (auto& [cause, entry] : causes_) {
    if (entry.untold == 0) continue;
    if (entry.last_line && now - *entry.last_line < interval_) continue;
    std::string line =
        std::to_string(entry.untold) + (entry.untold == 1 ? " reading " : " readings ") + cause;
    line +=
        entry.last_line ? " in the last " + seconds_text(now - *entry.last_line) : std::string();
    line += " (" + std::to_string(entry.total) + " in total; next summary in " +
            seconds_text(interval_) + " at the earliest)";
    if (!entry.detail.empty()) line += ": " + entry.detail;
    lines.push_back(std::move(line));
    entry.untold = 0;
    entry.last_line = now;
  }
  return lines;
}

std::optional<LossReport::Clock::time_point> LossReport::next_due(Clock::time_point now) const {
  std::optional<Clock::time_point> next;
  for (const auto& [cause, entry] : causes_) {
    if (entry.untold == 0) continue;
    const auto at = entry.last_line ? *entry.last_line + interval_ : now;
    if (!next || at < *next) next = at;
  }
  return next;
}

}  // namespace dlmsgw::gateway
