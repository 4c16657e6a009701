#pragma once
// ByteWriter: appends big-endian integers and byte runs to an owned buffer.

#include <cstdint>

#include "core/bytes.hpp"

namespace dlmsgw {

class ByteWriter {
 public:
  // Starts with room for a typical request or frame, so that the puts of one encoding do not
  // reallocate several times (a GET request took five allocations).
  ByteWriter() { bytes_.reserve(kInitialCapacity); }
  explicit ByteWriter(Bytes initial) : bytes_(std::move(initial)) {}

  void reserve(std::size_t size) { bytes_.reserve(size); }

  void put_u8(std::uint8_t value) { bytes_.push_back(value); }
  void put_u16_be(std::uint16_t value);
  void put_u32_be(std::uint32_t value);
  void put_u64_be(std::uint64_t value);
  void put_bytes(ByteView data) { bytes_.insert(bytes_.end(), data.begin(), data.end()); }

  [[nodiscard]] std::size_t size() const { return bytes_.size(); }
  [[nodiscard]] const Bytes& bytes() const { return bytes_; }
  Bytes take() { return std::move(bytes_); }

 private:
  static constexpr std::size_t kInitialCapacity = 64;

  Bytes bytes_;
};

}  // namespace dlmsgw
