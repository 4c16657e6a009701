#include "client/session.hpp"

#include "client/invocation_counter_key.hpp"

// g++ 12 reports asio's coroutine frame allocator as mismatched new/delete after inlining (a known
// false positive: the frame is allocated and freed by the same awaitable_frame_base operators).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <algorithm>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "client/open_channel.hpp"
#include "dlms/acse/aare.hpp"
#include "dlms/acse/aarq.hpp"
#include "dlms/acse/release_request.hpp"
#include "dlms/acse/release_response.hpp"
#include "dlms/axdr/data_codec.hpp"
#include "dlms/axdr/data_printer.hpp"
#include "dlms/cosem/interface_class.hpp"
#include "dlms/security/authentication_challenge.hpp"
#include "dlms/security/ciphered_apdu_tag.hpp"
#include "dlms/security/hls_gmac.hpp"
#include "dlms/security/lls_authentication_value.hpp"
#include "dlms/xdlms/apdu_printer.hpp"
#include "dlms/xdlms/get_block_reassembler.hpp"
#include "dlms/xdlms/get_data_result.hpp"
#include "dlms/xdlms/initiate.hpp"

namespace dlmsgw::client {
namespace {

// A meter that keeps answering old requests is not answering ours.
constexpr int kMaxStaleResponses = 16;
// GET-with-list requests carry at most this many attributes, to stay well inside PDU limits.
constexpr std::size_t kMaxListSize = 10;
// What glo-ciphering adds to an APDU: tag, length (up to 3 bytes), security control byte,
// invocation counter and the 12-byte authentication tag.
constexpr std::size_t kCipheringOverhead = 21;

std::optional<xdlms::InvokeIdAndPriority> invoke_of(const xdlms::Apdu& apdu) {
  return std::visit(
      [](const auto& value) -> std::optional<xdlms::InvokeIdAndPriority> {
        if constexpr (requires { value.invoke; }) {
          return value.invoke;
        } else {
          return std::nullopt;
        }
      },
      apdu);
}

// The block number a SET or ACTION block transfer acknowledgement carries.
std::optional<std::uint32_t> acknowledged_block(const xdlms::Apdu& apdu) {
  if (const auto* set = std::get_if<xdlms::SetResponseDatablock>(&apdu)) return set->block_number;
  if (const auto* action = std::get_if<xdlms::ActionResponseNextPblock>(&apdu)) {
    return action->block_number;
  }
  return std::nullopt;
}

Error refused(xdlms::DataAccessResult result) {
  return make_error(ErrorCode::rejected, xdlms::describe(result));
}

Error unexpected(const xdlms::Apdu& apdu) {
  return make_error(ErrorCode::protocol_state, "unexpected answer: " + xdlms::describe(apdu));
}

// Attributes whose value a scaler_unit attribute qualifies.
std::optional<std::int8_t> scaler_attribute_for(const xdlms::CosemAttributeDescriptor& attribute) {
  const auto id = static_cast<cosem::InterfaceClass>(attribute.class_id);
  const auto scaler = cosem::scaler_unit_attribute(id);
  if (!scaler) return std::nullopt;
  if (id == cosem::InterfaceClass::demand_register) {
    return attribute.attribute_id == 2 || attribute.attribute_id == 3 ? scaler : std::nullopt;
  }
  return attribute.attribute_id == 2 ? scaler : std::nullopt;
}

}  // namespace

std::string describe_get(const xdlms::CosemAttributeDescriptor& attribute) {
  return "GET " + attribute.instance.to_string() + " attribute " +
         std::to_string(attribute.attribute_id);
}

Session::Session(ConnectionSettings settings, InvocationCounterStore* counters)
    : Session(std::make_shared<const ConnectionSettings>(std::move(settings)), counters) {}

Session::Session(std::shared_ptr<const ConnectionSettings> settings,
                 InvocationCounterStore* counters)
    : settings_(std::move(settings)),
      counters_(counters != nullptr ? counters : &own_counters_),
      list_refusals_(std::make_shared<ListRefusals>()) {}

std::string Session::counter_hint() const {
  // A meter that enforces the counter answers a stale one with a bare rejection (often "no
  // reason given"): say what we sent and where it is kept, which is what the operator can change.
  const auto sent = cipher_->context.invocation_counter.value();
  return "a ciphered association refused like this is most likely our invocation counter "
         "(" +
         std::to_string(sent == 0 ? 0 : sent - 1) +
         " in this AARQ) being at or below the last one the meter accepted, e.g. after another "
         "client used this system title and key; raise 'next' in " +
         counters_->where(cipher_->tx_key) +
         " above the meter's frame counter (see docs/dlms-connector.md, invocation counters); "
         "else a block key the meter does not hold";
}

Error Session::too_late(const std::string& phase) const {
  return failure(make_error(ErrorCode::timeout,
                            "not started before its deadline (the session was busy with other "
                            "requests): dropped, not sent to the meter"),
                 phase);
}

std::size_t Session::wire_size(const Bytes& request) const {
  if (!cipher_ || settings_->security == Security::none) return request.size();
  // Tag, length, security control byte, invocation counter and the 12-byte tag (glo-ciphering).
  return request.size() + kCipheringOverhead;
}

Expected<void> Session::fits_meter_pdu(const Bytes& request) const {
  if (server_max_pdu_ == 0 || wire_size(request) <= server_max_pdu_) return {};
  return make_error(ErrorCode::invalid_argument,
                    "the request takes " + std::to_string(wire_size(request)) +
                        " bytes, above the meter's max receive PDU of " +
                        std::to_string(server_max_pdu_) +
                        " bytes (its AARE), and the meter did not grant block transfer for "
                        "it: nothing was sent");
}

std::size_t Session::block_payload(const Bytes& empty_block) const {
  // The raw-data length grows from 1 to at most 3 bytes (A-XDR length) with the data.
  const std::size_t overhead = wire_size(empty_block) + 2;
  return server_max_pdu_ > overhead ? server_max_pdu_ - overhead : 0;
}

asio::awaitable<Expected<xdlms::Apdu>> Session::send_blocks(const std::vector<Bytes>& requests,
                                                            xdlms::InvokeIdAndPriority invoke) {
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const std::string where =
        "block " + std::to_string(i + 1) + " of " + std::to_string(requests.size());
    auto answer = co_await exchange(requests[i], invoke);
    if (!answer) co_return answer.error().with_context(where);
    const auto acknowledged = acknowledged_block(*answer);
    if (!acknowledged) co_return answer;
    if (i + 1 == requests.size() || *acknowledged != i + 1) {
      co_return make_error(
          ErrorCode::protocol_state,
          where + ": the meter acknowledged block " + std::to_string(*acknowledged) +
              (i + 1 == requests.size() ? " instead of answering the request" : ""));
    }
  }
  co_return make_error(ErrorCode::invalid_argument, "no blocks to send");
}

