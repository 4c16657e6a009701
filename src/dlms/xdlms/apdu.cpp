#include "dlms/xdlms/apdu.hpp"

#include <string>

#include "core/hex.hpp"
#include "dlms/security/ciphered_apdu_tag.hpp"

namespace dlmsgw::xdlms {
namespace {

std::string tag_text(std::uint8_t tag) {
  return std::string(apdu_tag_name(tag)) + " (" + to_hex_literal(tag) + ")";
}

Error unknown_choice(std::uint8_t tag, std::uint8_t choice) {
  return make_error(ErrorCode::malformed,
                    tag_text(tag) + ": unknown choice " + std::to_string(choice));
}

Error unsupported_form(std::uint8_t tag, std::uint8_t choice, std::string_view form) {
  return make_error(ErrorCode::unsupported, tag_text(tag) + " choice " + std::to_string(choice) +
                                                " (" + std::string(form) +
                                                ") is not supported here");
}

template <class T>
Expected<Apdu> as_apdu(Expected<T> decoded) {
  if (!decoded) return decoded.error();
  return Apdu(std::move(*decoded));
}

// Protected APDUs are the security module's: one tag table (security/ciphered_apdu_tag.cpp)
// decides, plus general-ciphering and general-signing, which suite 0 does not use.
bool is_protected(std::uint8_t tag) {
  return security::describe_ciphered_tag(tag).has_value() || tag == 0xDD || tag == 0xDF;
}

}  // namespace

std::string_view apdu_tag_name(std::uint8_t tag) {
  switch (tag) {
    case 0x01:
      return "initiate-request";
    case 0x05:
      return "read-request";
    case 0x06:
      return "write-request";
    case 0x08:
      return "initiate-response";
    case 0x0C:
      return "read-response";
    case 0x0D:
      return "write-response";
    case 0x0E:
      return "confirmed-service-error";
    case 0x0F:
      return "data-notification";
    case 0x21:
      return "glo-initiate-request";
    case 0x28:
      return "glo-initiate-response";
    case 0x2E:
      return "glo-confirmed-service-error";
    case 0x60:
      return "aarq";
    case 0x61:
      return "aare";
    case 0x62:
      return "rlrq";
    case 0x63:
      return "rlre";
    case 0xC0:
      return "get-request";
    case 0xC1:
      return "set-request";
    case 0xC2:
      return "event-notification-request";
    case 0xC3:
      return "action-request";
    case 0xC4:
      return "get-response";
    case 0xC5:
      return "set-response";
    case 0xC7:
      return "action-response";
    case 0xC8:
      return "glo-get-request";
    case 0xC9:
      return "glo-set-request";
    case 0xCA:
      return "glo-event-notification-request";
    case 0xCB:
      return "glo-action-request";
    case 0xCC:
      return "glo-get-response";
    case 0xCD:
      return "glo-set-response";
    case 0xCF:
      return "glo-action-response";
    case 0xD0:
      return "ded-get-request";
    case 0xD1:
      return "ded-set-request";
    case 0xD2:
      return "ded-event-notification-request";
    case 0xD3:
      return "ded-action-request";
    case 0xD4:
      return "ded-get-response";
    case 0xD5:
      return "ded-set-response";
    case 0xD7:
      return "ded-action-response";
    case 0xD8:
      return "exception-response";
    case 0xD9:
      return "access-request";
    case 0xDA:
      return "access-response";
    case 0xDB:
      return "general-glo-ciphering";
    case 0xDC:
      return "general-ded-ciphering";
    case 0xDD:
      return "general-ciphering";
    case 0xDF:
      return "general-signing";
    case 0xE0:
      return "general-block-transfer";
    default:
      return "unknown";
  }
}

Expected<Apdu> decode_apdu(ByteView bytes) {
  if (bytes.empty()) return make_error(ErrorCode::truncated, "APDU: no bytes");
  const std::uint8_t tag = bytes[0];
  switch (tag) {
    case kExceptionResponseTag:
      return as_apdu(ExceptionResponse::decode(bytes));
    case kConfirmedServiceErrorTag:
      return as_apdu(ConfirmedServiceError::decode(bytes));
    case kGetRequestTag:
    case kGetResponseTag:
    case kSetRequestTag:
    case kSetResponseTag:
    case kActionRequestTag:
    case kActionResponseTag:
      break;
    default:
      if (tag >= 0x60 && tag <= 0x63) {
        return make_error(ErrorCode::unsupported,
                          tag_text(tag) + " is an ACSE APDU: the acse module decodes it");
      }
      if (is_protected(tag)) {
        return make_error(ErrorCode::unsupported,
                          tag_text(tag) + " is ciphered: decipher it first (security module)");
      }
      return make_error(ErrorCode::unsupported,
                        "APDU tag " + tag_text(tag) + " is not an xDLMS service APDU read here");
  }
  if (bytes.size() < 2) {
    return make_error(ErrorCode::truncated, tag_text(tag) + ": no choice byte");
  }
  const std::uint8_t choice = bytes[1];
  switch (tag) {
    case kGetRequestTag:
      if (choice == GetRequestNormal::kChoice) return as_apdu(GetRequestNormal::decode(bytes));
      if (choice == GetRequestNext::kChoice) return as_apdu(GetRequestNext::decode(bytes));
      if (choice == GetRequestWithList::kChoice) return as_apdu(GetRequestWithList::decode(bytes));
      break;
    case kGetResponseTag:
      if (choice == GetResponseNormal::kChoice) return as_apdu(GetResponseNormal::decode(bytes));
      if (choice == GetResponseWithDatablock::kChoice) {
        return as_apdu(GetResponseWithDatablock::decode(bytes));
      }
      if (choice == GetResponseWithList::kChoice) {
        return as_apdu(GetResponseWithList::decode(bytes));
      }
      break;
    case kSetRequestTag:
      if (choice == SetRequestNormal::kChoice) return as_apdu(SetRequestNormal::decode(bytes));
      if (choice == SetRequestWithFirstDatablock::kChoice) {
        return as_apdu(SetRequestWithFirstDatablock::decode(bytes));
      }
      if (choice == SetRequestWithDatablock::kChoice) {
        return as_apdu(SetRequestWithDatablock::decode(bytes));
      }
      if (choice == SetRequestWithList::kChoice) return as_apdu(SetRequestWithList::decode(bytes));
      if (choice == 5) return unsupported_form(tag, choice, "list and first datablock");
      break;
    case kSetResponseTag:
      if (choice == SetResponseNormal::kChoice) return as_apdu(SetResponseNormal::decode(bytes));
      if (choice == SetResponseWithList::kChoice) {
        return as_apdu(SetResponseWithList::decode(bytes));
      }
      if (choice == SetResponseDatablock::kChoice) {
        return as_apdu(SetResponseDatablock::decode(bytes));
      }
      if (choice == SetResponseLastDatablock::kChoice) {
        return as_apdu(SetResponseLastDatablock::decode(bytes));
      }
      if (choice == 4) return unsupported_form(tag, choice, "last datablock with list");
      break;
    case kActionRequestTag:
      if (choice == ActionRequestNormal::kChoice) {
        return as_apdu(ActionRequestNormal::decode(bytes));
      }
      if (choice == ActionRequestWithFirstPblock::kChoice) {
        return as_apdu(ActionRequestWithFirstPblock::decode(bytes));
      }
      if (choice == ActionRequestWithPblock::kChoice) {
        return as_apdu(ActionRequestWithPblock::decode(bytes));
      }
      if (choice == 2 || choice == 3 || choice == 5) {
        return unsupported_form(tag, choice, "list or next block");
      }
      break;
    case kActionResponseTag:
      if (choice == ActionResponseNormal::kChoice) {
        return as_apdu(ActionResponseNormal::decode(bytes));
      }
      if (choice == ActionResponseNextPblock::kChoice) {
        return as_apdu(ActionResponseNextPblock::decode(bytes));
      }
      if (choice == 2 || choice == 3) return unsupported_form(tag, choice, "list or block");
      break;
    default:
      break;
  }
  return unknown_choice(tag, choice);
}

Bytes encode_apdu(const Apdu& apdu) {
  return std::visit([](const auto& alternative) { return alternative.encode(); }, apdu);
}

}  // namespace dlmsgw::xdlms
