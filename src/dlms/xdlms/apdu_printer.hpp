#pragma once
// Readable multi-line text for an Apdu, for `dlmsgw decode`, logs and test failures: the service,
// the invoke id, the descriptors ("class 3 1-1:32.7.0 attribute 2"), values as axdr::to_string
// prints them and result names with their numbers, e.g.
//
//   Get-Response-Normal
//     invoke id 5, confirmed, high priority (0xC5)
//     result: long-unsigned 13500

#include <string>

#include "dlms/xdlms/apdu.hpp"

namespace dlmsgw::xdlms {

std::string describe(const Apdu& apdu);

}  // namespace dlmsgw::xdlms
