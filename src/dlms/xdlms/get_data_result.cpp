#include "dlms/xdlms/get_data_result.hpp"

#include "dlms/axdr/axdr_length.hpp"
#include "dlms/axdr/data_codec.hpp"
#include "dlms/axdr/data_printer.hpp"
#include "dlms/xdlms/service_header.hpp"

namespace dlmsgw::xdlms {
namespace {

constexpr std::uint8_t kDataChoice = 0;
constexpr std::uint8_t kDataAccessResultChoice = 1;
// The choice byte and at least one byte of Data or Data-Access-Result.
constexpr std::size_t kMinGetDataResultSize = 2;

}  // namespace

void encode_get_data_results(ByteWriter& writer, const std::vector<GetDataResult>& results) {
  axdr::encode_length(writer, static_cast<std::uint32_t>(results.size()));
  for (const auto& result : results) encode_get_data_result(writer, result);
}

Expected<std::vector<GetDataResult>> decode_get_data_results(ByteReader& reader) {
  DLMSGW_TRY_ASSIGN(const std::uint32_t count,
                    read_element_count(reader, "result count", kMinGetDataResultSize));
  std::vector<GetDataResult> results;
  results.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    auto result = decode_get_data_result(reader);
    if (!result) return result.error().with_context("result " + std::to_string(i + 1));
    results.push_back(std::move(*result));
  }
  return results;
}

Expected<std::vector<GetDataResult>> decode_get_data_results(ByteView bytes) {
  ByteReader reader(bytes);
  DLMSGW_TRY_ASSIGN(auto results, decode_get_data_results(reader));
  DLMSGW_TRY(require_end(reader));
  return results;
}

void encode_get_data_result(ByteWriter& writer, const GetDataResult& result) {
  if (const auto* data = std::get_if<axdr::Data>(&result)) {
    writer.put_u8(kDataChoice);
    axdr::encode_data(writer, *data);
    return;
  }
  writer.put_u8(kDataAccessResultChoice);
  writer.put_u8(static_cast<std::uint8_t>(std::get<DataAccessResult>(result)));
}

Expected<GetDataResult> decode_get_data_result(ByteReader& reader) {
  DLMSGW_TRY_ASSIGN(const std::uint8_t choice, reader.read_u8("Get-Data-Result choice"));
  if (choice == kDataChoice) {
    auto data = axdr::decode_data(reader);
    if (!data) return data.error().with_context("data");
    return GetDataResult(std::move(*data));
  }
  if (choice == kDataAccessResultChoice) {
    DLMSGW_TRY_ASSIGN(const std::uint8_t value, reader.read_u8("data-access-result"));
    return GetDataResult(static_cast<DataAccessResult>(value));
  }
  return make_error(ErrorCode::malformed,
                    "Get-Data-Result choice " + std::to_string(choice) + ", expected 0 or 1");
}

std::string describe(DataAccessResult result) {
  std::string name = to_string(result);
  // Unknown values already carry their number: "unknown (7)".
  if (name.starts_with("unknown")) return name;
  return name + " (" + std::to_string(static_cast<int>(result)) + ")";
}

std::string to_string(const GetDataResult& result) {
  if (const auto* data = std::get_if<axdr::Data>(&result)) return axdr::to_string(*data);
  return "data-access-result " + describe(std::get<DataAccessResult>(result));
}

}  // namespace dlmsgw::xdlms
