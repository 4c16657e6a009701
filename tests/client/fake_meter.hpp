#pragma once
// A scripted fake meter for client tests: a real loopback TCP listener whose server side is built
// from the protocol library's server-role pieces (HdlcLink in the server role, encode_aare,
// Get-Response encoders, the security module). Tests either let MeterModel answer every request
// (serve()) or drive the exchange by hand to misbehave on purpose: split frames, garbage, RNR,
// stale answers, silence, a reset connection.

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <optional>

#include "core/hex.hpp"
#include "dlms/acse/aare.hpp"
#include "dlms/acse/aarq.hpp"
#include "dlms/acse/release_response.hpp"
#include "dlms/axdr/data_codec.hpp"
#include "dlms/hdlc/hdlc_link.hpp"
#include "dlms/security/ciphered_apdu.hpp"
#include "dlms/security/ciphered_apdu_tag.hpp"
#include "dlms/security/hls_gmac.hpp"
#include "dlms/wrapper/wrapper_reassembler.hpp"
#include "dlms/xdlms/apdu.hpp"
#include "dlms/xdlms/initiate.hpp"
#include "net/asio_byte_stream.hpp"
#include "support/run_coroutine.hpp"

namespace dlmsgw::client::fake {

using namespace std::chrono_literals;
using asio::ip::tcp;

using test::run;
using test::wait_until;

inline asio::awaitable<void> sleep_for(std::chrono::milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(asio::use_awaitable);
}

inline security::SystemTitle title(std::string_view hex) {
  return *security::SystemTitle::from_hex(hex);
}
inline security::AesKey128 key(std::string_view hex) {
  return *security::AesKey128::from_hex("test key", hex);
}

// The Green Book example keys.
inline const security::AesKey128 kBlockKey = key("000102030405060708090A0B0C0D0E0F");
inline const security::AesKey128 kAuthKey = key("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF");
inline const security::SystemTitle kClientTitle = title("4D4D4D0000000001");
inline const security::SystemTitle kMeterTitle = title("4D4D4D0000BC614E");

// Answers like a meter: an association (LLS, HLS-GMAC, ciphering), GET (normal, next, with-list),
// SET and ACTION over a table of objects. Everything it saw is recorded for assertions.
struct MeterModel {
  xdlms::Conformance conformance{0x00301D};
  std::uint16_t max_pdu = 1200;
  std::string password = "22222222";
  // Values by (OBIS, attribute).
  std::map<std::pair<ObisCode, int>, axdr::Data> objects;
  // GET answers whose encoded value exceeds this many bytes go by block transfer (0: never).
  std::size_t block_size = 0;
  // Security: set `ciphered` for glo-ciphered APDUs; `hls` for HLS-GMAC.
  bool ciphered = false;
  bool hls = false;
  security::SecurityPolicy policy = security::SecurityPolicy::authenticated_encrypted;
  security::AesKey128 authentication_key = kAuthKey;  // what the meter uses for f(CtoS)
  Bytes server_challenge = *parse_hex("0102030405060708090A0B0C0D0E0F10");
  bool malformed_rlre = false;

  // Records.
  std::vector<Bytes> plain_requests;
  std::vector<std::uint8_t> invoke_bytes;
  int get_normal = 0;
  int get_next = 0;
  int get_with_list = 0;
  std::map<std::pair<ObisCode, int>, int> get_counts;
  bool hls_verified = false;
  bool released = false;

  // Server-side security state.
  std::optional<security::SecurityContext> security_context;
  Bytes client_challenge;
  std::vector<Bytes> pending_blocks;
  std::uint32_t next_block = 0;

  int count(const ObisCode& obis, int attribute) const {
    const auto found = get_counts.find({obis, attribute});
    return found == get_counts.end() ? 0 : found->second;
  }

  void add_register(const ObisCode& obis, axdr::Data value, std::int8_t scaler, std::uint8_t unit) {
    objects[{obis, 2}] = std::move(value);
    objects[{obis, 3}] =
        axdr::Data::structure({axdr::Data::integer(scaler), axdr::Data::enumerated(unit)});
  }

  Bytes seal(const Bytes& plain) {
    if (!security_context || !ciphered) return plain;
    auto sealed = security::protect(plain, *security_context);
    EXPECT_TRUE(sealed) << sealed.error().message;
    security_context->invocation_counter = *security_context->invocation_counter.next();
    return *sealed;
  }

