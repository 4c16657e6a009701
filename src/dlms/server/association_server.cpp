#include "dlms/server/association_server.hpp"

#include <algorithm>

#include "dlms/acse/aare.hpp"
#include "dlms/acse/aarq.hpp"
#include "dlms/acse/release_request.hpp"
#include "dlms/acse/release_response.hpp"
#include "dlms/axdr/data_codec.hpp"
#include "dlms/security/ciphered_apdu_tag.hpp"
#include "dlms/security/hls_gmac.hpp"
#include "dlms/security/invocation_counter_guard.hpp"
#include "dlms/server/association_ln_object.hpp"

namespace dlmsgw::server {
namespace {

using acse::AcseServiceUserDiagnostic;
using acse::ApplicationContextName;
using acse::AssociationResult;
using acse::MechanismName;
using xdlms::ConformanceBit;
using xdlms::DataAccessResult;

// Ciphering adds tag, length (up to 3), SC, IC (4) and the GCM tag (12); the general form also
// the system title and its length (9).
constexpr std::size_t kCipheringOverhead = 21;
constexpr std::size_t kGeneralCipheringOverhead = kCipheringOverhead + 9;
// C4 02 invoke last-block block-number(4) choice length(up to 3).
constexpr std::size_t kDatablockOverhead = 13;

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

Bytes encode_or_empty(Expected<Bytes> bytes) {
  return bytes ? std::move(*bytes) : Bytes{};
}

acse::AareParameters rejection(ApplicationContextName context, AcseServiceUserDiagnostic why) {
  acse::AareParameters aare;
  aare.application_context = context;
  aare.result = AssociationResult::rejected_permanent;
  aare.diagnostic = acse::ResultSourceDiagnostic::user(why);
  return aare;
}

}  // namespace

Bytes service_not_allowed(xdlms::ServiceError error) {
  return xdlms::ExceptionResponse{xdlms::StateError::service_not_allowed, error, std::nullopt}
      .encode();
}

void AssociationServer::reset() {
  associated_ = false;
  ciphered_ = false;
  answer_form_ = security::CipheringForm::service_specific;
  info_ = AssociationInfo{};
  client_title_.reset();
  client_challenge_.clear();
  server_challenge_.clear();
  pending_.reset();
  pending_write_.reset();
}

bool AssociationServer::granted(ConformanceBit bit) const {
  return xdlms::Conformance(info_.conformance).has(bit);
}

std::size_t AssociationServer::max_plain_response() const {
  const std::size_t limit =
      info_.client_max_receive_pdu == 0 ? 0xFFFF : info_.client_max_receive_pdu;
  if (!ciphered_) return limit;
  const auto overhead = answer_form_ == security::CipheringForm::general ? kGeneralCipheringOverhead
                                                                         : kCipheringOverhead;
  return limit - std::min(limit, overhead);
}

security::SecurityContext AssociationServer::security_context() const {
  security::SecurityContext context;
  context.policy = config_.security.policy;
  context.own_system_title = config_.security.system_title;
  context.invocation_counter = security::InvocationCounter(meter_.server_invocation_counter);
  context.form = answer_form_;
  context.peer_system_title = client_title_;
  context.global_key = config_.security.block_key;
  context.authentication_key = config_.security.authentication_key;
  return context;
}

Expected<Bytes> AssociationServer::protect(ByteView plain) {
  auto ciphered = security::protect(plain, security_context());
  if (ciphered) ++meter_.server_invocation_counter;
  return ciphered;
}

std::optional<Bytes> AssociationServer::handle(ByteView apdu, std::uint16_t client_sap,
                                               std::int64_t now_unix_ms) {
  if (apdu.empty()) return std::nullopt;
  switch (apdu[0]) {
    case acse::kAarqTag:
      return handle_aarq(apdu, client_sap);
    case acse::kRlrqTag:
      return handle_rlrq(apdu);
    default:
      break;
  }
  if (!associated_) return service_not_allowed(xdlms::ServiceError::operation_not_possible);
  if (ciphered_) return handle_ciphered(apdu, now_unix_ms);
  if (security::describe_ciphered_tag(apdu[0])) {
    return service_not_allowed(xdlms::ServiceError::deciphering_error);
  }
  return handle_plain(apdu, now_unix_ms);
}

Bytes AssociationServer::handle_aarq(ByteView apdu, std::uint16_t client_sap) {
  reset();
  auto aarq = acse::decode_aarq(apdu);
  if (!aarq) {
    ++stats_.rejections;
    return encode_or_empty(acse::encode_aare(rejection(
        ApplicationContextName::logical_name, AcseServiceUserDiagnostic::no_reason_given)));
  }
  const auto policy = config_.clients.find(client_sap);
  const ApplicationContextName wanted_context =
      policy != config_.clients.end() && policy->second.ciphered
          ? ApplicationContextName::logical_name_ciphered
          : ApplicationContextName::logical_name;
  auto refuse = [&](AcseServiceUserDiagnostic why) {
    ++stats_.rejections;
    return encode_or_empty(acse::encode_aare(rejection(wanted_context, why)));
  };
  if (policy == config_.clients.end()) return refuse(AcseServiceUserDiagnostic::no_reason_given);
  if (aarq->application_context != wanted_context) {
    return refuse(AcseServiceUserDiagnostic::application_context_name_not_supported);
  }
  const ClientPolicy& client = policy->second;
  const MechanismName mechanism = aarq->mechanism.value_or(MechanismName::none);
  if (client.mechanism != MechanismName::none && !aarq->mechanism) {
    return refuse(AcseServiceUserDiagnostic::authentication_mechanism_name_required);
  }
  if (mechanism != client.mechanism) {
    return refuse(AcseServiceUserDiagnostic::authentication_mechanism_name_not_recognised);
  }
  if (aarq->calling_ap_title) {
    auto title = security::SystemTitle::from_bytes(*aarq->calling_ap_title);
    if (!title) return refuse(AcseServiceUserDiagnostic::calling_ap_title_not_recognized);
    client_title_ = *title;
  }
  if ((client.ciphered || mechanism == MechanismName::high_gmac) && !client_title_) {
    return refuse(AcseServiceUserDiagnostic::calling_ap_title_not_recognized);
  }
  if (mechanism == MechanismName::low) {
    const Bytes expected(client.password.begin(), client.password.end());
    if (aarq->calling_authentication_value != expected) {
      return refuse(AcseServiceUserDiagnostic::authentication_failure);
    }
  } else if (mechanism == MechanismName::high_gmac) {
    const auto& challenge = aarq->calling_authentication_value;
    if (!challenge || challenge->size() < 8 || challenge->size() > 64) {
      return refuse(AcseServiceUserDiagnostic::authentication_failure);
    }
    client_challenge_ = *challenge;
  }

  // The xDLMS InitiateRequest, deciphered first for ciphered clients.
  if (!aarq->user_information || aarq->user_information->empty()) {
    return refuse(AcseServiceUserDiagnostic::no_reason_given);
  }
  Bytes initiate_bytes = *aarq->user_information;
  ciphered_ = client.ciphered;
  if (ciphered_) {
    auto plain = security::unprotect(initiate_bytes, security_context());
    if (!plain) {
      ++stats_.security_errors;
      ciphered_ = false;
      return refuse(AcseServiceUserDiagnostic::no_reason_given);
    }
    security::InvocationCounterGuard guard;
    if (meter_.last_client_invocation_counter) {
      guard = security::InvocationCounterGuard(
          security::InvocationCounter(*meter_.last_client_invocation_counter));
    }
    if (!guard.accept(plain->invocation_counter)) {
      ++stats_.security_errors;
      ciphered_ = false;
      return refuse(AcseServiceUserDiagnostic::no_reason_given);
    }
    meter_.last_client_invocation_counter = plain->invocation_counter.value();
    initiate_bytes = std::move(plain->apdu);
  } else if (security::describe_ciphered_tag(initiate_bytes[0])) {
    return refuse(AcseServiceUserDiagnostic::application_context_name_not_supported);
  }
  auto initiate = xdlms::InitiateRequest::decode(initiate_bytes);
  acse::AareParameters aare;
  aare.application_context = wanted_context;
  auto initiate_failure = [&](xdlms::InitiateError error) {
    ++stats_.rejections;
    ciphered_ = false;
    aare.result = AssociationResult::rejected_permanent;
    aare.diagnostic =
        acse::ResultSourceDiagnostic::user(AcseServiceUserDiagnostic::no_reason_given);
    aare.user_information = xdlms::ConfirmedServiceError::initiate_error(error);
    return encode_or_empty(acse::encode_aare(aare));
  };
  if (!initiate) return initiate_failure(xdlms::InitiateError::other);
  if (initiate->proposed_dlms_version < xdlms::kDlmsVersion) {
    return initiate_failure(xdlms::InitiateError::dlms_version_too_low);
  }
  const xdlms::Conformance negotiated =
      initiate->proposed_conformance & config_.supported_conformance;
  if (negotiated.value() == 0)
    return initiate_failure(xdlms::InitiateError::incompatible_conformance);
  if (initiate->client_max_receive_pdu_size != 0 && initiate->client_max_receive_pdu_size < 64) {
    return initiate_failure(xdlms::InitiateError::pdu_size_too_short);
  }

  info_.client_sap = client_sap;
  info_.server_sap = 1;
  info_.application_context = static_cast<std::uint8_t>(wanted_context);
  info_.mechanism = static_cast<std::uint8_t>(mechanism);
  info_.conformance = negotiated.value();
  info_.client_max_receive_pdu = initiate->client_max_receive_pdu_size;
  info_.server_max_receive_pdu = config_.server_max_receive_pdu;
  info_.authenticated = mechanism != MechanismName::high_gmac;
  associated_ = true;
  ++stats_.associations;

  xdlms::InitiateResponse response;
  response.negotiated_conformance = negotiated;
  response.server_max_receive_pdu_size = config_.server_max_receive_pdu;
  if (ciphered_) {
    auto ciphered = protect(response.encode());
    if (!ciphered) return initiate_failure(xdlms::InitiateError::other);
    aare.user_information = acse::CipheredUserInformation{std::move(*ciphered)};
  } else {
    aare.user_information = response;
  }
  if (mechanism != MechanismName::none) aare.mechanism = mechanism;
  if (client_title_ || ciphered_ || mechanism == MechanismName::high_gmac) {
    const auto title = config_.security.system_title.bytes();
    aare.responding_ap_title = Bytes(title.begin(), title.end());
  }
  if (mechanism == MechanismName::high_gmac) {
    // The simulator's challenges need only be new, not secret: derived from the seed and a count.
    server_challenge_.clear();
    std::uint64_t state = splitmix64(meter_.model().seed() ^ ++meter_.challenges_issued);
    for (int i = 0; i < 16; ++i) {
      if (i % 8 == 0) state = splitmix64(state);
      server_challenge_.push_back(static_cast<std::uint8_t>(state >> ((i % 8) * 8)));
    }
    aare.diagnostic =
        acse::ResultSourceDiagnostic::user(AcseServiceUserDiagnostic::authentication_required);
    aare.responding_authentication_value = server_challenge_;
  }
  return encode_or_empty(acse::encode_aare(aare));
}

Bytes AssociationServer::handle_rlrq(ByteView apdu) {
  const bool was_associated = associated_;
  reset();
  if (was_associated) ++stats_.releases;
  acse::RlreParameters rlre;
  if (!acse::decode_rlrq(apdu) || !was_associated) {
    rlre.reason = acse::ReleaseResponseReason::normal;
  }
  return acse::encode_rlre(rlre);
}

std::optional<Bytes> AssociationServer::handle_ciphered(ByteView apdu, std::int64_t now_unix_ms) {
  const bool general = apdu[0] == security::apdu_tag::kGeneralGloCiphering ||
                       apdu[0] == security::apdu_tag::kGeneralDedCiphering;
  answer_form_ =
      general ? security::CipheringForm::general : security::CipheringForm::service_specific;
  auto plain = security::unprotect(apdu, security_context());
  if (!plain) {
    ++stats_.security_errors;
    return service_not_allowed(xdlms::ServiceError::deciphering_error);
  }
  security::InvocationCounterGuard guard;
  if (meter_.last_client_invocation_counter) {
    guard = security::InvocationCounterGuard(
        security::InvocationCounter(*meter_.last_client_invocation_counter));
  }
  if (!guard.accept(plain->invocation_counter)) {
    ++stats_.security_errors;
    const std::uint32_t expected = meter_.last_client_invocation_counter.value_or(0) + 1;
    return xdlms::ExceptionResponse{xdlms::StateError::service_not_allowed,
                                    xdlms::ServiceError::invocation_counter_error, expected}
        .encode();
  }
  meter_.last_client_invocation_counter = plain->invocation_counter.value();
  const Bytes answer = handle_plain(plain->apdu, now_unix_ms);
  // An exception response has no ciphered form: it goes back plain.
  if (!answer.empty() && answer[0] == xdlms::kExceptionResponseTag) return answer;
  auto ciphered = protect(answer);
  if (!ciphered) return service_not_allowed(xdlms::ServiceError::other_reason);
  return std::move(*ciphered);
}

Bytes AssociationServer::handle_plain(ByteView apdu, std::int64_t now_unix_ms) {
  if (apdu.size() > config_.server_max_receive_pdu) {
    return service_not_allowed(xdlms::ServiceError::pdu_too_long);
  }
  auto request = xdlms::decode_apdu(apdu);
  if (!request) return service_not_allowed(xdlms::ServiceError::service_not_supported);
  ++stats_.requests;
  const RequestContext context{now_unix_ms, &info_};
  if (auto* get = std::get_if<xdlms::GetRequestNormal>(&*request)) {
    return handle_get(*get, context);
  }
  if (auto* next = std::get_if<xdlms::GetRequestNext>(&*request)) return handle_get_next(*next);
  if (auto* list = std::get_if<xdlms::GetRequestWithList>(&*request)) {
    return handle_get_list(*list, context);
  }
  if (auto* set = std::get_if<xdlms::SetRequestNormal>(&*request)) {
    return handle_set(*set, context);
  }
  if (auto* set_list = std::get_if<xdlms::SetRequestWithList>(&*request)) {
    return handle_set_list(*set_list, context);
  }
  if (auto* action = std::get_if<xdlms::ActionRequestNormal>(&*request)) {
    return handle_action(*action, context);
  }
  if (auto* first = std::get_if<xdlms::SetRequestWithFirstDatablock>(&*request)) {
    return handle_set_first_block(*first, context);
  }
  if (auto* block = std::get_if<xdlms::SetRequestWithDatablock>(&*request)) {
    return handle_set_block(*block, context);
  }
  if (auto* first = std::get_if<xdlms::ActionRequestWithFirstPblock>(&*request)) {
    return handle_action_first_block(*first, context);
  }
  if (auto* block = std::get_if<xdlms::ActionRequestWithPblock>(&*request)) {
    return handle_action_block(*block, context);
  }
  return service_not_allowed(xdlms::ServiceError::service_not_supported);
}

xdlms::GetDataResult AssociationServer::get_attribute(const xdlms::AttributeWithSelection& item,
                                                      const RequestContext& context) const {
  if (!info_.authenticated) return DataAccessResult::read_write_denied;
  if (item.access && !granted(ConformanceBit::selective_access)) {
    return DataAccessResult::other_reason;
  }
  const CosemObject* object = meter_.objects().find(item.attribute.instance);
  if (object == nullptr) return DataAccessResult::object_undefined;
  if (object->class_id() != item.attribute.class_id) {
    return DataAccessResult::object_class_inconsistent;
  }
  return object->get(item.attribute.attribute_id, item.access, context);
}

Bytes AssociationServer::handle_get(const xdlms::GetRequestNormal& request,
                                    const RequestContext& context) {
  if (!granted(ConformanceBit::get)) return service_not_allowed();
  if (request.access && !granted(ConformanceBit::selective_access)) return service_not_allowed();
  pending_.reset();
  xdlms::GetResponseNormal response{request.invoke,
                                    get_attribute({request.attribute, request.access}, context)};
  Bytes encoded = response.encode();
  if (encoded.size() <= max_plain_response()) return encoded;
  const auto* value = std::get_if<axdr::Data>(&response.result);
  if (value == nullptr || !granted(ConformanceBit::block_transfer_with_get_or_read) ||
      max_plain_response() <= kDatablockOverhead + 1) {
    return xdlms::GetResponseNormal{request.invoke, DataAccessResult::other_reason}.encode();
  }
  pending_ = PendingBlocks{request.invoke, axdr::encode_data(*value), 0, 0};
  return next_block(request.invoke);
}

Bytes AssociationServer::next_block(xdlms::InvokeIdAndPriority invoke) {
  PendingBlocks& pending = *pending_;
  const std::size_t chunk = max_plain_response() - kDatablockOverhead;
  const std::size_t count = std::min(chunk, pending.data.size() - pending.offset);
  xdlms::GetResponseWithDatablock block;
  block.invoke = invoke;
  block.block_number = ++pending.block_number;
  const auto first = pending.data.begin() + static_cast<std::ptrdiff_t>(pending.offset);
  block.result = Bytes(first, first + static_cast<std::ptrdiff_t>(count));
  pending.offset += count;
  block.last_block = pending.offset == pending.data.size();
  if (block.last_block) pending_.reset();
  return block.encode();
}

Bytes AssociationServer::handle_get_next(const xdlms::GetRequestNext& request) {
  if (!granted(ConformanceBit::block_transfer_with_get_or_read)) return service_not_allowed();
  if (!pending_) {
    xdlms::GetResponseWithDatablock block{request.invoke, true, request.block_number,
                                          DataAccessResult::no_long_get_in_progress};
    return block.encode();
  }
  if (request.block_number != pending_->block_number) {
    xdlms::GetResponseWithDatablock block{request.invoke, true, request.block_number,
                                          DataAccessResult::data_block_number_invalid};
    pending_.reset();
    return block.encode();
  }
  return next_block(request.invoke);
}

Bytes AssociationServer::handle_get_list(const xdlms::GetRequestWithList& request,
                                         const RequestContext& context) {
  if (!granted(ConformanceBit::get) || !granted(ConformanceBit::multiple_references)) {
    return service_not_allowed();
  }
  pending_.reset();
  xdlms::GetResponseWithList response{request.invoke, {}};
  for (const auto& item : request.attributes) {
    response.results.push_back(get_attribute(item, context));
  }
  Bytes encoded = response.encode();
  if (encoded.size() <= max_plain_response()) return encoded;
  if (!config_.list_answers_in_blocks ||
      !granted(ConformanceBit::block_transfer_with_get_or_read) ||
      max_plain_response() <= kDatablockOverhead + 1) {
    return service_not_allowed(xdlms::ServiceError::pdu_too_long);
  }
  // Too long for one PDU: in blocks whose raw data is the SEQUENCE OF Get-Data-Result.
  ByteWriter results;
  xdlms::encode_get_data_results(results, response.results);
  pending_ = PendingBlocks{request.invoke, results.take(), 0, 0};
  return next_block(request.invoke);
}

xdlms::DataAccessResult AssociationServer::set_attribute(const xdlms::AttributeWithSelection& item,
                                                         const axdr::Data& value,
                                                         const RequestContext& context) {
  if (!info_.authenticated) return DataAccessResult::read_write_denied;
  if (item.access) return DataAccessResult::other_reason;
  CosemObject* object = meter_.objects().find(item.attribute.instance);
  if (object == nullptr) return DataAccessResult::object_undefined;
  if (object->class_id() != item.attribute.class_id) {
    return DataAccessResult::object_class_inconsistent;
  }
  return object->set(item.attribute.attribute_id, value, context);
}

Bytes AssociationServer::handle_set(const xdlms::SetRequestNormal& request,
                                    const RequestContext& context) {
  if (!granted(ConformanceBit::set)) return service_not_allowed();
  return xdlms::SetResponseNormal{
      request.invoke, set_attribute({request.attribute, request.access}, request.value, context)}
      .encode();
}

Bytes AssociationServer::handle_set_list(const xdlms::SetRequestWithList& request,
                                         const RequestContext& context) {
  if (!granted(ConformanceBit::set) || !granted(ConformanceBit::multiple_references)) {
    return service_not_allowed();
  }
  xdlms::SetResponseWithList response{request.invoke, {}};
  for (std::size_t i = 0; i < request.attributes.size() && i < request.values.size(); ++i) {
    response.results.push_back(set_attribute(request.attributes[i], request.values[i], context));
  }
  return response.encode();
}

AssociationServer::BlockStep AssociationServer::accept_block(const xdlms::DataBlockSa& block) {
  PendingWrite& pending = *pending_write_;
  if (block.block_number != pending.block_number + 1) {
    pending_write_.reset();
    return DataAccessResult::data_block_number_invalid;
  }
  pending.block_number = block.block_number;
  if (pending.data.size() + block.raw_data.size() > kMaxBlockTransfer) {
    pending_write_.reset();
    return DataAccessResult::long_set_aborted;
  }
  pending.data.insert(pending.data.end(), block.raw_data.begin(), block.raw_data.end());
  if (!block.last_block) return std::monostate{};
  // The blocks together must be exactly one value.
  ByteReader reader(pending.data);
  auto value = axdr::decode_data(reader);
  if (!value || !reader.empty()) {
    pending_write_.reset();
    return DataAccessResult::type_unmatched;
  }
  return std::move(*value);
}

Bytes AssociationServer::handle_set_first_block(const xdlms::SetRequestWithFirstDatablock& request,
                                                const RequestContext& context) {
  if (!granted(ConformanceBit::set) || !granted(ConformanceBit::block_transfer_with_set_or_write)) {
    return service_not_allowed();
  }
  pending_write_ =
      PendingWrite{xdlms::AttributeWithSelection{request.attribute, request.access}, {}, 0};
  return finish_set_block(request.invoke, request.block, context);
}

Bytes AssociationServer::handle_set_block(const xdlms::SetRequestWithDatablock& request,
                                          const RequestContext& context) {
  if (!granted(ConformanceBit::set) || !granted(ConformanceBit::block_transfer_with_set_or_write)) {
    return service_not_allowed();
  }
  if (!pending_write_ ||
      !std::holds_alternative<xdlms::AttributeWithSelection>(pending_write_->target)) {
    return xdlms::SetResponseLastDatablock{
        request.invoke, DataAccessResult::no_long_set_in_progress, request.block.block_number}
        .encode();
  }
  return finish_set_block(request.invoke, request.block, context);
}

Bytes AssociationServer::finish_set_block(xdlms::InvokeIdAndPriority invoke,
                                          const xdlms::DataBlockSa& block,
                                          const RequestContext& context) {
  const auto target = std::get<xdlms::AttributeWithSelection>(pending_write_->target);
  const BlockStep step = accept_block(block);
  if (std::holds_alternative<std::monostate>(step)) {
    return xdlms::SetResponseDatablock{invoke, block.block_number}.encode();
  }
  pending_write_.reset();
  if (const auto* refusal = std::get_if<DataAccessResult>(&step)) {
    return xdlms::SetResponseLastDatablock{invoke, *refusal, block.block_number}.encode();
  }
  const DataAccessResult result = set_attribute(target, std::get<axdr::Data>(step), context);
  return xdlms::SetResponseLastDatablock{invoke, result, block.block_number}.encode();
}

Bytes AssociationServer::handle_action_first_block(
    const xdlms::ActionRequestWithFirstPblock& request, const RequestContext& context) {
  if (!granted(ConformanceBit::action) || !granted(ConformanceBit::block_transfer_with_action)) {
    return service_not_allowed();
  }
  pending_write_ = PendingWrite{request.method, {}, 0};
  return finish_action_block(request.invoke, request.block, context);
}

Bytes AssociationServer::handle_action_block(const xdlms::ActionRequestWithPblock& request,
                                             const RequestContext& context) {
  if (!granted(ConformanceBit::action) || !granted(ConformanceBit::block_transfer_with_action)) {
    return service_not_allowed();
  }
  if (!pending_write_ ||
      !std::holds_alternative<xdlms::CosemMethodDescriptor>(pending_write_->target)) {
    return xdlms::ActionResponseNormal{
        request.invoke, xdlms::ActionResult::no_long_action_in_progress, std::nullopt}
        .encode();
  }
  return finish_action_block(request.invoke, request.block, context);
}

Bytes AssociationServer::finish_action_block(xdlms::InvokeIdAndPriority invoke,
                                             const xdlms::DataBlockSa& block,
                                             const RequestContext& context) {
  const auto method = std::get<xdlms::CosemMethodDescriptor>(pending_write_->target);
  const BlockStep step = accept_block(block);
  if (std::holds_alternative<std::monostate>(step)) {
    return xdlms::ActionResponseNextPblock{invoke, block.block_number}.encode();
  }
  pending_write_.reset();
  if (const auto* refusal = std::get_if<DataAccessResult>(&step)) {
    // The action results share the data-access-result numbers up to 16; the long-set ones map to
    // their action counterparts.
    xdlms::ActionResult result = xdlms::ActionResult::other_reason;
    if (*refusal == DataAccessResult::type_unmatched) result = xdlms::ActionResult::type_unmatched;
    if (*refusal == DataAccessResult::long_set_aborted) {
      result = xdlms::ActionResult::long_action_aborted;
    }
    return xdlms::ActionResponseNormal{invoke, result, std::nullopt}.encode();
  }
  return handle_action(xdlms::ActionRequestNormal{invoke, method, std::get<axdr::Data>(step)},
                       context);
}

Bytes AssociationServer::handle_action(const xdlms::ActionRequestNormal& request,
                                       const RequestContext& context) {
  if (!granted(ConformanceBit::action)) return service_not_allowed();
  const bool hls_reply = request.method.class_id == 15 &&
                         request.method.instance == kCurrentAssociationCode &&
                         request.method.method_id == 1;
  if (hls_reply) return reply_to_hls(request);
  xdlms::ActionResponseNormal response{request.invoke, xdlms::ActionResult::success, std::nullopt};
  CosemObject* object = meter_.objects().find(request.method.instance);
  if (!info_.authenticated) {
    response.result = xdlms::ActionResult::read_write_denied;
  } else if (object == nullptr) {
    response.result = xdlms::ActionResult::object_undefined;
  } else if (object->class_id() != request.method.class_id) {
    response.result = xdlms::ActionResult::object_class_inconsistent;
  } else {
    auto outcome = object->action(request.method.method_id, request.parameters, context);
    response.result = outcome.result;
    if (outcome.return_data) response.return_parameters = std::move(*outcome.return_data);
  }
  return response.encode();
}

Bytes AssociationServer::reply_to_hls(const xdlms::ActionRequestNormal& request) {
  xdlms::ActionResponseNormal response{request.invoke, xdlms::ActionResult::read_write_denied,
                                       std::nullopt};
  const auto* reply = request.parameters ? request.parameters->as_bytes() : nullptr;
  if (info_.mechanism != static_cast<std::uint8_t>(MechanismName::high_gmac) ||
      info_.authenticated || reply == nullptr || !client_title_) {
    return response.encode();
  }
  const security::SecurityKeys keys{config_.security.block_key,
                                    config_.security.authentication_key};
  auto verified =
      security::verify_hls_gmac_response(*reply, server_challenge_, *client_title_, keys);
  if (!verified) {
    ++stats_.security_errors;
    return response.encode();
  }
  auto proof = security::hls_gmac_response(
      client_challenge_, config_.security.system_title,
      security::InvocationCounter(meter_.server_invocation_counter), keys);
  if (!proof) return response.encode();
  ++meter_.server_invocation_counter;
  info_.authenticated = true;
  response.result = xdlms::ActionResult::success;
  response.return_parameters = axdr::Data::octet_string(std::move(*proof));
  return response.encode();
}

}  // namespace dlmsgw::server