Error Session::failure(const Error& error, const std::string& phase) const {
  return error.with_context(settings_->describe() + ": " + phase);
}

xdlms::InvokeIdAndPriority Session::next_invoke() {
  invoke_ = invoke_.next();
  return invoke_;
}

std::optional<cosem::ScalerUnit> Session::cached_scaler_unit(std::uint16_t class_id,
                                                             const ObisCode& obis) const {
  const auto* found = scalers_.find({class_id, obis});
  if (found == nullptr) return std::nullopt;
  return *found;
}

const cosem::ScalerUnit* Session::ScalerCache::find(const Key& key) const {
  const auto at = std::lower_bound(entries_.begin(), entries_.end(), key,
                                   [](const auto& entry, const Key& k) { return entry.first < k; });
  return at != entries_.end() && at->first == key ? &at->second : nullptr;
}

void Session::ScalerCache::set(const Key& key, cosem::ScalerUnit value) {
  const auto at = std::lower_bound(entries_.begin(), entries_.end(), key,
                                   [](const auto& entry, const Key& k) { return entry.first < k; });
  if (at != entries_.end() && at->first == key) {
    at->second = value;
  } else {
    entries_.emplace(at, key, value);
  }
}

asio::awaitable<Expected<void>> Session::open() {
  if (auto valid = settings_->validate(); !valid) co_return valid.error();
  const bool ciphered = settings_->security != Security::none ||
                        settings_->authentication == Authentication::high_gmac;
  std::optional<std::uint32_t> meter_counter;
  if (settings_->frame_counter_obis && ciphered) {
    auto counter = co_await read_meter_frame_counter();
    if (!counter) co_return counter.error();
    meter_counter = *counter;
  }
  auto channel = co_await open_channel(*settings_);
  if (!channel) co_return failure(channel.error(), "connect");
  meter_frame_counter_ = meter_counter;
  co_return co_await open(std::move(*channel));
}

asio::awaitable<Expected<std::uint32_t>> Session::read_meter_frame_counter() {
  const ObisCode obis = *settings_->frame_counter_obis;
  ConnectionSettings plain = *settings_;
  plain.name =
      settings_->name + " (public client " + std::to_string(settings_->frame_counter_client) + ")";
  plain.client_address = settings_->frame_counter_client;
  plain.authentication = Authentication::none;
  plain.password.clear();
  plain.security = Security::none;
  plain.frame_counter_obis.reset();
  const std::string phase = "reading the meter's frame counter " + obis.to_string() +
                            " before the ciphered association (frameCounterObis)";
  Session reader(plain);
  if (auto opened = co_await reader.open(); !opened) {
    co_return opened.error().with_context(phase);
  }
  auto value = co_await reader.get({1, obis, 2});
  co_await reader.close();
  if (!value) co_return value.error().with_context(phase);
  const std::uint64_t* counter = value->as_unsigned();
  if (counter == nullptr || *counter > 0xFFFFFFFFULL) {
    co_return failure(make_error(ErrorCode::malformed,
                                 "not an unsigned 32-bit counter: " + axdr::to_string(*value)),
                      phase);
  }
  co_return static_cast<std::uint32_t>(*counter);
}

asio::awaitable<Expected<void>> Session::open(std::unique_ptr<ApduChannel> channel) {
  auto guard = co_await mutex_.lock();
  if (auto valid = settings_->validate(); !valid) co_return valid.error();
  if (open_) co_await close_unlocked();
  channel_ = std::move(channel);
  if (trace_) channel_->set_trace(trace_);
  scalers_.clear();
  cipher_.reset();
  // Taken by this association only: a later open(channel) without open() does not read it again.
  const std::optional<std::uint32_t> meter_counter = std::exchange(meter_frame_counter_, {});
  resync_needed_ = false;
  touch();
  if (auto linked = co_await channel_->open(); !linked) {
    co_await channel_->close();
    co_return failure(linked.error(), "connect");
  }
  if (auto associated = co_await associate(meter_counter); !associated) {
    co_await channel_->close();
    co_return associated.error();
  }
  open_ = true;
  touch();
  co_return Expected<void>{};
}