  Bytes answer_aarq(const Bytes& request) {
    auto aarq = acse::decode_aarq(request);
    EXPECT_TRUE(aarq) << aarq.error().message;
    acse::AareParameters aare;
    aare.application_context = aarq->application_context;
    aare.mechanism = aarq->mechanism;
    if (ciphered || hls) {
      security::SecurityContext context;
      context.policy = policy;
      context.own_system_title = kMeterTitle;
      context.global_key = kBlockKey;
      context.authentication_key = kAuthKey;
      if (aarq->calling_ap_title) {
        context.peer_system_title = *security::SystemTitle::from_bytes(*aarq->calling_ap_title);
      }
      security_context = context;
      const auto own = kMeterTitle.bytes();
      aare.responding_ap_title = Bytes(own.begin(), own.end());
    }
    Bytes initiate_bytes = aarq->user_information.value_or(Bytes{});
    if (ciphered && !initiate_bytes.empty()) {
      auto opened = security::unprotect(initiate_bytes, *security_context);
      EXPECT_TRUE(opened) << opened.error().message;
      if (opened) initiate_bytes = opened->apdu;
    }
    auto initiate = xdlms::InitiateRequest::decode(initiate_bytes);
    EXPECT_TRUE(initiate) << initiate.error().message;
    if (aarq->mechanism == acse::MechanismName::low) {
      const Bytes expected(password.begin(), password.end());
      if (aarq->calling_authentication_value != expected) {
        aare.result = acse::AssociationResult::rejected_permanent;
        aare.diagnostic = acse::ResultSourceDiagnostic::user(
            acse::AcseServiceUserDiagnostic::authentication_failure);
        return *acse::encode_aare(aare);
      }
    }
    if (aarq->mechanism == acse::MechanismName::high_gmac) {
      client_challenge = aarq->calling_authentication_value.value_or(Bytes{});
      aare.diagnostic = acse::ResultSourceDiagnostic::user(
          acse::AcseServiceUserDiagnostic::authentication_required);
      aare.responding_authentication_value = server_challenge;
    }
    xdlms::InitiateResponse response;
    response.negotiated_conformance = conformance & initiate->proposed_conformance;
    response.server_max_receive_pdu_size = max_pdu;
    if (ciphered) {
      aare.user_information = acse::CipheredUserInformation{seal(response.encode())};
    } else {
      aare.user_information = response;
    }
    return *acse::encode_aare(aare);
  }

  xdlms::GetDataResult result_for(const xdlms::CosemAttributeDescriptor& attribute) {
    ++get_counts[{attribute.instance, attribute.attribute_id}];
    const auto found = objects.find({attribute.instance, attribute.attribute_id});
    if (found == objects.end()) return xdlms::DataAccessResult::object_undefined;
    return found->second;
  }

  Bytes block(xdlms::InvokeIdAndPriority invoke) {
    xdlms::GetResponseWithDatablock response;
    response.invoke = invoke;
    response.block_number = next_block + 1;
    response.last_block = next_block + 1 == pending_blocks.size();
    response.result = pending_blocks[next_block];
    ++next_block;
    return response.encode();
  }

