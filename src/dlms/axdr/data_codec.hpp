#pragma once
// A-XDR encoding and decoding of Data (IEC 61334-6, as profiled by the Green Book). Decoding is
// defensive: nesting depth is bounded, element counts are checked against the bytes left before
// anything is allocated, and every fault is an Error naming the type and the offset.

#include "core/byte_reader.hpp"
#include "core/byte_writer.hpp"
#include "dlms/axdr/data.hpp"

namespace dlmsgw::axdr {

struct DecodeLimits {
  // Profile generic buffers nest three deep (array of structures of values); 16 leaves room for any
  // real object and stops stack exhaustion by a hostile nesting bomb.
  std::uint32_t max_depth = 16;
  // Values in one Data, counting every element of every array and structure. A value in memory is
  // ~64 bytes while null-data is 1 byte on the wire, so without this bound a 16 MiB block transfer
  // of nulls would take 1 GiB. 500,000 covers a year of hourly load profile with room to spare.
  std::uint32_t max_values = 500'000;
};

void encode_data(ByteWriter& writer, const Data& data);
Bytes encode_data(const Data& data);

// Reads one Data from the reader, leaving it just after the value.
Expected<Data> decode_data(ByteReader& reader, const DecodeLimits& limits = {});
// Decodes one Data that must fill `bytes` exactly.
Expected<Data> decode_single_data(ByteView bytes, const DecodeLimits& limits = {});

}  // namespace dlmsgw::axdr