asio::awaitable<Expected<void>> Session::associate(std::optional<std::uint32_t> meter_counter) {
  const auto fail = [&](const Error& error) { return failure(error, "AARQ"); };
  const bool ciphered = settings_->security != Security::none;
  const bool hls = settings_->authentication == Authentication::high_gmac;
  if (ciphered || hls) {
    Cipher cipher;
    auto& context = cipher.context;
    context.policy = to_policy(settings_->security);
    context.own_system_title = *settings_->system_title;
    context.global_key = *settings_->block_key;
    context.authentication_key = *settings_->authentication_key;
    cipher.tx_key = invocation_counter_key(context.own_system_title, context.global_key);
    if (counters_ != nullptr) {
      auto next = counters_->load(cipher.tx_key);
      if (!next) co_return fail(next.error());
      context.invocation_counter = security::InvocationCounter(next->value_or(0));
    }
    if (meter_counter) {
      // The meter's last accepted counter: ours continues above it unless already there.
      if (*meter_counter == 0xFFFFFFFFU) {
        co_return fail(make_error(ErrorCode::out_of_range,
                                  "the meter's frame counter is at its end (4294967295): the "
                                  "keys must be changed before ciphered traffic can go on"));
      }
      if (*meter_counter + 1 > context.invocation_counter.value()) {
        context.invocation_counter = security::InvocationCounter(*meter_counter + 1);
        if (counters_ != nullptr) {
          if (auto saved = counters_->save(cipher.tx_key, *meter_counter + 1); !saved) {
            co_return fail(saved.error());
          }
        }
      }
    }
    cipher_ = std::move(cipher);
  }

  acse::AarqParameters aarq;
  aarq.application_context = ciphered ? acse::ApplicationContextName::logical_name_ciphered
                                      : acse::ApplicationContextName::logical_name;
  Bytes client_challenge;
  switch (settings_->authentication) {
    case Authentication::none:
      break;
    case Authentication::low:
      aarq.mechanism = acse::MechanismName::low;
      aarq.calling_authentication_value = security::lls_authentication_value(settings_->password);
      break;
    case Authentication::high_gmac: {
      auto challenge = security::draw_challenge_from_openssl_rand();
      if (!challenge) co_return fail(challenge.error());
      client_challenge = *challenge;
      aarq.mechanism = acse::MechanismName::high_gmac;
      aarq.calling_authentication_value = client_challenge;
      break;
    }
  }
  if (cipher_) {
    const auto title = cipher_->context.own_system_title.bytes();
    aarq.calling_ap_title = Bytes(title.begin(), title.end());
  }
  xdlms::InitiateRequest initiate;
  initiate.proposed_conformance = settings_->proposed_conformance;
  initiate.client_max_receive_pdu_size = settings_->max_pdu_size;
  Bytes user_information = initiate.encode();
  if (ciphered) {
    auto sealed = protect(user_information);
    if (!sealed) co_return fail(sealed.error());
    user_information = std::move(*sealed);
  }
  aarq.user_information = std::move(user_information);
  auto request = acse::encode_aarq(aarq);
  if (!request) co_return fail(request.error());
  if (auto sent = co_await channel_->send(*request); !sent) co_return fail(sent.error());
  auto answer = co_await channel_->receive();
  if (!answer) co_return fail(answer.error());
  auto aare = acse::decode_aare(*answer);
  if (!aare) co_return fail(aare.error());
  if (auto accepted = acse::require_accepted(*aare); !accepted) {
    // Meters answer a stale counter without a specific reason; a specific one (authentication
    // failure, context not supported...) says enough by itself.
    const bool unexplained =
        aare->diagnostic.is(acse::AcseServiceUserDiagnostic::no_reason_given) ||
        aare->diagnostic.is(acse::AcseServiceUserDiagnostic::null);
    if (!cipher_ || !unexplained) co_return fail(accepted.error());
    co_return fail(
        make_error(accepted.error().code, accepted.error().message + "; " + counter_hint()));
  }

  if (cipher_ && aare->responding_ap_title) {
    auto title = security::SystemTitle::from_bytes(*aare->responding_ap_title);
    if (!title) co_return fail(title.error().with_context("AARE responding-AP-title"));
    cipher_->context.peer_system_title = *title;
    cipher_->rx_key = title->to_hex() + ":rx";
    if (counters_ != nullptr) {
      auto last = counters_->load(cipher_->rx_key);
      if (!last) co_return fail(last.error());
      if (*last) {
        cipher_->guard = security::InvocationCounterGuard(security::InvocationCounter(**last));
      }
    }
  }
  const xdlms::InitiateResponse* response = aare->initiate_response();
  std::optional<xdlms::InitiateResponse> deciphered;
  if (const auto* sealed = std::get_if<acse::CipheredUserInformation>(&aare->user_information)) {
    if (!cipher_) {
      co_return fail(make_error(ErrorCode::protocol_state,
                                "AARE carries a ciphered InitiateResponse but no security is set"));
    }
    auto plain = unprotect(sealed->apdu);
    if (!plain) co_return fail(plain.error().with_context("AARE InitiateResponse"));
    auto decoded = xdlms::InitiateResponse::decode(*plain);
    if (!decoded) co_return fail(decoded.error().with_context("AARE"));
    deciphered = *decoded;
    response = &*deciphered;
  }
  if (response == nullptr) {
    co_return fail(make_error(ErrorCode::malformed, "AARE accepted without an InitiateResponse"));
  }
  if (ciphered && !deciphered) {
    co_return fail(make_error(ErrorCode::crypto,
                              "AARE InitiateResponse is not ciphered although security is " +
                                  std::string(to_string(settings_->security))));
  }
  conformance_ = response->negotiated_conformance;
  server_max_pdu_ = response->server_max_receive_pdu_size;

  if (hls) {
    if (!aare->responding_authentication_value) {
      co_return fail(
          make_error(ErrorCode::protocol_state, "AARE for HLS-GMAC carries no server challenge"));
    }
    if (!cipher_->context.peer_system_title) {
      co_return fail(make_error(ErrorCode::protocol_state,
                                "AARE for HLS-GMAC carries no responding-AP-title"));
    }
    auto proven =
        co_await authenticate_hls_gmac(client_challenge, *aare->responding_authentication_value);
    if (!proven) co_return proven.error();
  }
  co_return Expected<void>{};
}

