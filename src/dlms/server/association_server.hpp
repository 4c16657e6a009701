#pragma once
// AssociationServer: the meter side of one connection's application layer, sans-I/O. It takes
// each xDLMS/ACSE APDU the link delivered (with the client SAP it came from and the current time)
// and returns the APDU to answer with.
//
//   AARQ -> AARE: application context, client SAP policy (no authentication, LLS password,
//     HLS-GMAC challenge), xDLMS InitiateRequest (DLMS version 6, conformance = proposed &
//     supported, max PDU sizes), glo-ciphered InitiateRequest/Response for ciphered clients.
//     Refusals carry the result-source-diagnostic a client can act on (authentication-failure,
//     authentication-mechanism-name-required, application-context-name-not-supported,...).
//   HLS-GMAC pass 3/4: ACTION 0-0:40.0.0 method 1 with f(StoC), verified with the client's system
//     title; the answer carries f(CtoS). Until then every other request is denied.
//   GET normal / next (block transfer when the answer exceeds the client's max receive PDU) /
//     with-list (only with multiple-references), SET normal / with-list, ACTION normal; SET and
//     ACTION with their value in blocks (with-first-datablock / with-datablock, with-first-pblock
//     / with-pblock, when block-transfer-with-set / -with-action was granted): each block but the
//     last is acknowledged by its number, the whole request is carried out after the last, up to
//     kMaxBlockTransfer bytes.
//     Services outside the negotiated conformance get an ExceptionResponse (service-not-allowed,
//     service-not-supported); unknown objects object-undefined.
//   Ciphered associations: requests must be glo-/general-ciphered with at least the configured
//     policy, their invocation counters must increase (kept per meter, across associations), and
//     answers are ciphered with the meter's own counter.
//   RLRQ -> RLRE; the association ends.

#include <cstdint>
#include <optional>
#include <variant>

#include "core/bytes.hpp"
#include "dlms/security/ciphered_apdu.hpp"
#include "dlms/server/server_config.hpp"
#include "dlms/server/simulated_meter.hpp"
#include "dlms/xdlms/apdu.hpp"

namespace dlmsgw::server {

struct AssociationStats {
  std::uint64_t requests = 0;         // xDLMS service requests handled
  std::uint64_t associations = 0;     // AARQs accepted
  std::uint64_t rejections = 0;       // AARQs refused
  std::uint64_t security_errors = 0;  // deciphering and invocation counter failures
  std::uint64_t releases = 0;         // RLRQs that ended an association (a polite client)
};

class AssociationServer {
 public:
  // The most a SET or ACTION in blocks may carry (a long-set/long-action-aborted beyond).
  static constexpr std::size_t kMaxBlockTransfer = std::size_t{64} * 1024;

  AssociationServer(SimulatedMeter& meter, const ServerConfig& config)
      : meter_(meter), config_(config) {}

  // One APDU from `client_sap`; the answer, or nothing when the APDU needs none.
  std::optional<Bytes> handle(ByteView apdu, std::uint16_t client_sap, std::int64_t now_unix_ms);

  // The link went down or was reset: the association is gone.
  void reset();

  [[nodiscard]] bool associated() const { return associated_; }
  [[nodiscard]] bool authenticated() const { return associated_ && info_.authenticated; }
  [[nodiscard]] const AssociationInfo& info() const { return info_; }
  [[nodiscard]] const AssociationStats& stats() const { return stats_; }
  // The largest APDU the client accepts (after the AARQ), for link adapters and fault injection.
  [[nodiscard]] std::uint16_t client_max_receive_pdu() const {
    return info_.client_max_receive_pdu;
  }

 private:
  struct PendingBlocks {
    xdlms::InvokeIdAndPriority invoke;
    Bytes data;
    std::size_t offset = 0;
    std::uint32_t block_number = 0;  // last block sent
  };

  Bytes handle_aarq(ByteView apdu, std::uint16_t client_sap);
  Bytes handle_rlrq(ByteView apdu);
  std::optional<Bytes> handle_ciphered(ByteView apdu, std::int64_t now_unix_ms);
  Bytes handle_plain(ByteView apdu, std::int64_t now_unix_ms);
  // A SET or ACTION whose value comes in blocks: where it goes and what has arrived.
  struct PendingWrite {
    std::variant<xdlms::AttributeWithSelection, xdlms::CosemMethodDescriptor> target;
    Bytes data;
    std::uint32_t block_number = 0;  // last block received
  };
  // Where a block leaves the transfer: more to come, a refusal, or the whole value.
  using BlockStep = std::variant<std::monostate, xdlms::DataAccessResult, axdr::Data>;

  Bytes handle_get(const xdlms::GetRequestNormal& request, const RequestContext& context);
  Bytes handle_set_first_block(const xdlms::SetRequestWithFirstDatablock& request,
                               const RequestContext& context);
  Bytes handle_set_block(const xdlms::SetRequestWithDatablock& request,
                         const RequestContext& context);
  Bytes finish_set_block(xdlms::InvokeIdAndPriority invoke, const xdlms::DataBlockSa& block,
                         const RequestContext& context);
  Bytes handle_action_first_block(const xdlms::ActionRequestWithFirstPblock& request,
                                  const RequestContext& context);
  Bytes handle_action_block(const xdlms::ActionRequestWithPblock& request,
                            const RequestContext& context);
  Bytes finish_action_block(xdlms::InvokeIdAndPriority invoke, const xdlms::DataBlockSa& block,
                            const RequestContext& context);
  // Adds `block` to the pending write: nothing while more must come, the value after the last.
  BlockStep accept_block(const xdlms::DataBlockSa& block);
  Bytes handle_get_next(const xdlms::GetRequestNext& request);
  Bytes handle_get_list(const xdlms::GetRequestWithList& request, const RequestContext& context);
  Bytes handle_set(const xdlms::SetRequestNormal& request, const RequestContext& context);
  Bytes handle_set_list(const xdlms::SetRequestWithList& request, const RequestContext& context);
  Bytes handle_action(const xdlms::ActionRequestNormal& request, const RequestContext& context);
  Bytes reply_to_hls(const xdlms::ActionRequestNormal& request);
  Bytes next_block(xdlms::InvokeIdAndPriority invoke);

  xdlms::GetDataResult get_attribute(const xdlms::AttributeWithSelection& item,
                                     const RequestContext& context) const;
  xdlms::DataAccessResult set_attribute(const xdlms::AttributeWithSelection& item,
                                        const axdr::Data& value, const RequestContext& context);
  [[nodiscard]] bool granted(xdlms::ConformanceBit bit) const;
  [[nodiscard]] std::size_t max_plain_response() const;
  security::SecurityContext security_context() const;
  Expected<Bytes> protect(ByteView plain);

  SimulatedMeter& meter_;
  const ServerConfig& config_;
  bool associated_ = false;
  bool ciphered_ = false;
  // The form of the request being answered: a meter answers in kind (general-glo-ciphering to
  // general-glo-ciphering, glo- to glo-), as clients such as dlms-cosem expect.
  security::CipheringForm answer_form_ = security::CipheringForm::service_specific;
  AssociationInfo info_;
  std::optional<security::SystemTitle> client_title_;
  Bytes client_challenge_;  // CtoS
  Bytes server_challenge_;  // StoC
  std::optional<PendingBlocks> pending_;
  std::optional<PendingWrite> pending_write_;
  AssociationStats stats_;
};

// The answer to an xDLMS request the server will not carry out at all.
Bytes service_not_allowed(xdlms::ServiceError error = xdlms::ServiceError::service_not_supported);

}  // namespace dlmsgw::server
