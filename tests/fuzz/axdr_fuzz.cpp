// Fuzzes the A-XDR Data decoder. Property: whatever decodes re-encodes to bytes that decode to a
// value whose encoding is the same (decoding may normalise non-minimal lengths and boolean bytes,
// so the first encoding, not the input, is the fixed point). The printer must handle every decoded
// value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "dlms/axdr/data_codec.hpp"
#include "dlms/axdr/data_printer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dlmsgw;
  ByteReader reader(ByteView(data, size));
  auto decoded = axdr::decode_data(reader);
  if (!decoded) return 0;
  (void)axdr::to_string(*decoded, axdr::PrintLayout::indented);
  const Bytes encoded = axdr::encode_data(*decoded);
  auto again = axdr::decode_single_data(encoded);
  if (!again) std::abort();
  if (axdr::encode_data(*again) != encoded) std::abort();
  return 0;
}
