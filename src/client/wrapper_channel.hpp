#pragma once
// WrapperChannel: APDUs in IEC 62056-47 wrapper frames over TCP. There is no link layer: nothing to
// open or repeat, a silent meter is a timeout after the response timeout, and a stream out of step
// (bad version, absurd length) ends the channel, since no byte marks where the next frame starts.
// Frames between other wPorts are skipped.

#include <array>
#include <chrono>
#include <memory>

#include "client/apdu_channel.hpp"
#include "dlms/wrapper/wrapper_reassembler.hpp"
#include "net/byte_stream.hpp"

namespace dlmsgw::client {

struct WrapperChannelOptions {
  std::uint16_t client_wport = 1;
  std::uint16_t server_wport = 1;
  std::chrono::milliseconds response_timeout{5'000};
  std::size_t max_apdu_size = wrapper::kMaxApduSize;
};

class WrapperChannel final : public ApduChannel {
 public:
  WrapperChannel(std::unique_ptr<net::ByteStream> stream, WrapperChannelOptions options)
      : stream_(std::move(stream)), options_(options), reassembler_(options.max_apdu_size) {}

  asio::awaitable<Expected<void>> open() override;
  asio::awaitable<Expected<void>> send(ByteView apdu) override;
  asio::awaitable<Expected<Bytes>> receive() override;
  asio::awaitable<void> close() override;
  void abort() override { stream_->close(); }

  [[nodiscard]] bool is_open() const override {
    return stream_->is_open() && !reassembler_.failed();
  }
  [[nodiscard]] const std::string& peer() const override { return stream_->peer(); }
  void set_trace(FrameTrace trace) override { trace_ = std::move(trace); }

 private:
  std::unique_ptr<net::ByteStream> stream_;
  WrapperChannelOptions options_;
  wrapper::WrapperReassembler reassembler_;
  FrameTrace trace_;
  // Reused for every frame: nothing allocated per request for framing (the coroutine frames of
  // send and receive stay small, too).
  Bytes send_buffer_;
  std::array<std::uint8_t, 2048> receive_buffer_{};
};

}  // namespace dlmsgw::client
