#include "dlms/xdlms/service_header.hpp"

#include <string>

#include "core/hex.hpp"
#include "dlms/axdr/axdr_length.hpp"

namespace dlmsgw::xdlms {
namespace {}  // namespace

Expected<void> read_service_header(ByteReader& reader, std::uint8_t tag, std::uint8_t choice) {
  DLMSGW_TRY_ASSIGN(const std::uint8_t got_tag, reader.read_u8("APDU tag"));
  if (got_tag != tag) {
    return make_error(ErrorCode::malformed,
                      "tag " + to_hex_literal(got_tag) + ", expected " + to_hex_literal(tag));
  }
  DLMSGW_TRY_ASSIGN(const std::uint8_t got_choice, reader.read_u8("APDU choice"));
  if (got_choice != choice) {
    return make_error(ErrorCode::malformed, "choice " + std::to_string(got_choice) + ", expected " +
                                                std::to_string(choice));
  }
  return {};
}

Expected<void> require_end(const ByteReader& reader) {
  if (reader.empty()) return {};
  return make_error(ErrorCode::malformed, std::to_string(reader.remaining()) +
                                              " unexpected byte(s) after the end at offset " +
                                              std::to_string(reader.position()));
}

Expected<std::uint32_t> read_element_count(ByteReader& reader, std::string_view what,
                                           std::size_t min_element_size) {
  DLMSGW_TRY_ASSIGN(const std::uint32_t count, axdr::decode_length(reader, what));
  if (min_element_size != 0 && count > reader.remaining() / min_element_size) {
    return make_error(ErrorCode::truncated, std::string(what) + ": " + std::to_string(count) +
                                                " element(s) cannot fit in the " +
                                                std::to_string(reader.remaining()) +
                                                " byte(s) left");
  }
  return count;
}

}  // namespace dlmsgw::xdlms
