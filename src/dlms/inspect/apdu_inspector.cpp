#include "dlms/inspect/apdu_inspector.hpp"

#include "core/hex.hpp"
#include "dlms/acse/aare.hpp"
#include "dlms/acse/aarq.hpp"
#include "dlms/acse/release_request.hpp"
#include "dlms/acse/release_response.hpp"
#include "dlms/security/ciphered_apdu.hpp"
#include "dlms/security/security_control.hpp"
#include "dlms/xdlms/apdu.hpp"
#include "dlms/xdlms/apdu_printer.hpp"
#include "dlms/xdlms/confirmed_service_error.hpp"
#include "dlms/xdlms/initiate.hpp"

namespace dlmsgw::inspect {
namespace {

// Octets as hex, with the text beside them when they are printable (LLS passwords, system titles
// of the form "MMM" + serial).
std::string octets(ByteView bytes) {
  std::string text = to_hex(bytes);
  bool printable = !bytes.empty();
  for (const auto byte : bytes) printable = printable && byte >= 0x20 && byte <= 0x7E;
  if (printable) text += " \"" + std::string(bytes.begin(), bytes.end()) + "\"";
  return text;
}

Inspection error_node(const Error& error) {
  return Inspection{"error", error.message, {}};
}

Inspection inspect_initiate_request(ByteView bytes) {
  auto request = xdlms::InitiateRequest::decode(bytes);
  if (!request) return error_node(request.error().with_context("InitiateRequest"));
  Inspection node{"InitiateRequest", "", {}};
  if (request->dedicated_key) node.add("dedicated-key", to_hex(*request->dedicated_key));
  node.add("dlms-version", std::to_string(request->proposed_dlms_version));
  node.add("proposed-conformance", request->proposed_conformance.to_string());
  node.add("client-max-receive-pdu-size", std::to_string(request->client_max_receive_pdu_size));
  return node;
}

Inspection inspect_initiate_response(const xdlms::InitiateResponse& response) {
  Inspection node{"InitiateResponse", "", {}};
  node.add("dlms-version", std::to_string(response.negotiated_dlms_version));
  node.add("negotiated-conformance", response.negotiated_conformance.to_string());
  node.add("server-max-receive-pdu-size", std::to_string(response.server_max_receive_pdu_size));
  node.add("vaa-name", "0x" + to_hex(Bytes{static_cast<std::uint8_t>(response.vaa_name >> 8),
                                           static_cast<std::uint8_t>(response.vaa_name)},
                                     '\0'));
  return node;
}

Inspection inspect_ciphered(ByteView apdu) {
  Inspection node{"ciphered APDU", "", {}};
  auto header = security::read_ciphered_header(apdu);
  if (!header) {
    node.children.push_back(error_node(header.error()));
    return node;
  }
  const security::CipheredTagInfo& info = header->tag_info;
  node.add("tag", to_hex_literal(header->tag) + " (" +
                      (info.key_set == security::KeySet::global ? "global" : "dedicated") + " key" +
                      (info.general ? ", general ciphering" : "") + ")");
  if (header->system_title) node.add("system-title", octets(header->system_title->bytes()));
  const security::SecurityControl control = header->security_control;
  const std::string protection = control.authenticated() && control.encrypted()
                                     ? "authenticated, encrypted"
                                 : control.authenticated() ? "authenticated"
                                 : control.encrypted()     ? "encrypted"
                                                           : "none";
  node.add("security-control", to_hex_literal(control.byte()) + " (" + protection + ")");
  node.add("invocation-counter", std::to_string(header->invocation_counter.value()));
  node.add("content", std::to_string(header->payload.size()) + " ciphered byte(s)");
  return node;
}

Inspection inspect_user_information(ByteView bytes) {
  if (bytes.empty()) return Inspection{"user-information", "empty", {}};
  if (bytes[0] == xdlms::kInitiateRequestTag) return inspect_initiate_request(bytes);
  if (security::describe_ciphered_tag(bytes[0])) return inspect_ciphered(bytes);
  return Inspection{"user-information", octets(bytes), {}};
}

Inspection inspect_aarq(ByteView apdu) {
  auto aarq = acse::decode_aarq(apdu);
  if (!aarq) return error_node(aarq.error());
  Inspection node{"AARQ", "association request", {}};
  node.add("application-context", std::string(acse::to_string(aarq->application_context)));
  if (aarq->calling_ap_title) node.add("calling-AP-title", octets(*aarq->calling_ap_title));
  if (aarq->mechanism) node.add("mechanism", std::string(acse::to_string(*aarq->mechanism)));
  if (aarq->calling_authentication_value) {
    node.add("calling-authentication-value", octets(*aarq->calling_authentication_value));
  }
  if (aarq->user_information)
    node.children.push_back(inspect_user_information(*aarq->user_information));
  return node;
}

Inspection inspect_aare(ByteView apdu) {
  auto aare = acse::decode_aare(apdu);
  if (!aare) return error_node(aare.error());
  Inspection node{"AARE", acse::describe(*aare), {}};
  node.add("application-context", std::string(acse::to_string(aare->application_context)));
  node.add("result", std::string(acse::to_string(aare->result)));
  node.add("diagnostic", aare->diagnostic.name());
  if (aare->responding_ap_title)
    node.add("responding-AP-title", octets(*aare->responding_ap_title));
  if (aare->mechanism) node.add("mechanism", std::string(acse::to_string(*aare->mechanism)));
  if (aare->responding_authentication_value) {
    node.add("responding-authentication-value", octets(*aare->responding_authentication_value));
  }
  if (const auto* response = aare->initiate_response()) {
    node.children.push_back(inspect_initiate_response(*response));
  } else if (const auto* refusal = aare->confirmed_service_error()) {
    node.add("ConfirmedServiceError", refusal->to_string());
  } else if (const auto* ciphered =
                 std::get_if<acse::CipheredUserInformation>(&aare->user_information)) {
    node.children.push_back(inspect_ciphered(ciphered->apdu));
  }
  return node;
}

Inspection inspect_release(ByteView apdu) {
  if (apdu[0] == acse::kRlrqTag) {
    auto rlrq = acse::decode_rlrq(apdu);
    if (!rlrq) return error_node(rlrq.error());
    Inspection node{"RLRQ", "release request", {}};
    if (rlrq->reason) node.add("reason", std::string(acse::to_string(*rlrq->reason)));
    if (rlrq->user_information)
      node.children.push_back(inspect_user_information(*rlrq->user_information));
    return node;
  }
  // Some meters send a malformed RLRE; show what could be read and the defect.
  const acse::LenientRlre rlre = acse::decode_rlre_leniently(apdu);
  Inspection node{"RLRE", "release response", {}};
  if (rlre.parameters.reason)
    node.add("reason", std::string(acse::to_string(*rlre.parameters.reason)));
  if (rlre.defect) node.children.push_back(error_node(*rlre.defect));
  return node;
}

}  // namespace

Inspection inspect_apdu(ByteView apdu) {
  if (apdu.empty()) return error_node(make_error(ErrorCode::truncated, "empty APDU"));
  switch (apdu[0]) {
    case acse::kAarqTag:
      return inspect_aarq(apdu);
    case acse::kAareTag:
      return inspect_aare(apdu);
    case acse::kRlrqTag:
    case acse::kRlreTag:
      return inspect_release(apdu);
    case xdlms::kInitiateRequestTag:
      return inspect_initiate_request(apdu);
    case xdlms::kInitiateResponseTag: {
      auto response = xdlms::InitiateResponse::decode(apdu);
      if (!response) return error_node(response.error().with_context("InitiateResponse"));
      return inspect_initiate_response(*response);
    }
    default:
      break;
  }
  if (security::describe_ciphered_tag(apdu[0])) return inspect_ciphered(apdu);
  auto decoded = xdlms::decode_apdu(apdu);
  if (!decoded) return error_node(decoded.error());
  return Inspection{std::string(xdlms::apdu_tag_name(apdu[0])), xdlms::describe(*decoded), {}};
}

}  // namespace dlmsgw::inspect
