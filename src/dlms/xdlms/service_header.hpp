#pragma once
// The framing shared by the xDLMS service APDUs: every one opens with its tag and the CHOICE of its
// form (C0 01 = Get-Request-Normal), must fill its buffer exactly, and carries its SEQUENCE OF
// fields as an A-XDR count followed by the elements. Kept in one place so that every APDU reports
// these faults in the same words.

#include <cstdint>
#include <string_view>

#include "core/byte_reader.hpp"
#include "core/expected.hpp"

namespace dlmsgw::xdlms {

// Reads the tag and choice bytes and fails (malformed) unless they are `tag` and `choice`.
Expected<void> read_service_header(ByteReader& reader, std::uint8_t tag, std::uint8_t choice);
// Fails (malformed) when bytes are left after the APDU.
Expected<void> require_end(const ByteReader& reader);
// A SEQUENCE OF count, refused when `min_element_size`-byte elements could not fit in the bytes
// left: a hostile count fails here instead of driving a long loop or a large allocation.
Expected<std::uint32_t> read_element_count(ByteReader& reader, std::string_view what,
                                           std::size_t min_element_size);

// `result`, with `name` (e.g. "Get-Response-Normal") prefixed to its error if it failed.
template <class T>
Expected<T> in_context(Expected<T> result, std::string_view name) {
  if (!result) return result.error().with_context(name);
  return result;
}

}  // namespace dlmsgw::xdlms
