#include "client/wrapper_channel.hpp"

#include <array>

namespace dlmsgw::client {

asio::awaitable<Expected<void>> WrapperChannel::open() {
  if (!stream_->is_open()) {
    co_return make_error(ErrorCode::connection_closed, "wrapper: stream is closed");
  }
  co_return Expected<void>{};
}

asio::awaitable<Expected<void>> WrapperChannel::send(ByteView apdu) {
  auto encoded = wrapper::encode_wrapper_frame_into(options_.client_wport, options_.server_wport,
                                                    apdu, send_buffer_);
  if (!encoded) co_return encoded.error().with_context("wrapper");
  if (trace_) trace_(TraceDirection::sent, send_buffer_);
  auto written = co_await stream_->write(send_buffer_, options_.response_timeout);
  if (!written) co_return written.error().with_context("wrapper");
  co_return Expected<void>{};
}

asio::awaitable<Expected<Bytes>> WrapperChannel::receive() {
  std::span<std::uint8_t> buffer(receive_buffer_);
  while (true) {
    while (auto frame = reassembler_.pop()) {
      if (frame->source_wport == options_.server_wport &&
          frame->destination_wport == options_.client_wport) {
        co_return std::move(frame->apdu);
      }
    }
    auto count = co_await stream_->read_some(buffer, options_.response_timeout);
    if (!count) co_return count.error().with_context("wrapper");
    const ByteView bytes(buffer.data(), *count);
    if (trace_) trace_(TraceDirection::received, bytes);
    if (auto fed = reassembler_.feed(bytes); !fed) {
      stream_->close();
      co_return fed.error().with_context("wrapper");
    }
  }
}

asio::awaitable<void> WrapperChannel::close() {
  stream_->close();
  co_return;
}

}  // namespace dlmsgw::client
