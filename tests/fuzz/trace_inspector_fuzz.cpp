// Fuzzes what `dlmsgw decode` runs on text pasted from any log: every byte sequence must give an
// inspection tree (with error nodes where needed), never a crash, and print as text.
#include <cstddef>
#include <cstdint>

#include "dlms/inspect/stream_inspector.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  for (const auto& node : dlmsgw::inspect::inspect_trace(dlmsgw::ByteView(data, size))) {
    (void)dlmsgw::inspect::to_text(node);
  }
  return 0;
}
