#include "gateway/uplink/rate_limit.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <limits>

namespace dlmsgw::gateway {
namespace {

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

Expected<std::uint32_t> parse_positive(std::string_view digits, std::string_view what,
                                       std::string_view entry) {
  std::uint32_t value = 0;
  const auto* end = digits.data() + digits.size();
  const auto [ptr, ec] = std::from_chars(digits.data(), end, value);
  if (digits.empty() || ec == std::errc::invalid_argument || ptr != end) {
    return make_error(ErrorCode::malformed, "rate limit entry '" + std::string(entry) +
                                                "': " + std::string(what) + " '" +
                                                std::string(digits) + "' is not a whole number");
  }
  if (ec == std::errc::result_out_of_range) {
    return make_error(ErrorCode::out_of_range, "rate limit entry '" + std::string(entry) +
                                                   "': " + std::string(what) + " is too large");
  }
  if (value == 0) {
    return make_error(ErrorCode::out_of_range, "rate limit entry '" + std::string(entry) +
                                                   "': " + std::string(what) + " must be positive");
  }
  return value;
}

Expected<RateLimitWindow> parse_window(std::string_view entry) {
  const auto colon = entry.find(':');
  if (colon == std::string_view::npos) {
    return make_error(ErrorCode::malformed,
                      "rate limit entry '" + std::string(entry) +
                          "' is not of the form messages:seconds (e.g. 10:1)");
  }
  DLMSGW_TRY_ASSIGN(const auto messages,
                    parse_positive(trim(entry.substr(0, colon)), "message count", entry));
  DLMSGW_TRY_ASSIGN(const auto seconds,
                    parse_positive(trim(entry.substr(colon + 1)), "period in seconds", entry));
  // A period beyond ~68 years would overflow the nanosecond arithmetic; nobody means that.
  constexpr std::uint32_t max_seconds = 365U * 24U * 3600U;
  if (seconds > max_seconds) {
    return make_error(ErrorCode::out_of_range,
                      "rate limit entry '" + std::string(entry) + "': period longer than a year");
  }
  return RateLimitWindow{messages, std::chrono::seconds{seconds}};
}

}  // namespace

Expected<RateLimit> RateLimit::parse(std::string_view text) {
  std::vector<RateLimitWindow> windows;
  const auto whole = trim(text);
  if (whole.empty()) return RateLimit{};
  std::size_t start = 0;
  while (true) {
    const auto comma = whole.find(',', start);
    const auto entry =
        trim(whole.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (entry.empty()) {
      return make_error(ErrorCode::malformed,
                        "rate limit '" + std::string(text) + "' has an empty entry");
    }
    auto window = parse_window(entry);
    if (!window) return window.error().with_context("rate limit '" + std::string(text) + "'");
    windows.push_back(*window);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return RateLimit{std::move(windows)};
}

RateLimit::RateLimit(std::vector<RateLimitWindow> windows) {
  for (const auto& window : windows) {
    assert(window.messages > 0 && window.period.count() > 0);
    const Clock::duration period = window.period;
    const auto n = static_cast<Clock::duration::rep>(window.messages);
    const Clock::duration interval{(period.count() + n - 1) / n};
    buckets_.push_back(Bucket{window, interval, interval * n, Clock::time_point::min()});
  }
}

bool RateLimit::try_acquire(Clock::time_point now, std::uint32_t count) {
  const auto wait = wait_time(now, count);
  if (!wait || *wait != Clock::duration::zero()) return false;
  for (auto& bucket : buckets_) {
    bucket.tat = std::max(bucket.tat, now) + bucket.interval * count;
  }
  return true;
}

Expected<RateLimit::Clock::duration> RateLimit::wait_time(Clock::time_point now,
                                                          std::uint32_t count) const {
  Clock::duration longest = Clock::duration::zero();
  for (const auto& bucket : buckets_) {
    if (count > bucket.window.messages) {
      return make_error(ErrorCode::invalid_argument,
                        std::to_string(count) + " messages at once can never pass the rate limit " +
                            std::to_string(bucket.window.messages) + ":" +
                            std::to_string(bucket.window.period.count()));
    }
    const auto new_tat = std::max(bucket.tat, now) + bucket.interval * count;
    // Allowed while the bucket, after this send, is no fuller than one burst from now.
    const auto excess = (new_tat - now) - bucket.burst;
    longest = std::max(longest, excess);
  }
  return longest;
}

std::vector<RateLimitWindow> RateLimit::windows() const {
  std::vector<RateLimitWindow> result;
  for (const auto& bucket : buckets_) result.push_back(bucket.window);
  return result;
}

std::string RateLimit::to_string() const {
  std::string text;
  for (const auto& bucket : buckets_) {
    if (!text.empty()) text += ',';
    text +=
        std::to_string(bucket.window.messages) + ":" + std::to_string(bucket.window.period.count());
  }
  return text;
}

}  // namespace dlmsgw::gateway
