#pragma once
// Drives an AssociationServer the way a client would, with the library's client-side codecs.

#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "dlms/acse/aare.hpp"
#include "dlms/acse/aarq.hpp"
#include "dlms/axdr/data_codec.hpp"
#include "dlms/security/lls_authentication_value.hpp"
#include "dlms/server/association_server.hpp"
#include "dlms/xdlms/apdu.hpp"
#include "dlms/xdlms/get_block_reassembler.hpp"

namespace dlmsgw::server::testing {

// 2026-03-01T12:00:00Z
inline constexpr std::int64_t kNow = 1772366400000;

inline Bytes lls_aarq(const std::string& password, std::uint32_t conformance = 0x007E1F,
                      std::uint16_t max_pdu = 1200) {
  acse::AarqParameters aarq;
  aarq.mechanism = acse::MechanismName::low;
  aarq.calling_authentication_value = security::lls_authentication_value(password);
  xdlms::InitiateRequest initiate;
  initiate.proposed_conformance = xdlms::Conformance(conformance);
  initiate.client_max_receive_pdu_size = max_pdu;
  aarq.user_information = initiate.encode();
  return *acse::encode_aarq(aarq);
}

inline Bytes public_aarq(std::uint32_t conformance = 0x007E1F, std::uint16_t max_pdu = 1200) {
  acse::AarqParameters aarq;
  xdlms::InitiateRequest initiate;
  initiate.proposed_conformance = xdlms::Conformance(conformance);
  initiate.client_max_receive_pdu_size = max_pdu;
  aarq.user_information = initiate.encode();
  return *acse::encode_aarq(aarq);
}

inline Bytes get_request(std::uint16_t class_id, const ObisCode& code, std::int8_t attribute,
                         std::optional<xdlms::SelectiveAccess> access = std::nullopt) {
  return xdlms::GetRequestNormal{{}, {class_id, code, attribute}, std::move(access)}.encode();
}

// Sends `apdu` and returns the answer (empty when none).
inline Bytes exchange(AssociationServer& server, std::uint16_t sap, ByteView apdu,
                      std::int64_t now = kNow) {
  auto answer = server.handle(apdu, sap, now);
  return answer ? *answer : Bytes{};
}

inline xdlms::Apdu decode(const Bytes& bytes) {
  auto apdu = xdlms::decode_apdu(bytes);
  EXPECT_TRUE(apdu) << (apdu ? "" : apdu.error().message);
  return apdu ? *apdu : xdlms::Apdu{xdlms::ExceptionResponse{}};
}

// GET one attribute, following block transfer to the end.
inline xdlms::GetDataResult get(AssociationServer& server, std::uint16_t sap,
                                std::uint16_t class_id, const ObisCode& code, std::int8_t attribute,
                                std::optional<xdlms::SelectiveAccess> access = std::nullopt,
                                std::int64_t now = kNow, int* blocks = nullptr) {
  Bytes answer = exchange(server, sap, get_request(class_id, code, attribute, access), now);
  xdlms::GetBlockReassembler reassembler;
  for (int i = 0; i < 10000; ++i) {
    auto apdu = decode(answer);
    if (auto* normal = std::get_if<xdlms::GetResponseNormal>(&apdu)) return normal->result;
    auto* block = std::get_if<xdlms::GetResponseWithDatablock>(&apdu);
    if (block == nullptr) {
      ADD_FAILURE() << "unexpected answer " << to_hex(answer);
      return xdlms::DataAccessResult::other_reason;
    }
    if (blocks) ++*blocks;
    auto step = reassembler.feed(*block);
    if (!step) {
      ADD_FAILURE() << step.error().message;
      return xdlms::DataAccessResult::other_reason;
    }
    if (auto* value = std::get_if<axdr::Data>(&*step)) return *value;
    answer = exchange(server, sap, std::get<xdlms::GetRequestNext>(*step).encode(), now);
  }
  return xdlms::DataAccessResult::other_reason;
}

inline axdr::Data value_of(const xdlms::GetDataResult& result) {
  const auto* data = std::get_if<axdr::Data>(&result);
  EXPECT_NE(data, nullptr) << xdlms::to_string(result);
  return data ? *data : axdr::Data{};
}

}  // namespace dlmsgw::server::testing