asio::awaitable<Expected<void>> Session::authenticate_hls_gmac(const Bytes& client_challenge,
                                                               const Bytes& server_challenge) {
  const std::string phase = "HLS-GMAC reply_to_HLS_authentication";
  auto& context = cipher_->context;
  const security::SecurityKeys keys{context.global_key, context.authentication_key};
  if (auto caught_up = catch_up_invocation_counter(); !caught_up) {
    co_return failure(caught_up.error(), phase);
  }
  auto ours = security::hls_gmac_response(server_challenge, context.own_system_title,
                                          context.invocation_counter, keys);
  if (!ours) co_return failure(ours.error(), phase);
  auto next = context.invocation_counter.next();
  if (!next) co_return failure(next.error(), phase);
  context.invocation_counter = *next;
  if (counters_ != nullptr) {
    if (auto saved = counters_->save(cipher_->tx_key, next->value()); !saved) {
      co_return failure(saved.error(), phase);
    }
  }

  const xdlms::CosemMethodDescriptor method{
      static_cast<std::uint16_t>(cosem::InterfaceClass::association_ln), kCurrentAssociation, 1};
  auto answer = co_await action_unlocked(method, axdr::Data::octet_string(*ours));
  if (!answer) co_return answer.error();
  const Bytes* theirs = *answer ? (*answer)->as_bytes() : nullptr;
  if (theirs == nullptr) {
    co_return failure(make_error(ErrorCode::malformed, "the meter returned no f(CtoS)"), phase);
  }
  auto verified = security::verify_hls_gmac_response(*theirs, client_challenge,
                                                     *context.peer_system_title, keys);
  if (!verified) {
    co_return failure(verified.error().with_context("the meter's f(CtoS) does not verify"), phase);
  }
  co_return Expected<void>{};
}

Expected<void> Session::catch_up_invocation_counter() {
  if (counters_ == nullptr) return {};
  DLMSGW_TRY_ASSIGN(auto next, counters_->load(cipher_->tx_key));
  auto& counter = cipher_->context.invocation_counter;
  if (next && *next > counter.value()) counter = security::InvocationCounter(*next);
  return {};
}

Expected<Bytes> Session::protect(const Bytes& apdu) {
  auto& context = cipher_->context;
  DLMSGW_TRY(catch_up_invocation_counter());
  DLMSGW_TRY_ASSIGN(Bytes sealed, security::protect(apdu, context));
  DLMSGW_TRY_ASSIGN(context.invocation_counter, context.invocation_counter.next());
  if (counters_ != nullptr) {
    DLMSGW_TRY(counters_->save(cipher_->tx_key, context.invocation_counter.value()));
  }
  return sealed;
}

Expected<Bytes> Session::unprotect(const Bytes& apdu) {
  DLMSGW_TRY_ASSIGN(security::Unprotected plain, security::unprotect(apdu, cipher_->context));
  DLMSGW_TRY(cipher_->guard.accept(plain.invocation_counter));
  if (counters_ != nullptr && !cipher_->rx_key.empty()) {
    DLMSGW_TRY(counters_->save(cipher_->rx_key, plain.invocation_counter.value()));
  }
  return std::move(plain.apdu);
}

Error Session::lost(Error error) {
  // A request that timed out may still be answered: the next one re-synchronises first.
  if (error.code == ErrorCode::timeout) resync_needed_ = true;
  // The peer closed or reset the connection, or the link is gone (DM, FRMR): the association
  // is over. A timeout is not: HDLC recovers from it on the next request, and a late answer is
  // dropped by its invoke id or, having none, by the re-synchronisation before the next request.
  if (error.code == ErrorCode::connection_closed || error.code == ErrorCode::io_error ||
      !channel_->is_open()) {
    open_ = false;
  }
  return error;
}

asio::awaitable<Expected<void>> Session::send_request(const Bytes& request) {
  if (!channel_) co_return make_error(ErrorCode::protocol_state, "session is not open");
  ByteView wire = request;
  Expected<Bytes> sealed = Bytes{};
  if (cipher_ && settings_->security != Security::none) {
    sealed = protect(request);
    if (!sealed) co_return sealed.error();
    wire = *sealed;
  }
  ++stats_.requests;
  touch();
  if (auto sent = co_await channel_->send(wire); !sent) co_return lost(sent.error());
  co_return Expected<void>{};
}

asio::awaitable<Expected<xdlms::Apdu>> Session::receive_answer() {
  const bool ciphered = cipher_ && settings_->security != Security::none;
  auto answer = co_await channel_->receive();
  if (!answer) co_return lost(answer.error());
  touch();
  Bytes plain = std::move(*answer);
  if (!plain.empty() && security::describe_ciphered_tag(plain.front())) {
    if (!cipher_) {
      co_return make_error(ErrorCode::protocol_state,
                           "ciphered answer on an association without security");
    }
    auto opened = unprotect(plain);
    if (!opened) co_return opened.error();
    plain = std::move(*opened);
  } else if (ciphered && !plain.empty() && plain.front() != xdlms::kExceptionResponseTag) {
    co_return make_error(ErrorCode::crypto,
                         "plain answer on a ciphered association (downgrade refused)");
  }
  co_return xdlms::decode_apdu(plain);
}

