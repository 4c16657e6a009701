#pragma once
// Public HDLC frames used as known-answer vectors by several test files. Each says where it is
// from.

#include <string_view>

namespace dlmsgw::hdlc::vectors {

// Gurux (gurux.dlms documentation and test suites, e.g. gxdlms-go Test_Hex): the classic SNRM from
// public client 16 (0x21) to a one-byte server address 1 (0x03), no information field.
inline constexpr std::string_view kGuruxSnrm = "7E A0 07 03 21 93 0F 01 7E";

// dlms-cosem (u9n/dlms-cosem) tests/test_hdlc/test_hdlc.py, TestSnrmFrame: SNRM from client 16 to
// server logical 1 / physical 17 (two-byte address 02 23).
inline constexpr std::string_view kCosemSnrm = "7E A0 08 02 23 21 93 BD 64 7E";

// dlms-cosem TestUAFrame: the UA answering it, parameters with one-byte max info lengths (0x9A =
// 154) and four-byte window sizes (1).
inline constexpr std::string_view kCosemUa =
    "7E A0 1F 21 02 23 73 E6 C7 81 80 12 05 01 9A 06 01 9A 07 04 00 00 00 01 08 04 00 00 00 01 CC "
    "A2 7E";

// dlms-cosem TestInformationFrame: AARQ (LN, no security) in I frame N(S)=0 N(R)=0, LLC E6 E6 00.
inline constexpr std::string_view kCosemAarq =
    "7E A0 2C 02 23 21 10 AF 9F E6 E6 00 60 1D A1 09 06 07 60 85 74 05 08 01 01 BE 10 04 0E 01 00 "
    "00 00 06 5F 1F 04 00 00 1E 1D FF FF C5 E4 7E";

// dlms-cosem TestInformationResponseFrame: the AARE in I frame N(S)=0 N(R)=1, LLC E6 E7 00.
inline constexpr std::string_view kCosemAare =
    "7E A0 38 21 02 23 30 34 E7 E6 E7 00 61 29 A1 09 06 07 60 85 74 05 08 01 01 A2 03 02 01 00 A3 "
    "05 A1 03 02 01 00 BE 10 04 0E 08 00 06 5F 1F 04 00 00 1E 1D 04 C8 00 07 B8 6A 7E";

// dlms-cosem TestHdlcAddress.test_find_address: one segment (S bit set, format A8 7E) of a long
// response from server 1 (one byte, 0x03) to client 16, I frame N(S)=3 N(R)=4. Its length byte is
// itself 0x7E.
inline constexpr std::string_view kCosemSegment =
    "7e a8 7e 21 03 96 a4 09 0f 01 16 00 02 02 0f 02 16 00 02 02 0f 03 16 00 02 02 0f 04 16 00 02 "
    "02 0f 05 16 00 02 02 0f 06 16 00 02 04 12 00 17 11 00 09 06 00 00 16 00 00 ff 02 02 01 09 02 "
    "03 0f 01 16 01 00 02 03 0f 02 16 01 00 02 03 0f 03 16 01 00 02 03 0f 04 16 01 00 02 03 0f 05 "
    "16 01 00 02 03 0f 06 16 01 00 02 03 0f 07 16 01 00 02 03 0f 08 16 01 00 02 03 0f 09 16 01 00 "
    "01 6f f3 7e";

// A meter session's debug log (2019-02-10, "[hdlc] tx/rx" lines) published on GitHub as test input
// of a smallz4 compression example. Server one-byte address 0x03, client SAP 48 (0x61) and 16
// (0x21). These are a real meter's bytes.
// SNRM proposing parameters with two-byte lengths (128) and four-byte windows (1).
inline constexpr std::string_view kTraceSnrm =
    "7e a0 20 03 61 93 1b 9f 81 80 14 05 02 00 80 06 02 00 80 07 04 00 00 00 01 08 04 00 00 00 01 "
    "ce 6a 7e";
// The meter's UA: ONE-byte max info lengths (0x80) and four-byte windows, as the user's meter does.
inline constexpr std::string_view kTraceUa =
    "7e a0 1e 61 03 73 b5 7c 81 80 12 05 01 80 06 01 80 07 04 00 00 00 01 08 04 00 00 00 01 53 3b "
    "7e";
// DISC from client 16.
inline constexpr std::string_view kTraceDisc = "7e a0 07 03 21 53 03 c7 7e";
// GET request (I N(S)=1 N(R)=1 P) and its response (I N(S)=1 N(R)=2 F).
inline constexpr std::string_view kTraceGetRequest =
    "7e a0 19 03 21 32 6f d8 e6 e6 00 c0 01 81 00 01 00 00 2b 01 03 ff 02 00 b5 67 7e";
inline constexpr std::string_view kTraceGetResponse =
    "7e a0 15 21 03 52 5d 8a e6 e7 00 c4 01 81 00 06 00 3c e4 88 cf 7a 7e";

}  // namespace dlmsgw::hdlc::vectors

namespace dlmsgw::hdlc::vectors {

// The same trace, a whole HLS session of client 48 (0x61) with server 0x03, after the UA above:
// AARQ in I N(S)=0 N(R)=0 P, AARE in I N(S)=0 N(R)=1 F, then a ciphered ACTION request in
// I N(S)=1 N(R)=1 P (N(R) = last received N(S) + 1) and its response I N(S)=1 N(R)=2 F.
inline constexpr std::string_view kTraceAarqApdu =
    "606ea109060760857405080103a60a04 084c54434c49454e548a0207808b0760"
    "857405080202ac128010306545374563 63633938356635344342be3404322130"
    "30003ce83bbbf09a779d1a0bb2321b56 8112bd077230d19b46d21d43c1c61289"
    "3f62f25cd6c7e27d9e88336f048006dd";
inline constexpr std::string_view kTraceAarqFrame =
    "7ea07c036110aa6be6e600 606ea109060760857405080103a60a04 084c54434c49454e548a0207808b0760"
    "857405080202ac128010306545374563 63633938356635344342be3404322130"
    "30003ce83bbbf09a779d1a0bb2321b56 8112bd077230d19b46d21d43c1c61289"
    "3f62f25cd6c7e27d9e88336f048006dd 3e06 7e";
inline constexpr std::string_view kTraceAareFrame =
    "7ea077610330ad6ce6e7006169a10906 0760857405080103a203020100a305a1"
    "0302010ea40a04084c4e543031313830 88020780890760857405080202aa1280"
    "106162636465666768696a6b6c6d6e6f 70be230421281f30000094338ee4f259"
    "04c8f470d8f333b73efc7a0dda3417d0 712a7c8ccfc7cdbb7e";
inline constexpr std::string_view kTraceActionApdu =
    "cb3030003ce83cceaeb5f37a0e1737b3 02d201c7b3bec70058594b943fee5014"
    "894eddecd9ccce0ae09a05ae979b5f31 12be";
inline constexpr std::string_view kTraceActionFrame =
    "7ea03e0361327b46e6e600 cb3030003ce83cceaeb5f37a0e1737b3 02d201c7b3bec70058594b943fee5014"
    "894eddecd9ccce0ae09a05ae979b5f31 12be 284d 7e";
inline constexpr std::string_view kTraceActionResponseFrame =
    "7ea0376103520e3ae6e700cf29300000 9434d33c4a83adea4a82889056a14865"
    "c67759630b91a60e2768d0a41718c05b 63dc8082efd3a9d27e";

}  // namespace dlmsgw::hdlc::vectors
