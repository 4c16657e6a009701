#include "dlms/axdr/data_codec.hpp"

#include <algorithm>
#include <bit>
#include <string>

#include "dlms/axdr/axdr_length.hpp"

namespace dlmsgw::axdr {
namespace {

void encode_unsigned(ByteWriter& writer, std::uint64_t value, int size) {
  for (int shift = 8 * (size - 1); shift >= 0; shift -= 8) {
    writer.put_u8(static_cast<std::uint8_t>(value >> shift));
  }
}

std::uint64_t integer_bits(const Data& data) {
  if (const auto* value = data.as_signed()) return static_cast<std::uint64_t>(*value);
  if (const auto* value = data.as_unsigned()) return *value;
  return 0;
}

void encode_list(ByteWriter& writer, const Data& data) {
  const auto& elements = *data.as_list();
  encode_length(writer, static_cast<std::uint32_t>(elements.size()));
  for (const auto& element : elements) encode_data(writer, element);
}

Error at(const ByteReader& reader, ErrorCode code, const std::string& message) {
  return make_error(code, message + " at offset " + std::to_string(reader.position()));
}

// Reads the raw bytes of a compact-array type description (Blue Book 4.1.5: TypeDescription).
Expected<void> skip_type_description(ByteReader& reader, std::uint32_t depth,
                                     const DecodeLimits& limits) {
  if (depth > limits.max_depth) {
    return at(reader, ErrorCode::too_deep, "compact-array type description nested too deep");
  }
  DLMSGW_TRY_ASSIGN(const std::uint8_t tag, reader.read_u8("compact-array type description"));
  const auto type = data_type_from_tag(tag);
  if (!type || *type == DataType::compact_array) {
    return at(reader, ErrorCode::malformed,
              "compact-array type description: tag " + std::to_string(tag) + " is not allowed");
  }
  if (*type == DataType::array) {
    DLMSGW_TRY(reader.read_u16_be("compact-array array length"));
    return skip_type_description(reader, depth + 1, limits);
  }
  if (*type == DataType::structure) {
    DLMSGW_TRY_ASSIGN(const std::uint32_t count,
                      decode_length(reader, "compact-array structure size"));
    if (count > reader.remaining()) {
      return at(reader, ErrorCode::truncated,
                "compact-array structure of " + std::to_string(count) + " types");
    }
    for (std::uint32_t i = 0; i < count; ++i)
      DLMSGW_TRY(skip_type_description(reader, depth + 1, limits));
  }
  return {};
}

// What one decode has used so far, checked against its limits.
struct DecodeState {
  const DecodeLimits& limits;
  std::uint32_t values = 0;
};

Expected<Data> decode_at_depth(ByteReader& reader, std::uint32_t depth, DecodeState& state);

Expected<DataList> decode_elements(ByteReader& reader, DataType type, std::uint32_t depth,
                                   DecodeState& state) {
  const DecodeLimits& limits = state.limits;
  if (depth >= limits.max_depth) {
    return at(
        reader, ErrorCode::too_deep,
        std::string(to_string(type)) + " nested deeper than " + std::to_string(limits.max_depth));
  }
  DLMSGW_TRY_ASSIGN(const std::uint32_t count,
                    decode_length(reader, std::string(to_string(type)) + " size"));
  // Every element takes at least one byte: a count beyond the bytes left is a lie, and refusing it
  // here keeps a forged count from allocating gigabytes.
  if (count > reader.remaining()) {
    return at(reader, ErrorCode::truncated,
              std::string(to_string(type)) + " of " + std::to_string(count) +
                  " elements with only " + std::to_string(reader.remaining()) + " bytes left");
  }
  DataList elements;
  // Grow as elements arrive: reserving a claimed count up front would let nested claims multiply.
  elements.reserve(std::min<std::uint32_t>(count, 64));
  for (std::uint32_t i = 0; i < count; ++i) {
    auto element = decode_at_depth(reader, depth + 1, state);
    if (!element) {
      return element.error().with_context(std::string(to_string(type)) + " element " +
                                          std::to_string(i));
    }
    elements.push_back(std::move(*element));
  }
  return elements;
}

Expected<std::uint64_t> read_fixed(ByteReader& reader, DataType type) {
  const int size = fixed_size(type);
  DLMSGW_TRY_ASSIGN(const ByteView bytes,
                    reader.read_bytes(static_cast<std::size_t>(size), to_string(type)));
  std::uint64_t value = 0;
  for (const auto byte : bytes) value = (value << 8) | byte;
  return value;
}

std::int64_t sign_extend(std::uint64_t value, int size) {
  const int unused_bits = 64 - 8 * size;
  return static_cast<std::int64_t>(value << unused_bits) >> unused_bits;
}

Expected<Data> decode_at_depth(ByteReader& reader, std::uint32_t depth, DecodeState& state) {
  const DecodeLimits& limits = state.limits;
  if (++state.values > limits.max_values) {
    return at(reader, ErrorCode::out_of_range,
              "more than " + std::to_string(limits.max_values) + " values in one data item");
  }
  DLMSGW_TRY_ASSIGN(const std::uint8_t tag, reader.read_u8("data type tag"));
  const auto type = data_type_from_tag(tag);
  if (!type)
    return at(reader, ErrorCode::malformed, "unknown data type tag " + std::to_string(tag));
  switch (*type) {
    case DataType::null_data:
      return Data::null();
    case DataType::dont_care:
      return Data::dont_care();
    case DataType::boolean: {
      DLMSGW_TRY_ASSIGN(const std::uint8_t value, reader.read_u8("boolean"));
      return Data::boolean(value != 0);
    }
    case DataType::integer:
    case DataType::long_integer:
    case DataType::double_long:
    case DataType::long64: {
      DLMSGW_TRY_ASSIGN(const std::uint64_t raw, read_fixed(reader, *type));
      const std::int64_t value = sign_extend(raw, fixed_size(*type));
      switch (*type) {
        case DataType::integer:
          return Data::integer(static_cast<std::int8_t>(value));
        case DataType::long_integer:
          return Data::long_integer(static_cast<std::int16_t>(value));
        case DataType::double_long:
          return Data::double_long(static_cast<std::int32_t>(value));
        default:
          return Data::long64(value);
      }
    }
    case DataType::unsigned_integer:
    case DataType::long_unsigned:
    case DataType::double_long_unsigned:
    case DataType::long64_unsigned:
    case DataType::enumerated:
    case DataType::bcd: {
      DLMSGW_TRY_ASSIGN(const std::uint64_t raw, read_fixed(reader, *type));
      switch (*type) {
        case DataType::unsigned_integer:
          return Data::unsigned_integer(static_cast<std::uint8_t>(raw));
        case DataType::long_unsigned:
          return Data::long_unsigned(static_cast<std::uint16_t>(raw));
        case DataType::double_long_unsigned:
          return Data::double_long_unsigned(static_cast<std::uint32_t>(raw));
        case DataType::enumerated:
          return Data::enumerated(static_cast<std::uint8_t>(raw));
        case DataType::bcd:
          return Data::bcd(static_cast<std::uint8_t>(raw));
        default:
          return Data::long64_unsigned(raw);
      }
    }
    case DataType::float32: {
      DLMSGW_TRY_ASSIGN(const std::uint64_t raw, read_fixed(reader, *type));
      return Data::float32(std::bit_cast<float>(static_cast<std::uint32_t>(raw)));
    }
    case DataType::float64: {
      DLMSGW_TRY_ASSIGN(const std::uint64_t raw, read_fixed(reader, *type));
      return Data::float64(std::bit_cast<double>(raw));
    }
    case DataType::octet_string:
    case DataType::visible_string:
    case DataType::utf8_string: {
      DLMSGW_TRY_ASSIGN(const std::uint32_t length,
                        decode_length(reader, std::string(to_string(*type)) + " length"));
      DLMSGW_TRY_ASSIGN(const ByteView bytes, reader.read_bytes(length, to_string(*type)));
      if (*type == DataType::octet_string)
        return Data::octet_string(Bytes(bytes.begin(), bytes.end()));
      std::string text(bytes.begin(), bytes.end());
      return *type == DataType::visible_string ? Data::visible_string(std::move(text))
                                               : Data::utf8_string(std::move(text));
    }
    case DataType::bit_string: {
      DLMSGW_TRY_ASSIGN(const std::uint32_t bit_count, decode_length(reader, "bit-string length"));
      const std::size_t byte_count = (static_cast<std::size_t>(bit_count) + 7) / 8;
      DLMSGW_TRY_ASSIGN(const ByteView bytes, reader.read_bytes(byte_count, "bit-string"));
      return Data::bit_string(BitString{Bytes(bytes.begin(), bytes.end()), bit_count});
    }
    case DataType::array:
    case DataType::structure: {
      DLMSGW_TRY_ASSIGN(DataList elements, decode_elements(reader, *type, depth, state));
      return *type == DataType::array ? Data::array(std::move(elements))
                                      : Data::structure(std::move(elements));
    }
    case DataType::compact_array: {
      const std::size_t start = reader.position();
      const ByteView all = reader.rest();
      DLMSGW_TRY(skip_type_description(reader, depth + 1, limits));
      const std::size_t description_size = reader.position() - start;
      DLMSGW_TRY_ASSIGN(const std::uint32_t length,
                        decode_length(reader, "compact-array contents length"));
      DLMSGW_TRY_ASSIGN(const ByteView contents,
                        reader.read_bytes(length, "compact-array contents"));
      const ByteView description = all.subspan(0, description_size);
      return Data::compact_array(CompactArray{Bytes(description.begin(), description.end()),
                                              Bytes(contents.begin(), contents.end())});
    }
    case DataType::date_time: {
      DLMSGW_TRY_ASSIGN(const ByteView bytes,
                        reader.read_bytes(cosem::DateTime::kEncodedSize, "date-time"));
      DLMSGW_TRY_ASSIGN(const cosem::DateTime value, cosem::DateTime::decode(bytes));
      return Data::date_time(value);
    }
    case DataType::date: {
      DLMSGW_TRY_ASSIGN(const ByteView bytes, reader.read_bytes(cosem::Date::kEncodedSize, "date"));
      DLMSGW_TRY_ASSIGN(const cosem::Date value, cosem::Date::decode(bytes));
      return Data::date(value);
    }
    case DataType::time: {
      DLMSGW_TRY_ASSIGN(const ByteView bytes, reader.read_bytes(cosem::Time::kEncodedSize, "time"));
      DLMSGW_TRY_ASSIGN(const cosem::Time value, cosem::Time::decode(bytes));
      return Data::time(value);
    }
  }
  return at(reader, ErrorCode::malformed, "unhandled data type tag " + std::to_string(tag));
}

}  // namespace

void encode_data(ByteWriter& writer, const Data& data) {
  const DataType type = data.type();
  writer.put_u8(static_cast<std::uint8_t>(type));
  switch (type) {
    case DataType::null_data:
    case DataType::dont_care:
      return;
    case DataType::boolean:
      writer.put_u8(*data.as_bool() ? 0xFF : 0x00);
      return;
    case DataType::integer:
    case DataType::long_integer:
    case DataType::double_long:
    case DataType::long64:
    case DataType::unsigned_integer:
    case DataType::long_unsigned:
    case DataType::double_long_unsigned:
    case DataType::long64_unsigned:
    case DataType::enumerated:
    case DataType::bcd:
      encode_unsigned(writer, integer_bits(data), fixed_size(type));
      return;
    case DataType::float32:
      writer.put_u32_be(std::bit_cast<std::uint32_t>(static_cast<float>(*data.as_float())));
      return;
    case DataType::float64:
      writer.put_u64_be(std::bit_cast<std::uint64_t>(*data.as_float()));
      return;
    case DataType::octet_string:
      encode_length(writer, static_cast<std::uint32_t>(data.as_bytes()->size()));
      writer.put_bytes(*data.as_bytes());
      return;
    case DataType::visible_string:
    case DataType::utf8_string: {
      const std::string& text = *data.as_text();
      encode_length(writer, static_cast<std::uint32_t>(text.size()));
      writer.put_bytes(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
      return;
    }
    case DataType::bit_string:
      encode_length(writer, data.as_bit_string()->bit_count);
      writer.put_bytes(data.as_bit_string()->bits);
      return;
    case DataType::array:
    case DataType::structure:
      encode_list(writer, data);
      return;
    case DataType::compact_array:
      writer.put_bytes(data.as_compact_array()->type_description);
      encode_length(writer, static_cast<std::uint32_t>(data.as_compact_array()->contents.size()));
      writer.put_bytes(data.as_compact_array()->contents);
      return;
    case DataType::date_time:
      writer.put_bytes(data.as_date_time()->encode());
      return;
    case DataType::date:
      writer.put_bytes(data.as_date()->encode());
      return;
    case DataType::time:
      writer.put_bytes(data.as_time()->encode());
      return;
  }
}

Bytes encode_data(const Data& data) {
  ByteWriter writer;
  encode_data(writer, data);
  return writer.take();
}

Expected<Data> decode_data(ByteReader& reader, const DecodeLimits& limits) {
  DecodeState state{limits};
  return decode_at_depth(reader, 0, state);
}

Expected<Data> decode_single_data(ByteView bytes, const DecodeLimits& limits) {
  ByteReader reader(bytes);
  DLMSGW_TRY_ASSIGN(Data data, decode_data(reader, limits));
  if (!reader.empty()) {
    return make_error(ErrorCode::malformed, std::to_string(reader.remaining()) +
                                                " unexpected byte(s) after the data at offset " +
                                                std::to_string(reader.position()));
  }
  return data;
}

}  // namespace dlmsgw::axdr
