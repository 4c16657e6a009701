#pragma once
// ByteReader: a bounds-checked cursor over borrowed bytes. Every read either succeeds or returns a
// `truncated` error naming what was being read and where; it never reads past the end.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/bytes.hpp"
#include "core/expected.hpp"

namespace dlmsgw {

class ByteReader {
 public:
  explicit ByteReader(ByteView data) : data_(data) {}

  [[nodiscard]] std::size_t position() const { return position_; }
  [[nodiscard]] std::size_t remaining() const { return data_.size() - position_; }
  [[nodiscard]] bool empty() const { return remaining() == 0; }
  // The bytes not read yet.
  [[nodiscard]] ByteView rest() const { return data_.subspan(position_); }

  // `what` names the field for the error message ("AARE length", "HDLC FCS", ...).
  Expected<std::uint8_t> peek_u8(std::string_view what = "byte") const;
  Expected<std::uint8_t> read_u8(std::string_view what = "byte");
  Expected<std::uint16_t> read_u16_be(std::string_view what = "16-bit value");
  Expected<std::uint32_t> read_u32_be(std::string_view what = "32-bit value");
  Expected<std::uint64_t> read_u64_be(std::string_view what = "64-bit value");
  Expected<ByteView> read_bytes(std::size_t count, std::string_view what = "bytes");
  Expected<void> skip(std::size_t count, std::string_view what = "bytes");

 private:
  Expected<void> require(std::size_t count, std::string_view what) const;

  ByteView data_;
  std::size_t position_ = 0;
};

}  // namespace dlmsgw