asio::awaitable<Expected<void>> Session::resynchronise() {
  // The answer to a request that timed out may still come, and an exception-response or
  // confirmed-service-error has no invoke id to tell it from the next request's answer. A probe
  // whose answer does carry one (attribute 1 of the current association, which every LN
  // association serves) marks where the old answers end: everything before it is dropped. A meter
  // that does not answer the probe either cannot be told apart from a late one: the connection is
  // dropped and the caller opens a new one.
  ++stats_.resyncs;
  const xdlms::InvokeIdAndPriority invoke = next_invoke();
  const xdlms::GetRequestNormal probe{
      invoke,
      {static_cast<std::uint16_t>(cosem::InterfaceClass::association_ln), kCurrentAssociation, 1},
      std::nullopt};
  if (auto sent = co_await send_request(probe.encode()); !sent) {
    co_return co_await give_up_unsynchronised(sent.error());
  }
  // As long as an HDLC request may take in all (the wrapper has no retries of its own): the old
  // answer is late already.
  const auto budget = settings_->timeouts.response * (settings_->timeouts.retries + 1);
  const auto deadline = std::chrono::steady_clock::now() + budget;
  for (int stale = 0; stale <= kMaxStaleResponses; ++stale) {
    auto answer = co_await receive_answer();
    if (!answer) {
      const bool in_time =
          answer.error().code == ErrorCode::timeout && std::chrono::steady_clock::now() < deadline;
      if (in_time && channel_->is_open()) continue;
      if (answer.error().code == ErrorCode::timeout || !channel_->is_open()) {
        co_return co_await give_up_unsynchronised(answer.error());
      }
      ++stats_.stale_responses;  // an old answer we could not even decode
      continue;
    }
    const auto* normal = std::get_if<xdlms::GetResponseNormal>(&*answer);
    if (normal != nullptr && normal->invoke.invoke_id() == invoke.invoke_id()) {
      resync_needed_ = false;
      co_return Expected<void>{};
    }
    ++stats_.stale_responses;
  }
  co_return co_await give_up_unsynchronised(
      make_error(ErrorCode::protocol_state,
                 "more than " + std::to_string(kMaxStaleResponses) + " answers to other requests"));
}

asio::awaitable<Error> Session::give_up_unsynchronised(const Error& error) {
  open_ = false;
  if (channel_) co_await channel_->close();
  co_return error.with_context(
      "re-synchronising after a timeout (so that a late answer is not taken for the next "
      "request's): connection dropped, open it again");
}

asio::awaitable<Expected<xdlms::Apdu>> Session::exchange(const Bytes& request,
                                                         xdlms::InvokeIdAndPriority invoke,
                                                         bool service_errors_as_answers) {
  if (!channel_) co_return make_error(ErrorCode::protocol_state, "session is not open");
  if (resync_needed_) {
    if (auto synced = co_await resynchronise(); !synced) co_return synced.error();
  }
  if (auto sent = co_await send_request(request); !sent) co_return sent.error();
  for (int stale = 0; stale <= kMaxStaleResponses; ++stale) {
    auto apdu = co_await receive_answer();
    if (!apdu) co_return apdu.error();
    const bool service_error = std::holds_alternative<xdlms::ExceptionResponse>(*apdu) ||
                               std::holds_alternative<xdlms::ConfirmedServiceError>(*apdu);
    if (service_error && service_errors_as_answers) co_return std::move(*apdu);
    if (const auto* exception = std::get_if<xdlms::ExceptionResponse>(&*apdu)) {
      co_return make_error(ErrorCode::rejected, "exception response: " + exception->to_string());
    }
    if (const auto* error = std::get_if<xdlms::ConfirmedServiceError>(&*apdu)) {
      co_return make_error(ErrorCode::rejected, "confirmed service error: " + error->to_string());
    }
    const auto answered = invoke_of(*apdu);
    if (answered && answered->invoke_id() != invoke.invoke_id()) {
      ++stats_.stale_responses;  // a late answer to an earlier request
      continue;
    }
    co_return std::move(*apdu);
  }
  co_return make_error(
      ErrorCode::protocol_state,
      "more than " + std::to_string(kMaxStaleResponses) + " answers to other requests");
}

asio::awaitable<Expected<axdr::Data>> Session::get(const xdlms::CosemAttributeDescriptor& attribute,
                                                   std::optional<xdlms::SelectiveAccess> access) {
  auto guard = co_await mutex_.lock();
  co_return co_await get_unlocked(attribute, access);
}

asio::awaitable<Expected<axdr::Data>> Session::get_unlocked(
    const xdlms::CosemAttributeDescriptor& attribute,
    const std::optional<xdlms::SelectiveAccess>& access) {
  // Described only when something fails (it cost a string per GET).
  const auto phase = [&attribute] { return describe_get(attribute); };
  if (!open_ && !channel_) {
    co_return failure(make_error(ErrorCode::protocol_state, "session is not open"), phase());
  }
  const xdlms::InvokeIdAndPriority invoke = next_invoke();
  const xdlms::GetRequestNormal request{invoke, attribute, access};
  auto answer = co_await exchange(request.encode(), invoke);
  if (!answer) co_return failure(answer.error(), phase());
  if (const auto* normal = std::get_if<xdlms::GetResponseNormal>(&*answer)) {
    if (const auto* refusal = std::get_if<xdlms::DataAccessResult>(&normal->result)) {
      co_return failure(refused(*refusal), phase());
    }
    co_return std::move(std::get<axdr::Data>(normal->result));
  }
  const auto* block = std::get_if<xdlms::GetResponseWithDatablock>(&*answer);
  if (block == nullptr) co_return failure(unexpected(*answer), phase());
  auto whole =
      co_await read_blocks(*block, invoke, xdlms::GetBlockReassembler::Content::one_value, phase());
  if (!whole) co_return whole.error();
  co_return std::move(std::get<axdr::Data>(*whole));
}

