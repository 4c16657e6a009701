// Fuzzes decode_apdu, the entry point for every xDLMS service APDU a meter (or, in the simulator, a
// client) sends. Property: whatever decodes re-encodes to bytes that decode again, and whose
// encoding is the same (decoding may normalise non-minimal A-XDR lengths and boolean bytes inside
// Data, so the first encoding, not the input, is the fixed point). describe() must handle every
// decoded APDU, and the block reassembler every decoded datablock.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <variant>

#include "dlms/xdlms/apdu.hpp"
#include "dlms/xdlms/apdu_printer.hpp"
#include "dlms/xdlms/get_block_reassembler.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dlmsgw;
  auto decoded = xdlms::decode_apdu(ByteView(data, size));
  if (!decoded) {
    if (decoded.error().message.empty()) std::abort();
    return 0;
  }
  (void)xdlms::describe(*decoded);
  if (const auto* block = std::get_if<xdlms::GetResponseWithDatablock>(&*decoded)) {
    xdlms::GetBlockReassembler reassembler(1024);
    (void)reassembler.feed(*block);
  }
  const Bytes encoded = xdlms::encode_apdu(*decoded);
  auto again = xdlms::decode_apdu(encoded);
  if (!again) std::abort();
  if (again->index() != decoded->index()) std::abort();
  if (xdlms::encode_apdu(*again) != encoded) std::abort();
  return 0;
}
