#include "core/byte_writer.hpp"

namespace dlmsgw {

void ByteWriter::put_u16_be(std::uint16_t value) {
  bytes_.push_back(static_cast<std::uint8_t>(value >> 8));
  bytes_.push_back(static_cast<std::uint8_t>(value));
}

void ByteWriter::put_u32_be(std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8)
    bytes_.push_back(static_cast<std::uint8_t>(value >> shift));
}

void ByteWriter::put_u64_be(std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8)
    bytes_.push_back(static_cast<std::uint8_t>(value >> shift));
}

}  // namespace dlmsgw
