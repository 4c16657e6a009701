#pragma once
// Byte containers used across the protocol library: Bytes owns, ByteView borrows.

#include <cstdint>
#include <span>
#include <vector>

namespace dlmsgw {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

}  // namespace dlmsgw