asio::awaitable<Expected<std::vector<Expected<axdr::Data>>>> Session::get_many(
    const std::vector<xdlms::CosemAttributeDescriptor>& attributes) {
  auto guard = co_await mutex_.lock();
  co_return co_await get_many_unlocked(attributes);
}

asio::awaitable<Expected<xdlms::GetBlockReassembler::Step>> Session::read_blocks(
    const xdlms::GetResponseWithDatablock& first, xdlms::InvokeIdAndPriority invoke,
    xdlms::GetBlockReassembler::Content content, const std::string& phase) {
  xdlms::GetBlockReassembler reassembler(xdlms::GetBlockReassembler::kDefaultMaxTotalSize, {},
                                         content);
  auto step = reassembler.feed(first);
  while (true) {
    if (!step) co_return failure(step.error(), phase + " block transfer");
    if (!std::holds_alternative<xdlms::GetRequestNext>(*step)) co_return std::move(*step);
    const auto next = std::get<xdlms::GetRequestNext>(*step);
    auto more = co_await exchange(next.encode(), invoke);
    if (!more)
      co_return failure(more.error(), phase + " block " + std::to_string(next.block_number + 1));
    const auto* following = std::get_if<xdlms::GetResponseWithDatablock>(&*more);
    if (following == nullptr) co_return failure(unexpected(*more), phase + " block transfer");
    step = reassembler.feed(*following);
  }
}

asio::awaitable<Expected<std::optional<std::vector<xdlms::GetDataResult>>>> Session::get_with_list(
    const std::vector<xdlms::CosemAttributeDescriptor>& attributes) {
  const xdlms::InvokeIdAndPriority invoke = next_invoke();
  xdlms::GetRequestWithList request{invoke, {}};
  for (const auto& attribute : attributes) request.attributes.push_back({attribute, {}});
  const std::string phase = "GET with-list of " + std::to_string(attributes.size()) +
                            " attributes from " + attributes.front().instance.to_string();
  auto answer = co_await exchange(request.encode(), invoke, true);
  if (!answer) co_return failure(answer.error(), phase);
  std::vector<xdlms::GetDataResult> results;
  if (auto* list = std::get_if<xdlms::GetResponseWithList>(&*answer)) {
    results = std::move(list->results);
  } else if (const auto* block = std::get_if<xdlms::GetResponseWithDatablock>(&*answer)) {
    auto whole = co_await read_blocks(*block, invoke,
                                      xdlms::GetBlockReassembler::Content::result_list, phase);
    if (!whole) co_return whole.error();
    results = std::move(std::get<std::vector<xdlms::GetDataResult>>(*whole));
  } else {
    // The whole list refused: an exception-response or confirmed-service-error (pdu-too-long,
    // service-not-allowed), or a single data-access-result where the list's answer belongs.
    const auto* normal = std::get_if<xdlms::GetResponseNormal>(&*answer);
    const bool refused_whole =
        std::holds_alternative<xdlms::ExceptionResponse>(*answer) ||
        std::holds_alternative<xdlms::ConfirmedServiceError>(*answer) ||
        (normal != nullptr && std::holds_alternative<xdlms::DataAccessResult>(normal->result));
    if (!refused_whole) co_return failure(unexpected(*answer), phase);
    ++stats_.list_refusals;
    list_refusals_->refuse(attributes, ListRefusals::Clock::now());
    co_return std::optional<std::vector<xdlms::GetDataResult>>{};
  }
  if (results.size() != attributes.size()) {
    co_return failure(
        make_error(ErrorCode::malformed, std::to_string(results.size()) + " results for " +
                                             std::to_string(attributes.size()) + " attributes"),
        phase);
  }
  list_refusals_->accept(attributes);
  co_return std::optional<std::vector<xdlms::GetDataResult>>(std::move(results));
}

Bytes Session::list_request(const std::vector<xdlms::CosemAttributeDescriptor>& attributes,
                            std::size_t at, std::size_t count) const {
  xdlms::GetRequestWithList request{invoke_.next(), {}};
  for (std::size_t i = at; i < at + count; ++i) request.attributes.push_back({attributes[i], {}});
  return request.encode();
}

asio::awaitable<Expected<std::vector<Expected<axdr::Data>>>> Session::get_many_unlocked(
    const std::vector<xdlms::CosemAttributeDescriptor>& attributes) {
  std::vector<Expected<axdr::Data>> results;
  results.reserve(attributes.size());
  const bool with_list = conformance_.has(xdlms::ConformanceBit::multiple_references);
  for (std::size_t at = 0; at < attributes.size();) {
    std::size_t count = with_list ? std::min(kMaxListSize, attributes.size() - at) : 1;
    // A list request the meter could not receive is made shorter (down to single GETs).
    while (count > 1 && !fits_meter_pdu(list_request(attributes, at, count))) --count;
    const auto first = attributes.begin() + static_cast<std::ptrdiff_t>(at);
    const std::vector<xdlms::CosemAttributeDescriptor> chunk(
        first, first + static_cast<std::ptrdiff_t>(count));
    at += count;
    if (count > 1 && !list_refusals_->refused(chunk, ListRefusals::Clock::now())) {
      auto listed = co_await get_with_list(chunk);
      if (!listed) co_return listed.error();
      if (*listed) {
        for (std::size_t i = 0; i < count; ++i) {
          if (const auto* refusal = std::get_if<xdlms::DataAccessResult>(&(**listed)[i])) {
            results.push_back(failure(refused(*refusal), describe_get(chunk[i])));
          } else {
            results.push_back(std::move(std::get<axdr::Data>((**listed)[i])));
          }
        }
        continue;
      }
      // Refused as a whole: one GET each below, so that a bad attribute fails alone.
    }
    for (const auto& attribute : chunk) {
      auto value = co_await get_unlocked(attribute, std::nullopt);
      if (!value && value.error().code != ErrorCode::rejected) co_return value.error();
      results.push_back(std::move(value));
    }
  }
  co_return results;
}

