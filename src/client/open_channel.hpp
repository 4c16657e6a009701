#pragma once
// open_channel: connects the transport of ConnectionSettings (TCP, or a serial port with the
// optional IEC 62056-21 mode E opening) and wraps it in the APDU channel of its framing (HDLC or
// wrapper). The link itself is not opened yet: call ApduChannel::open().

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <memory>

#include "client/apdu_channel.hpp"
#include "client/connection_settings.hpp"

namespace dlmsgw::client {

asio::awaitable<Expected<std::unique_ptr<ApduChannel>>> open_channel(
    const ConnectionSettings& settings);

}  // namespace dlmsgw::client
