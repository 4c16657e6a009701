#pragma once
// Invoke-Id-And-Priority (Green Book, xDLMS LN services): the byte that opens every GET, SET and
// ACTION request and is echoed in the response.
//
//   bit 7      priority       0 normal, 1 high
//   bit 6      service class  0 unconfirmed, 1 confirmed
//   bits 5-4   reserved (0)
//   bits 3-0   invoke id      0..15
//
// The id has four bits only. A client that runs a raw 1..255 counter writes bits 4-5 and eventually
// 0x7E (its 126th request), which framing layers read as a flag; the type below cannot hold an id
// above 15 and next() wraps modulo 16.

#include <cstdint>
#include <string>

#include "core/byte_reader.hpp"
#include "core/byte_writer.hpp"
#include "core/expected.hpp"

namespace dlmsgw::xdlms {

enum class Priority : std::uint8_t { normal = 0, high = 1 };
enum class ServiceClass : std::uint8_t { unconfirmed = 0, confirmed = 1 };

class InvokeIdAndPriority {
 public:
  static constexpr std::uint8_t kMaxInvokeId = 15;

  // Invoke id 1, confirmed, high priority (0xC1): what Gurux and dlms-cosem send by default.
  constexpr InvokeIdAndPriority() = default;

  // Fails with out_of_range when `invoke_id` is above 15.
  static Expected<InvokeIdAndPriority> make(std::uint8_t invoke_id,
                                            ServiceClass service_class = ServiceClass::confirmed,
                                            Priority priority = Priority::high);
  // Parses the wire byte; reserved bits 4-5 set is an error (no conforming peer sets them).
  static Expected<InvokeIdAndPriority> from_byte(std::uint8_t byte);

  [[nodiscard]] constexpr std::uint8_t invoke_id() const { return invoke_id_; }
  [[nodiscard]] constexpr ServiceClass service_class() const { return service_class_; }
  [[nodiscard]] constexpr Priority priority() const { return priority_; }
  [[nodiscard]] constexpr bool confirmed() const {
    return service_class_ == ServiceClass::confirmed;
  }
  [[nodiscard]] constexpr bool high_priority() const { return priority_ == Priority::high; }

  [[nodiscard]] constexpr std::uint8_t to_byte() const {
    return static_cast<std::uint8_t>((high_priority() ? 0x80 : 0x00) | (confirmed() ? 0x40 : 0x00) |
                                     invoke_id_);
  }

  // The same class and priority with the id advanced modulo 16 (15 -> 0).
  [[nodiscard]] constexpr InvokeIdAndPriority next() const {
    InvokeIdAndPriority copy = *this;
    copy.invoke_id_ = static_cast<std::uint8_t>((invoke_id_ + 1) & kMaxInvokeId);
    return copy;
  }

  // "invoke id 1, confirmed, high priority (0xC1)".
  [[nodiscard]] std::string to_string() const;

  constexpr bool operator==(const InvokeIdAndPriority&) const = default;

 private:
  std::uint8_t invoke_id_ = 1;
  ServiceClass service_class_ = ServiceClass::confirmed;
  Priority priority_ = Priority::high;
};

void encode_invoke_id(ByteWriter& writer, InvokeIdAndPriority invoke);
Expected<InvokeIdAndPriority> decode_invoke_id(ByteReader& reader);

}  // namespace dlmsgw::xdlms
