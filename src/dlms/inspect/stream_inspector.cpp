#include "dlms/inspect/stream_inspector.hpp"

#include <map>

#include "core/hex.hpp"
#include "dlms/hdlc/deframer.hpp"
#include "dlms/hdlc/link_parameters.hpp"
#include "dlms/inspect/apdu_inspector.hpp"
#include "dlms/wrapper/wrapper_frame.hpp"
#include "dlms/wrapper/wrapper_reassembler.hpp"

namespace dlmsgw::inspect {
namespace {

// The LLC header that opens every APDU in an HDLC I or UI frame (IEC 62056-46 / Green Book 8.4.1).
constexpr std::uint8_t kLlcDestination = 0xE6;
constexpr std::size_t kLlcSize = 3;

std::string llc_direction(ByteView information) {
  if (information.size() < kLlcSize || information[0] != kLlcDestination || information[2] != 0x00)
    return {};
  if (information[1] == 0xE6) return "client to server";
  if (information[1] == 0xE7) return "server to client";
  return {};
}

std::string frame_key(const hdlc::Frame& frame) {
  return frame.source.to_string() + ">" + frame.destination.to_string();
}

// Segments of one APDU, per direction, until the frame without the segmentation bit.
using Reassembly = std::map<std::string, Bytes>;

Inspection inspect_hdlc_frame(const hdlc::Frame& frame, Reassembly& reassembly) {
  Inspection node{"HDLC frame", frame.control.to_string(), {}};
  node.add("destination", frame.destination.to_string());
  node.add("source", frame.source.to_string());
  node.add("control", frame.control.to_string());
  if (frame.segmented) node.add("segmented", "yes: the APDU continues in the next frame");
  if (frame.information.empty()) return node;
  node.add("information", std::to_string(frame.information.size()) + " byte(s)");

  const auto type = frame.control.type;
  if (type == hdlc::FrameType::snrm || type == hdlc::FrameType::ua) {
    auto parameters = hdlc::decode_link_parameters(frame.information);
    if (!parameters) {
      node.children.push_back(Inspection{"error", parameters.error().message, {}});
      return node;
    }
    Inspection& link = node.add("link parameters");
    link.add("max-info-field-length-transmit", std::to_string(parameters->max_info_transmit));
    link.add("max-info-field-length-receive", std::to_string(parameters->max_info_receive));
    link.add("window-size-transmit", std::to_string(parameters->window_transmit));
    link.add("window-size-receive", std::to_string(parameters->window_receive));
    return node;
  }
  if (type != hdlc::FrameType::i && type != hdlc::FrameType::ui) {
    node.add("information bytes", to_hex(frame.information));
    return node;
  }
  Bytes& pending = reassembly[frame_key(frame)];
  ByteView piece = frame.information;
  if (pending.empty()) {
    const std::string direction = llc_direction(piece);
    if (direction.empty()) {
      if (frame.segmented)
        node.add("note", "a later segment of an APDU whose first segment is not in this trace");
      node.add("information bytes", to_hex(piece));
      return node;
    }
    node.add("LLC", direction);
    piece = piece.subspan(kLlcSize);
  }
  pending.insert(pending.end(), piece.begin(), piece.end());
  if (frame.segmented) return node;
  node.children.push_back(inspect_apdu(pending));
  pending.clear();
  return node;
}

std::vector<Inspection> inspect_hdlc(ByteView bytes) {
  hdlc::Deframer deframer;
  deframer.accept_any_address();
  std::vector<Inspection> nodes;
  Reassembly reassembly;
  for (const auto& frame : deframer.feed(bytes))
    nodes.push_back(inspect_hdlc_frame(frame, reassembly));
  const auto& stats = deframer.stats();
  // A lone closing flag stays buffered as a possible opening flag: that is not an incomplete frame.
  const std::size_t incomplete = deframer.buffered() > 1 ? deframer.buffered() : 0;
  if (stats.garbage_bytes != 0 || stats.bad_frames != 0 || incomplete != 0) {
    nodes.push_back(Inspection{
        "error",
        std::to_string(stats.bad_frames) + " bad frame(s), " + std::to_string(stats.garbage_bytes) +
            " byte(s) outside frames, " + std::to_string(incomplete) +
            " byte(s) of an incomplete frame (check the HCS/FCS and that the frame was copied "
            "whole)",
        {}});
  }
  for (const auto& [direction, pending] : reassembly) {
    if (!pending.empty()) {
      nodes.push_back(
          Inspection{"error", "segmented APDU " + direction + " never got its last segment", {}});
    }
  }
  return nodes;
}

std::vector<Inspection> inspect_wrapper(ByteView bytes) {
  wrapper::WrapperReassembler reassembler;
  std::vector<Inspection> nodes;
  auto fed = reassembler.feed(bytes);
  while (auto frame = reassembler.pop()) {
    Inspection node{"wrapper frame", "", {}};
    node.add("source wPort", std::to_string(frame->source_wport));
    node.add("destination wPort", std::to_string(frame->destination_wport));
    node.add("length", std::to_string(frame->apdu.size()));
    node.children.push_back(inspect_apdu(frame->apdu));
    nodes.push_back(std::move(node));
  }
  if (!fed) nodes.push_back(Inspection{"error", fed.error().message, {}});
  if (reassembler.buffered() != 0) {
    nodes.push_back(Inspection{
        "error",
        std::to_string(reassembler.buffered()) + " byte(s) of an incomplete wrapper frame",
        {}});
  }
  return nodes;
}

}  // namespace

TraceKind detect_trace_kind(ByteView bytes) {
  if (!bytes.empty() && bytes[0] == 0x7E) return TraceKind::hdlc;
  // A wrapper header starts with version 0x0001; no APDU tag is 0x00.
  if (bytes.size() >= 8 && bytes[0] == 0x00 && bytes[1] == 0x01) return TraceKind::wrapper;
  return TraceKind::apdu;
}

std::vector<Inspection> inspect_trace(ByteView bytes) {
  switch (detect_trace_kind(bytes)) {
    case TraceKind::hdlc:
      return inspect_hdlc(bytes);
    case TraceKind::wrapper:
      return inspect_wrapper(bytes);
    case TraceKind::apdu:
      break;
  }
  return {inspect_apdu(bytes)};
}

}  // namespace dlmsgw::inspect
