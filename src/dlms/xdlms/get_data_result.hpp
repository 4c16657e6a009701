#pragma once
// Get-Data-Result (Green Book): the value read, or why it could not be read.
//
//   Get-Data-Result ::= CHOICE { data [0] Data, data-access-result [1] Data-Access-Result }
//
// It answers each attribute of a GET and carries the return parameters of an ACTION.

#include <string>
#include <variant>
#include <vector>

#include "core/byte_reader.hpp"
#include "core/byte_writer.hpp"
#include "core/expected.hpp"
#include "dlms/axdr/data.hpp"
#include "dlms/xdlms/data_access_result.hpp"

namespace dlmsgw::xdlms {

using GetDataResult = std::variant<axdr::Data, DataAccessResult>;

void encode_get_data_result(ByteWriter& writer, const GetDataResult& result);
Expected<GetDataResult> decode_get_data_result(ByteReader& reader);
// SEQUENCE OF Get-Data-Result: the body of Get-Response-With-List, and the raw data of a
// with-list answer sent in blocks. Decoding needs the whole of `bytes` to be the sequence.
void encode_get_data_results(ByteWriter& writer, const std::vector<GetDataResult>& results);
Expected<std::vector<GetDataResult>> decode_get_data_results(ByteReader& reader);
Expected<std::vector<GetDataResult>> decode_get_data_results(ByteView bytes);
// "long-unsigned 13500" or "data-access-result object-undefined (4)".
std::string to_string(const GetDataResult& result);
// "object-undefined (4)".
std::string describe(DataAccessResult result);

}  // namespace dlmsgw::xdlms
