#pragma once
// Session: one meter, one association, driven from coroutines on one executor.
//
//   Session meter(settings);
//   if (auto opened = co_await meter.open(); !opened) ...   // connect, SNRM/UA, AARQ/AARE (+HLS)
//   auto voltage = co_await meter.read(descriptor);          // value with scaler and unit
//   co_await meter.close();                                  // RLRQ then DISC, best effort
//
// What it promises:
// - Every call ends in a value or an Error whose message names the meter, its address and the
//   phase: "meter 'kitchen' 127.0.0.1:3333: AARQ: AARE rejected: authentication failure
//   (diagnostic 13)", "... GET 1-1:32.7.0 attribute 2: object-undefined (4)".
// - Requests are serialised (the keep-alive never interleaves with a request); a response whose
//   invoke id is not the current request's (a late answer to an earlier one) is dropped. After a
//   timeout the next request is preceded by a probe GET, and every answer before the probe's (a
//   late exception-response or confirmed-service-error has no invoke id) is dropped; a meter that
//   does not answer the probe gets its connection closed (is_open() false), never a wrong answer.
// - Invoke ids are 4 bits (InvokeIdAndPriority) and wrap 15 -> 0: the request byte is 0xC0..0xCF.
// - GET with-list is used only when the meter granted multiple-references; otherwise one GET per
//   object. Long values arrive by block transfer (GetRequestNext until the last block), with-list
//   answers too. A list the meter refuses as a whole (exception-response, confirmed-service-error)
//   is read one GET per attribute at once and, remembered in ListRefusals, until its retry time.
// - A register's scaler_unit is read once per association and cached, so a poll of N registers
//   costs N GETs after the first cycle.
// - With security, every xDLMS APDU after the AARQ is glo-ciphered (suite 0); invocation counters
//   persist through an InvocationCounterStore. With ConnectionSettings::frame_counter_obis, open()
//   first reads the meter's own counter as the public client (a connection of its own, released
//   before ours opens) and continues from max(stored, meter's + 1); a failed read fails open().
// - No request exceeds the meter's max receive PDU (from its AARE): a GET-with-list is made
//   shorter; a SET or ACTION that cannot fit goes in blocks (Set-Request-With-First-Datablock /
//   -With-Datablock, Action-Request-With-First-Pblock / -With-Pblock, one invoke id, each block
//   acknowledged before the next) when the meter granted block transfer with SET / with ACTION,
//   and otherwise fails before anything is sent.

#include <asio/awaitable.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "client/apdu_channel.hpp"
#include "client/async_mutex.hpp"
#include "client/connection_settings.hpp"
#include "client/invocation_counter_store.hpp"
#include "client/list_refusals.hpp"
#include "client/meter_value.hpp"
#include "client/object_list.hpp"
#include "dlms/axdr/data.hpp"
#include "dlms/security/ciphered_apdu.hpp"
#include "dlms/security/invocation_counter_guard.hpp"
#include "dlms/xdlms/apdu.hpp"
#include "dlms/xdlms/conformance.hpp"
#include "dlms/xdlms/cosem_descriptor.hpp"
#include "dlms/xdlms/get_block_reassembler.hpp"
#include "dlms/xdlms/invoke_id_and_priority.hpp"
#include "dlms/xdlms/selective_access.hpp"

namespace dlmsgw::client {

struct SessionStats {
  std::uint64_t requests = 0;         // APDUs sent after the AARQ (GET, GET-next, SET, ACTION)
  std::uint64_t stale_responses = 0;  // answers dropped for a wrong invoke id
  std::uint64_t resyncs = 0;          // re-synchronisations after a timeout
  std::uint64_t list_refusals = 0;    // GET-with-list requests refused as a whole
  std::uint64_t keep_alives = 0;
  std::uint64_t scaler_reads = 0;
};

// The association LN object every LN association can see (class 15).
inline constexpr ObisCode kCurrentAssociation{0, 0, 40, 0, 0, 255};

class Session {
 public:
  explicit Session(ConnectionSettings settings, InvocationCounterStore* counters = nullptr);
  // Shares the caller's settings instead of a copy (272 bytes and their strings, per meter).
  explicit Session(std::shared_ptr<const ConnectionSettings> settings,
                   InvocationCounterStore* counters = nullptr);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Sees every frame from the next open() on, and at once on an open connection: tracing can be
  // switched on and off (an empty trace) while a meter is being read, without reconnecting.
  void set_trace(FrameTrace trace) {
    trace_ = std::move(trace);
    if (channel_) channel_->set_trace(trace_);
  }

  // Which GET-with-list requests this meter refused as a whole. A caller that opens several
  // sessions to one meter in turn (the gateway's worker) hands each the same one.
  void set_list_refusals(std::shared_ptr<ListRefusals> refusals) {
    if (refusals) list_refusals_ = std::move(refusals);
  }
  [[nodiscard]] const ListRefusals& list_refusals() const { return *list_refusals_; }

