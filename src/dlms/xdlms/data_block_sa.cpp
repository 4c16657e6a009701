#include "dlms/xdlms/data_block_sa.hpp"

#include <algorithm>
#include <string>

#include "dlms/axdr/axdr_length.hpp"

namespace dlmsgw::xdlms {

void DataBlockSa::encode(ByteWriter& writer) const {
  writer.put_u8(last_block ? 1 : 0);
  writer.put_u32_be(block_number);
  axdr::encode_length(writer, static_cast<std::uint32_t>(raw_data.size()));
  writer.put_bytes(raw_data);
}

Expected<DataBlockSa> DataBlockSa::decode(ByteReader& reader) {
  DataBlockSa block;
  DLMSGW_TRY_ASSIGN(const std::uint8_t last, reader.read_u8("last-block"));
  if (last > 1) {
    return make_error(ErrorCode::malformed,
                      "last-block " + std::to_string(last) + " is not a BOOLEAN (0 or 1)");
  }
  block.last_block = last == 1;
  DLMSGW_TRY_ASSIGN(block.block_number, reader.read_u32_be("block-number"));
  DLMSGW_TRY_ASSIGN(const std::uint32_t length, axdr::decode_length(reader, "raw-data length"));
  DLMSGW_TRY_ASSIGN(const ByteView raw, reader.read_bytes(length, "raw-data"));
  block.raw_data.assign(raw.begin(), raw.end());
  return block;
}

std::vector<DataBlockSa> split_into_blocks(ByteView raw, std::size_t block_size) {
  std::vector<DataBlockSa> blocks;
  if (block_size == 0) return blocks;
  for (std::size_t at = 0; at < raw.size(); at += block_size) {
    const std::size_t count = std::min(block_size, raw.size() - at);
    const ByteView slice = raw.subspan(at, count);
    blocks.push_back({at + count == raw.size(), static_cast<std::uint32_t>(blocks.size() + 1),
                      Bytes(slice.begin(), slice.end())});
  }
  return blocks;
}

}  // namespace dlmsgw::xdlms
