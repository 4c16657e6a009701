#include "core/byte_reader.hpp"

#include <string>

namespace dlmsgw {

Expected<void> ByteReader::require(std::size_t count, std::string_view what) const {
  if (remaining() >= count) return {};
  return make_error(ErrorCode::truncated, std::string(what) + ": needs " + std::to_string(count) +
                                              " byte(s) at offset " + std::to_string(position_) +
                                              ", only " + std::to_string(remaining()) + " left");
}

Expected<std::uint8_t> ByteReader::peek_u8(std::string_view what) const {
  DLMSGW_TRY(require(1, what));
  return data_[position_];
}

Expected<std::uint8_t> ByteReader::read_u8(std::string_view what) {
  DLMSGW_TRY(require(1, what));
  return data_[position_++];
}

Expected<std::uint16_t> ByteReader::read_u16_be(std::string_view what) {
  DLMSGW_TRY(require(2, what));
  const auto value = static_cast<std::uint16_t>((data_[position_] << 8) | data_[position_ + 1]);
  position_ += 2;
  return value;
}

Expected<std::uint32_t> ByteReader::read_u32_be(std::string_view what) {
  DLMSGW_TRY(require(4, what));
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value = (value << 8) | data_[position_++];
  return value;
}

Expected<std::uint64_t> ByteReader::read_u64_be(std::string_view what) {
  DLMSGW_TRY(require(8, what));
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | data_[position_++];
  return value;
}

Expected<ByteView> ByteReader::read_bytes(std::size_t count, std::string_view what) {
  DLMSGW_TRY(require(count, what));
  ByteView view = data_.subspan(position_, count);
  position_ += count;
  return view;
}

Expected<void> ByteReader::skip(std::size_t count, std::string_view what) {
  DLMSGW_TRY(require(count, what));
  position_ += count;
  return {};
}

}  // namespace dlmsgw
