#pragma once
// Get-Data-Result (Green Book): the value read, or why it could not be read.
//
//   Get-Data-Result ::= CHOICE { data [0] Data, data-access-result [1] Data-Access-Result }
//
// It answers each attribute of a GET and carries the return parameters of an ACTION.

#include <string>
#include <variant>

#include "core/byte_reader.hpp"
#include "core/byte_writer.hpp"
#include "core/expected.hpp"
#include "dlms/axdr/data.hpp"
#include "dlms/xdlms/data_access_result.hpp"

namespace dlmsgw::xdlms {

using GetDataResult = std::variant<axdr::Data, DataAccessResult>;

void encode_get_data_result(ByteWriter& writer, const GetDataResult& result);
Expected<GetDataResult> decode_get_data_result(ByteReader& reader);
// "long-unsigned 13500" or "data-access-result object-undefined (4)".
std::string to_string(const GetDataResult& result);
// "object-undefined (4)".
std::string describe(DataAccessResult result);

}  // namespace dlmsgw::xdlms
