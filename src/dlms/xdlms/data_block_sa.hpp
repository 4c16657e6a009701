#pragma once
// DataBlock-SA (Green Book xDLMS, block transfer of SET and ACTION requests):
//
//   DataBlock-SA ::= SEQUENCE { last-block BOOLEAN, block-number Unsigned32,
//                               raw-data OCTET STRING }
//
// The raw data of all blocks of one transfer, concatenated, is the A-XDR encoding of the value
// written (SET) or of the method-invocation-parameters (ACTION, without their OPTIONAL presence
// byte). Blocks are numbered from 1; the server acknowledges each block but the last by its
// number and answers the whole request after the last.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/byte_reader.hpp"
#include "core/byte_writer.hpp"
#include "core/bytes.hpp"
#include "core/expected.hpp"

namespace dlmsgw::xdlms {

struct DataBlockSa {
  bool last_block = false;
  std::uint32_t block_number = 0;
  Bytes raw_data;

  void encode(ByteWriter& writer) const;
  static Expected<DataBlockSa> decode(ByteReader& reader);
  bool operator==(const DataBlockSa&) const = default;
};

// `raw` cut into blocks of at most `block_size` bytes each, numbered from 1, the last one marked.
// An empty `raw` or a `block_size` of 0 gives no blocks.
std::vector<DataBlockSa> split_into_blocks(ByteView raw, std::size_t block_size);

}  // namespace dlmsgw::xdlms