  // The plain answer to a plain request.
  Bytes answer_plain(const Bytes& request) {
    plain_requests.push_back(request);
    auto apdu = xdlms::decode_apdu(request);
    EXPECT_TRUE(apdu) << apdu.error().message;
    if (!apdu) return xdlms::ExceptionResponse{}.encode();
    if (auto* get = std::get_if<xdlms::GetRequestNormal>(&*apdu)) {
      ++get_normal;
      invoke_bytes.push_back(get->invoke.to_byte());
      xdlms::GetDataResult result = result_for(get->attribute);
      if (const auto* data = std::get_if<axdr::Data>(&result); data && block_size > 0) {
        const Bytes encoded = axdr::encode_data(*data);
        if (encoded.size() > block_size) {
          pending_blocks.clear();
          next_block = 0;
          for (std::size_t at = 0; at < encoded.size(); at += block_size) {
            const auto first = encoded.begin() + static_cast<std::ptrdiff_t>(at);
            pending_blocks.emplace_back(first, first + static_cast<std::ptrdiff_t>(std::min(
                                                           block_size, encoded.size() - at)));
          }
          return block(get->invoke);
        }
      }
      return xdlms::GetResponseNormal{get->invoke, result}.encode();
    }
    if (auto* next = std::get_if<xdlms::GetRequestNext>(&*apdu)) {
      ++get_next;
      invoke_bytes.push_back(next->invoke.to_byte());
      EXPECT_EQ(next->block_number, next_block);
      return block(next->invoke);
    }
    if (auto* list = std::get_if<xdlms::GetRequestWithList>(&*apdu)) {
      ++get_with_list;
      invoke_bytes.push_back(list->invoke.to_byte());
      xdlms::GetResponseWithList response{list->invoke, {}};
      for (const auto& item : list->attributes)
        response.results.push_back(result_for(item.attribute));
      return response.encode();
    }
    if (auto* set = std::get_if<xdlms::SetRequestNormal>(&*apdu)) {
      objects[{set->attribute.instance, set->attribute.attribute_id}] = set->value;
      return xdlms::SetResponseNormal{set->invoke, xdlms::DataAccessResult::success}.encode();
    }
    if (auto* action = std::get_if<xdlms::ActionRequestNormal>(&*apdu)) {
      xdlms::ActionResponseNormal response{action->invoke, xdlms::ActionResult::success, {}};
      if (action->method.class_id == 15 && action->method.method_id == 1 && hls) {
        const Bytes* proof = action->parameters ? action->parameters->as_bytes() : nullptr;
        const security::SecurityKeys keys{kBlockKey, kAuthKey};
        auto verified =
            proof ? security::verify_hls_gmac_response(*proof, server_challenge,
                                                       *security_context->peer_system_title, keys)
                  : Expected<security::InvocationCounter>(make_error(ErrorCode::malformed, "none"));
        hls_verified = verified.has_value();
        if (!verified) {
          response.result = xdlms::ActionResult::other_reason;
        } else {
          const security::SecurityKeys own{kBlockKey, authentication_key};
          auto answer = security::hls_gmac_response(client_challenge, kMeterTitle,
                                                    security_context->invocation_counter, own);
          security_context->invocation_counter = *security_context->invocation_counter.next();
          response.return_parameters = xdlms::GetDataResult(axdr::Data::octet_string(*answer));
        }
      }
      return response.encode();
    }
    return xdlms::ExceptionResponse{}.encode();
  }

  // Any request, as the meter would answer it (ciphered when the request was).
  Bytes answer(const Bytes& request) {
    if (request.empty()) return {};
    if (request.front() == acse::kAarqTag) return answer_aarq(request);
    if (request.front() == 0x62) {
      released = true;
      if (malformed_rlre) return *parse_hex("63 05 80");
      return acse::encode_rlre({});
    }
    if (security::describe_ciphered_tag(request.front())) {
      auto opened = security::unprotect(request, *security_context);
      EXPECT_TRUE(opened) << opened.error().message;
      if (!opened)
        return xdlms::ExceptionResponse{
            xdlms::StateError::service_not_allowed, xdlms::ServiceError::deciphering_error, {}}
            .encode();
      return seal(answer_plain(opened->apdu));
    }
    return answer_plain(request);
  }
};

// How the meter writes a frame.
struct WriteStyle {
  bool byte_by_byte = false;
  Bytes garbage_before;
};

class FakeMeter {
 public:
  enum class Framing { hdlc, wrapper };

  explicit FakeMeter(asio::io_context& io, Framing framing = Framing::hdlc)
      : io_(io),
        framing_(framing),
        acceptor_(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    hdlc::LinkConfig config;
    config.role = hdlc::LinkRole::server;
    config.local = *hdlc::HdlcAddress::server_one_byte(0, 1);
    // One-byte parameter values in the UA, like the user's meter.
    config.parameters.max_info_transmit = 128;
    config.parameters.max_info_receive = 128;
    link_.emplace(*hdlc::HdlcLink::create(config));
  }

  [[nodiscard]] std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  hdlc::HdlcLink& link() { return *link_; }
  [[nodiscard]] bool disconnected() const { return disconnected_; }
  [[nodiscard]] int connections() const { return connections_; }

