#pragma once
// excerpt: at most max_bytes of `text` for an error message, a log line or a reply, cut on a UTF-8
// character boundary and marked with how much was left out. Errors that quote what a peer sent
// must not grow with it: a 20 MB RPC parameter quoted whole made a 20 MB reply and log line.

#include <cstddef>
#include <string>
#include <string_view>

namespace dlmsgw {

// How much of a peer's value an error message quotes; enough to recognise it.
inline constexpr std::size_t kQuotedValueBytes = 200;

std::string excerpt(std::string_view text, std::size_t max_bytes = kQuotedValueBytes);

}  // namespace dlmsgw
