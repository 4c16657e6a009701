#include "dlms/xdlms/invoke_id_and_priority.hpp"

#include "core/hex.hpp"

namespace dlmsgw::xdlms {
namespace {

constexpr std::uint8_t kReservedBits = 0x30;

}  // namespace

Expected<InvokeIdAndPriority> InvokeIdAndPriority::make(std::uint8_t invoke_id,
                                                        ServiceClass service_class,
                                                        Priority priority) {
  if (invoke_id > kMaxInvokeId) {
    return make_error(ErrorCode::out_of_range, "invoke id " + std::to_string(invoke_id) +
                                                   " does not fit in 4 bits (0 to 15)");
  }
  InvokeIdAndPriority value;
  value.invoke_id_ = invoke_id;
  value.service_class_ = service_class;
  value.priority_ = priority;
  return value;
}

Expected<InvokeIdAndPriority> InvokeIdAndPriority::from_byte(std::uint8_t byte) {
  if ((byte & kReservedBits) != 0) {
    return make_error(ErrorCode::malformed, "invoke-id-and-priority 0x" +
                                                to_hex(ByteView(&byte, 1)) +
                                                " has reserved bits 4-5 set (invoke id above 15?)");
  }
  return make(static_cast<std::uint8_t>(byte & kMaxInvokeId),
              (byte & 0x40) != 0 ? ServiceClass::confirmed : ServiceClass::unconfirmed,
              (byte & 0x80) != 0 ? Priority::high : Priority::normal);
}

std::string InvokeIdAndPriority::to_string() const {
  const std::uint8_t byte = to_byte();
  return "invoke id " + std::to_string(invoke_id_) +
         (confirmed() ? ", confirmed" : ", unconfirmed") +
         (high_priority() ? ", high priority" : ", normal priority") + " (0x" +
         to_hex(ByteView(&byte, 1)) + ")";
}

void encode_invoke_id(ByteWriter& writer, InvokeIdAndPriority invoke) {
  writer.put_u8(invoke.to_byte());
}

Expected<InvokeIdAndPriority> decode_invoke_id(ByteReader& reader) {
  DLMSGW_TRY_ASSIGN(const std::uint8_t byte, reader.read_u8("invoke-id-and-priority"));
  return InvokeIdAndPriority::from_byte(byte);
}

}  // namespace dlmsgw::xdlms