  asio::awaitable<bool> accept() {
    auto [error, socket] =
        co_await acceptor_.async_accept(asio::experimental::as_tuple(asio::use_awaitable));
    if (error) co_return false;
    ++connections_;
    stream_.emplace(std::move(socket), "fake meter");
    co_return true;
  }

  // The next APDU from the client; nullopt when the client went away, disconnected or was silent.
  asio::awaitable<std::optional<Bytes>> receive_apdu(std::chrono::milliseconds timeout = 10s) {
    std::array<std::uint8_t, 4096> buffer{};
    while (apdus_.empty()) {
      if (!stream_ || disconnected_) co_return std::nullopt;
      auto count = co_await stream_->read_some(buffer, timeout);
      if (!count) co_return std::nullopt;
      const ByteView bytes(buffer.data(), *count);
      if (framing_ == Framing::wrapper) {
        if (!wrapper_.feed(bytes)) co_return std::nullopt;
        while (auto frame = wrapper_.pop()) apdus_.push_back(frame->apdu);
        continue;
      }
      co_await handle(link_->on_bytes(bytes));
    }
    Bytes apdu = std::move(apdus_.front());
    apdus_.erase(apdus_.begin());
    co_return apdu;
  }

  // Raw bytes from the client (for tests that answer by hand).
  asio::awaitable<Bytes> read_raw(std::chrono::milliseconds timeout = 10s) {
    std::array<std::uint8_t, 4096> buffer{};
    auto count = co_await stream_->read_some(buffer, timeout);
    if (!count) co_return Bytes{};
    co_return Bytes(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*count));
  }

  // The frames (or wrapper frame) carrying `apdu`, as they would be written now.
  Bytes encode_apdu(ByteView apdu) {
    if (framing_ == Framing::wrapper) {
      return *wrapper::encode_wrapper_frame({1, 1, Bytes(apdu.begin(), apdu.end())});
    }
    auto out = link_->send_apdu(apdu);
    EXPECT_TRUE(out) << out.error().message;
    Bytes all;
    for (const Bytes& frame : out->frames) all.insert(all.end(), frame.begin(), frame.end());
    return all;
  }

  asio::awaitable<void> send_apdu(ByteView apdu, WriteStyle style = {}) {
    co_await write_raw(encode_apdu(apdu), style);
  }

  asio::awaitable<void> write_raw(ByteView bytes, WriteStyle style = {}) {
    if (!stream_) co_return;
    if (!style.garbage_before.empty()) (void)co_await stream_->write(style.garbage_before, 2s);
    if (!style.byte_by_byte) {
      (void)co_await stream_->write(bytes, 2s);
      co_return;
    }
    for (const std::uint8_t byte : bytes) {
      const std::array<std::uint8_t, 1> one{byte};
      (void)co_await stream_->write(one, 2s);
      co_await sleep_for(1ms);
    }
  }

  // Closes with a TCP reset (linger 0).
  void reset() {
    if (!stream_) return;
    stream_->native().set_option(asio::socket_base::linger(true, 0));
    stream_->close();
  }
  void close() {
    if (stream_) stream_->close();
  }

  // Answers every request from `model` until the client leaves.
  asio::awaitable<void> serve(MeterModel& model, WriteStyle style = {}) {
    if (!co_await accept()) co_return;
    while (auto request = co_await receive_apdu()) {
      co_await send_apdu(model.answer(*request), style);
    }
  }

 private:
  asio::awaitable<void> handle(hdlc::LinkOutput output) {
    for (const Bytes& frame : output.frames) (void)co_await stream_->write(frame, 2s);
    for (auto& event : output.events) {
      if (event.kind == hdlc::LinkEvent::Kind::apdu_received)
        apdus_.push_back(std::move(event.data));
      if (event.kind == hdlc::LinkEvent::Kind::disconnected) disconnected_ = true;
    }
  }

  asio::io_context& io_;
  Framing framing_;
  tcp::acceptor acceptor_;
  std::optional<net::AsioByteStream<tcp::socket>> stream_;
  std::optional<hdlc::HdlcLink> link_;
  wrapper::WrapperReassembler wrapper_;
  std::vector<Bytes> apdus_;
  bool disconnected_ = false;
  int connections_ = 0;
};

}  // namespace dlmsgw::client::fake