asio::awaitable<Expected<void>> Session::set(const xdlms::CosemAttributeDescriptor& attribute,
                                             const axdr::Data& value, Deadline not_after) {
  auto guard = co_await mutex_.lock();
  const std::string phase = "SET " + attribute.instance.to_string() + " attribute " +
                            std::to_string(attribute.attribute_id);
  if (not_after && std::chrono::steady_clock::now() >= *not_after) co_return too_late(phase);
  const xdlms::InvokeIdAndPriority invoke = next_invoke();
  const xdlms::SetRequestNormal request{invoke, attribute, std::nullopt, value};
  const Bytes encoded = request.encode();
  Expected<xdlms::Apdu> answer = make_error(ErrorCode::protocol_state, "no answer");
  if (auto fits = fits_meter_pdu(encoded); fits) {
    answer = co_await exchange(encoded, invoke);
  } else {
    // Too long for one PDU: the A-XDR value in blocks, when the meter takes them.
    xdlms::SetRequestWithFirstDatablock first{invoke, attribute, std::nullopt, {}};
    const std::size_t payload = block_payload(first.encode());
    if (!conformance_.has(xdlms::ConformanceBit::block_transfer_with_set_or_write) ||
        payload == 0) {
      co_return failure(fits.error(), phase);
    }
    std::vector<Bytes> requests;
    for (auto& block : xdlms::split_into_blocks(axdr::encode_data(value), payload)) {
      if (block.block_number == 1) {
        first.block = std::move(block);
        requests.push_back(first.encode());
      } else {
        requests.push_back(xdlms::SetRequestWithDatablock{invoke, std::move(block)}.encode());
      }
    }
    answer = co_await send_blocks(requests, invoke);
  }
  if (!answer) co_return failure(answer.error(), phase);
  std::optional<xdlms::DataAccessResult> result;
  if (const auto* normal = std::get_if<xdlms::SetResponseNormal>(&*answer)) result = normal->result;
  if (const auto* last = std::get_if<xdlms::SetResponseLastDatablock>(&*answer)) {
    result = last->result;
  }
  if (!result) co_return failure(unexpected(*answer), phase);
  if (*result != xdlms::DataAccessResult::success) co_return failure(refused(*result), phase);
  co_return Expected<void>{};
}

asio::awaitable<Expected<std::optional<axdr::Data>>> Session::action(
    const xdlms::CosemMethodDescriptor& method, std::optional<axdr::Data> parameters,
    Deadline not_after) {
  auto guard = co_await mutex_.lock();
  if (not_after && std::chrono::steady_clock::now() >= *not_after) {
    co_return too_late("ACTION " + method.instance.to_string() + " method " +
                       std::to_string(method.method_id));
  }
  co_return co_await action_unlocked(method, parameters);
}

asio::awaitable<Expected<std::optional<axdr::Data>>> Session::action_unlocked(
    const xdlms::CosemMethodDescriptor& method, const std::optional<axdr::Data>& parameters) {
  const std::string phase =
      "ACTION " + method.instance.to_string() + " method " + std::to_string(method.method_id);
  const xdlms::InvokeIdAndPriority invoke = next_invoke();
  const xdlms::ActionRequestNormal request{invoke, method, parameters};
  const Bytes encoded = request.encode();
  Expected<xdlms::Apdu> answer = make_error(ErrorCode::protocol_state, "no answer");
  if (auto fits = fits_meter_pdu(encoded); fits) {
    answer = co_await exchange(encoded, invoke);
  } else {
    // Too long for one PDU (only parameters make it so): the A-XDR parameters in blocks.
    xdlms::ActionRequestWithFirstPblock first{invoke, method, {}};
    const std::size_t payload = block_payload(first.encode());
    if (!conformance_.has(xdlms::ConformanceBit::block_transfer_with_action) || payload == 0 ||
        !parameters) {
      co_return failure(fits.error(), phase);
    }
    std::vector<Bytes> requests;
    for (auto& block : xdlms::split_into_blocks(axdr::encode_data(*parameters), payload)) {
      if (block.block_number == 1) {
        first.block = std::move(block);
        requests.push_back(first.encode());
      } else {
        requests.push_back(xdlms::ActionRequestWithPblock{invoke, std::move(block)}.encode());
      }
    }
    answer = co_await send_blocks(requests, invoke);
  }
  if (!answer) co_return failure(answer.error(), phase);
  const auto* response = std::get_if<xdlms::ActionResponseNormal>(&*answer);
  if (response == nullptr) co_return failure(unexpected(*answer), phase);
  if (response->result != xdlms::ActionResult::success) {
    co_return failure(make_error(ErrorCode::rejected, xdlms::to_string(response->result)), phase);
  }
  if (!response->return_parameters) co_return std::optional<axdr::Data>{};
  if (const auto* refusal = std::get_if<xdlms::DataAccessResult>(&*response->return_parameters)) {
    co_return failure(refused(*refusal), phase);
  }
  co_return std::optional<axdr::Data>(std::get<axdr::Data>(*response->return_parameters));
}

asio::awaitable<Expected<MeterValue>> Session::read(
    const xdlms::CosemAttributeDescriptor& attribute) {
  const std::vector<xdlms::CosemAttributeDescriptor> one{attribute};
  auto values = co_await read_many(one);
  if (!values) co_return values.error();
  co_return std::move(values->front());
}