  // Connects the transport of the settings and opens the association.
  asio::awaitable<Expected<void>> open();
  // Opens the association over a channel the caller connected (tests, shared serial buses).
  asio::awaitable<Expected<void>> open(std::unique_ptr<ApduChannel> channel);
  // RLRQ (a malformed RLRE is tolerated), then the link's DISC; never fails, safe to call twice.
  asio::awaitable<void> close();
  // Drops the connection at once (no RLRQ, no DISC): a pending request ends with an error. For a
  // shutdown that cannot wait for a silent meter; close() is the polite way.
  void abort();

  asio::awaitable<Expected<axdr::Data>> get(const xdlms::CosemAttributeDescriptor& attribute,
                                            std::optional<xdlms::SelectiveAccess> access = {});
  // One result per descriptor. A refused object gives its own `rejected` error; a transport or
  // protocol failure fails the whole call.
  asio::awaitable<Expected<std::vector<Expected<axdr::Data>>>> get_many(
      const std::vector<xdlms::CosemAttributeDescriptor>& attributes);
  // `not_after`: when the session is still busy with other requests at that time, nothing is
  // sent and the result is a `timeout` error ("not sent"): a change to the meter that the caller
  // has already reported as failed must not happen behind its back. Once started it completes.
  using Deadline = std::optional<std::chrono::steady_clock::time_point>;
  asio::awaitable<Expected<void>> set(const xdlms::CosemAttributeDescriptor& attribute,
                                      const axdr::Data& value, Deadline not_after = {});
  // The return parameters, if the meter sent any.
  asio::awaitable<Expected<std::optional<axdr::Data>>> action(
      const xdlms::CosemMethodDescriptor& method, std::optional<axdr::Data> parameters = {},
      Deadline not_after = {});

  // GET with the register's scaler_unit (cached) attached.
  asio::awaitable<Expected<MeterValue>> read(const xdlms::CosemAttributeDescriptor& attribute);
  asio::awaitable<Expected<std::vector<Expected<MeterValue>>>> read_many(
      const std::vector<xdlms::CosemAttributeDescriptor>& attributes);

  // A profile generic buffer (class 7 attribute 2) restricted by range or entry.
  asio::awaitable<Expected<axdr::Data>> read_profile(
      const ObisCode& profile,
      const std::variant<xdlms::RangeDescriptor, xdlms::EntryDescriptor>& selection);
  // Attribute 2 of the current association (0-0:40.0.0.255).
  asio::awaitable<Expected<std::vector<ObjectListEntry>>> read_object_list();

  // Sends a cheap GET whenever the session was idle for the keep-alive interval, until the
  // session is closed or a keep-alive fails (then the session is closed and the error returned).
  // Spawn it beside the requests.
  asio::awaitable<Expected<void>> run_keep_alive();
  // One keep-alive GET (attribute 1 of the current association) when the session has been idle
  // for the keep-alive interval by the time it holds the session's mutex, so it never comes
  // between the parts of another request. A meter's refusal (rejected) still kept the link
  // alive; any other failure closes the session and is returned.
  asio::awaitable<Expected<void>> keep_alive_if_idle();
  // When keep_alive_if_idle() will next have something to do; max() when keep-alive is off (an
  // interval of 0) or the session is not open.
  [[nodiscard]] std::chrono::steady_clock::time_point keep_alive_due() const;

  // False once the meter closed or reset the connection or dropped the link: open() again.
  [[nodiscard]] bool is_open() const { return open_ && channel_ && channel_->is_open(); }
  [[nodiscard]] xdlms::Conformance negotiated_conformance() const { return conformance_; }
  [[nodiscard]] std::uint16_t server_max_pdu_size() const { return server_max_pdu_; }
  [[nodiscard]] const ConnectionSettings& settings() const { return *settings_; }
  [[nodiscard]] const SessionStats& stats() const { return stats_; }
  [[nodiscard]] std::optional<cosem::ScalerUnit> cached_scaler_unit(std::uint16_t class_id,
                                                                    const ObisCode& obis) const;

 private:
  struct Cipher {
    security::SecurityContext context;
    security::InvocationCounterGuard guard;
    std::string tx_key;
    std::string rx_key;
  };