asio::awaitable<Expected<std::vector<Expected<MeterValue>>>> Session::read_many(
    const std::vector<xdlms::CosemAttributeDescriptor>& attributes) {
  auto guard = co_await mutex_.lock();
  // Scalers not cached yet are read in the same batch as the values.
  std::vector<xdlms::CosemAttributeDescriptor> batch;
  std::vector<std::pair<std::uint16_t, ObisCode>> scaler_keys;
  for (const auto& attribute : attributes) {
    const auto scaler = scaler_attribute_for(attribute);
    if (!scaler) continue;
    const std::pair key{attribute.class_id, attribute.instance};
    if (scalers_.find(key) != nullptr ||
        std::find(scaler_keys.begin(), scaler_keys.end(), key) != scaler_keys.end()) {
      continue;
    }
    scaler_keys.push_back(key);
    batch.push_back({attribute.class_id, attribute.instance, *scaler});
  }
  const std::size_t scaler_count = batch.size();
  batch.insert(batch.end(), attributes.begin(), attributes.end());
  auto results = co_await get_many_unlocked(batch);
  if (!results) co_return results.error();
  std::map<std::pair<std::uint16_t, ObisCode>, Error> scaler_errors;
  for (std::size_t i = 0; i < scaler_count; ++i) {
    Expected<axdr::Data>& result = (*results)[i];
    if (!result) {
      scaler_errors.emplace(scaler_keys[i], result.error());
      continue;
    }
    auto scaler = decode_scaler_unit(*result);
    if (!scaler) {
      scaler_errors.emplace(scaler_keys[i], failure(scaler.error(), describe_get(batch[i])));
      continue;
    }
    ++stats_.scaler_reads;
    scalers_.set(scaler_keys[i], *scaler);
  }
  std::vector<Expected<MeterValue>> values;
  values.reserve(attributes.size());
  for (std::size_t i = 0; i < attributes.size(); ++i) {
    Expected<axdr::Data>& result = (*results)[scaler_count + i];
    if (!result) {
      values.push_back(result.error());
      continue;
    }
    MeterValue value{attributes[i], std::move(*result), std::nullopt};
    // (A refused value reports its own error above, before any scaler error.)
    if (scaler_attribute_for(attributes[i])) {
      const std::pair key{attributes[i].class_id, attributes[i].instance};
      if (const auto error = scaler_errors.find(key); error != scaler_errors.end()) {
        values.push_back(error->second);
        continue;
      }
      value.scaler_unit = *scalers_.find(key);
    }
    values.push_back(std::move(value));
  }
  co_return values;
}

asio::awaitable<Expected<axdr::Data>> Session::read_profile(
    const ObisCode& profile,
    const std::variant<xdlms::RangeDescriptor, xdlms::EntryDescriptor>& selection) {
  const xdlms::CosemAttributeDescriptor buffer{
      static_cast<std::uint16_t>(cosem::InterfaceClass::profile_generic), profile, 2};
  const xdlms::SelectiveAccess access = std::visit(
      [](const auto& descriptor) { return descriptor.to_selective_access(); }, selection);
  co_return co_await get(buffer, access);
}

asio::awaitable<Expected<std::vector<ObjectListEntry>>> Session::read_object_list() {
  const xdlms::CosemAttributeDescriptor list{
      static_cast<std::uint16_t>(cosem::InterfaceClass::association_ln), kCurrentAssociation, 2};
  auto data = co_await get(list);
  if (!data) co_return data.error();
  auto entries = decode_object_list(*data);
  if (!entries) co_return failure(entries.error(), describe_get(list));
  co_return std::move(*entries);
}

std::chrono::steady_clock::time_point Session::keep_alive_due() const {
  if (!open_ || settings_->keep_alive_interval.count() <= 0) {
    return std::chrono::steady_clock::time_point::max();
  }
  return last_activity_ + settings_->keep_alive_interval;
}

asio::awaitable<Expected<void>> Session::keep_alive_if_idle() {
  auto guard = co_await mutex_.lock();
  if (!open_ || std::chrono::steady_clock::now() < keep_alive_due()) co_return Expected<void>{};
  ++stats_.keep_alives;
  const xdlms::CosemAttributeDescriptor probe{
      static_cast<std::uint16_t>(cosem::InterfaceClass::association_ln), kCurrentAssociation, 1};
  auto answer = co_await get_unlocked(probe, std::nullopt);
  if (!answer && answer.error().code != ErrorCode::rejected) {
    co_await close_unlocked();
    co_return failure(answer.error(), "keep-alive");
  }
  co_return Expected<void>{};
}

asio::awaitable<Expected<void>> Session::run_keep_alive() {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor);
  while (open_) {
    const auto due = keep_alive_due();
    if (due == std::chrono::steady_clock::time_point::max()) break;
    if (std::chrono::steady_clock::now() < due) {
      timer.expires_at(due);
      co_await timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
      continue;
    }
    if (auto kept = co_await keep_alive_if_idle(); !kept) co_return kept.error();
  }
  co_return Expected<void>{};
}

asio::awaitable<void> Session::close() {
  auto guard = co_await mutex_.lock();
  co_await close_unlocked();
}

void Session::abort() {
  open_ = false;
  if (channel_) channel_->abort();
}

asio::awaitable<void> Session::close_unlocked() {
  if (!channel_) co_return;
  if (open_ && channel_->is_open()) {
    const Bytes release = acse::encode_rlrq(acse::RlrqParameters{});
    if (co_await channel_->send(release)) {
      if (auto answer = co_await channel_->receive()) {
        // The association is released whatever the RLRE looks like.
        (void)acse::decode_rlre_leniently(*answer);
      }
    }
  }
  open_ = false;
  co_await channel_->close();
  channel_.reset();
}

}  // namespace dlmsgw::client