  // `meter_counter`: the meter's frame counter read just before (frame_counter_obis).
  asio::awaitable<Expected<void>> associate(std::optional<std::uint32_t> meter_counter);
  // The meter's frame counter through a public association (see the header comment).
  asio::awaitable<Expected<std::uint32_t>> read_meter_frame_counter();
  asio::awaitable<Expected<void>> authenticate_hls_gmac(const Bytes& client_challenge,
                                                        const Bytes& server_challenge);
  // Sends one request (ciphered when the association is) and returns the answer with its invoke
  // id; stale answers are dropped. An exception-response or confirmed-service-error is an error
  // (`rejected`), or with `service_errors_as_answers` returned as the answer.
  asio::awaitable<Expected<xdlms::Apdu>> exchange(const Bytes& request,
                                                  xdlms::InvokeIdAndPriority invoke,
                                                  bool service_errors_as_answers = false);
  asio::awaitable<Expected<void>> send_request(const Bytes& request);
  // The next answer, deciphered and decoded.
  asio::awaitable<Expected<xdlms::Apdu>> receive_answer();
  // After a timeout: see the header comment.
  asio::awaitable<Expected<void>> resynchronise();
  asio::awaitable<Error> give_up_unsynchronised(const Error& error);
  asio::awaitable<Expected<axdr::Data>> get_unlocked(
      const xdlms::CosemAttributeDescriptor& attribute,
      const std::optional<xdlms::SelectiveAccess>& access);
  asio::awaitable<Expected<std::vector<Expected<axdr::Data>>>> get_many_unlocked(
      const std::vector<xdlms::CosemAttributeDescriptor>& attributes);
  // One GET-with-list; nullopt when the meter refused the list as a whole (then remembered).
  asio::awaitable<Expected<std::optional<std::vector<xdlms::GetDataResult>>>> get_with_list(
      const std::vector<xdlms::CosemAttributeDescriptor>& attributes);
  // Get-Request-Next after `first` until the last block; the value or the list of results.
  asio::awaitable<Expected<xdlms::GetBlockReassembler::Step>> read_blocks(
      const xdlms::GetResponseWithDatablock& first, xdlms::InvokeIdAndPriority invoke,
      xdlms::GetBlockReassembler::Content content, const std::string& phase);
  // The requests of one SET or ACTION in blocks, sent one after the other: the answer to the last,
  // or the first answer that is not the acknowledgement of the block just sent (a refusal).
  asio::awaitable<Expected<xdlms::Apdu>> send_blocks(const std::vector<Bytes>& requests,
                                                     xdlms::InvokeIdAndPriority invoke);
  // How many bytes of raw data a block may carry when `empty_block` (the first request of the
  // transfer with no raw data) is its header; 0 when not even one byte fits.
  [[nodiscard]] std::size_t block_payload(const Bytes& empty_block) const;
  asio::awaitable<Expected<std::optional<axdr::Data>>> action_unlocked(
      const xdlms::CosemMethodDescriptor& method, const std::optional<axdr::Data>& parameters);
  asio::awaitable<void> close_unlocked();

  Error lost(Error error);
  // Sessions under one system title and key (several meters of one gateway, a reload's old and new
  // worker) share the store's counter: before each use this session takes the store's next value
  // when it is ahead of its own, so that no value is used twice under one key (an AES-GCM IV).
  Expected<void> catch_up_invocation_counter();
  Expected<Bytes> protect(const Bytes& apdu);
  Expected<Bytes> unprotect(const Bytes& apdu);
  xdlms::InvokeIdAndPriority next_invoke();
  Error failure(const Error& error, const std::string& phase) const;
  // The size of `request` on the wire (ciphered when the association is).
  [[nodiscard]] std::size_t wire_size(const Bytes& request) const;
  // An error naming both sizes when `request` exceeds the meter's max receive PDU.
  [[nodiscard]] Expected<void> fits_meter_pdu(const Bytes& request) const;
  [[nodiscard]] Bytes list_request(const std::vector<xdlms::CosemAttributeDescriptor>& attributes,
                                   std::size_t at, std::size_t count) const;
  // The error for a request whose deadline passed while it waited for the session.
  [[nodiscard]] Error too_late(const std::string& phase) const;
  [[nodiscard]] std::string counter_hint() const;
  void touch() { last_activity_ = std::chrono::steady_clock::now(); }

  std::shared_ptr<const ConnectionSettings> settings_;  // never null
  // Without a store from the caller the counters still carry over between open() calls of this
  // session: restarting at 0 would reuse AES-GCM nonces and make the meter refuse a replay.
  MemoryInvocationCounterStore own_counters_;
  InvocationCounterStore* counters_;
  FrameTrace trace_;
  std::unique_ptr<ApduChannel> channel_;
  AsyncMutex mutex_;
  bool open_ = false;
  bool resync_needed_ = false;
  xdlms::InvokeIdAndPriority invoke_;
  xdlms::Conformance conformance_;
  std::uint16_t server_max_pdu_ = 0;
  std::optional<Cipher> cipher_;
  // Read by open() for the association it is about to make; associate() takes it.
  std::optional<std::uint32_t> meter_frame_counter_;
  std::shared_ptr<ListRefusals> list_refusals_;
  // Scaler and unit by (class, OBIS), for the association: a sorted vector, not a map (a map
  // node a register is some 300 bytes more a meter, times thousands).
  class ScalerCache {
   public:
    using Key = std::pair<std::uint16_t, ObisCode>;
    [[nodiscard]] const cosem::ScalerUnit* find(const Key& key) const;
    void set(const Key& key, cosem::ScalerUnit value);
    void clear() { entries_.clear(); }

   private:
    std::vector<std::pair<Key, cosem::ScalerUnit>> entries_;
  };
  ScalerCache scalers_;
  std::chrono::steady_clock::time_point last_activity_{};
  SessionStats stats_;
};

// "GET 1-1:32.7.0 attribute 2", as errors name a request.
std::string describe_get(const xdlms::CosemAttributeDescriptor& attribute);

}  // namespace dlmsgw::client
