#pragma once
// Opens a TCP connection to a meter (or its gateway/modem) with a deadline covering resolution and
// connection. Nagle is turned off: DLMS exchanges are small request/response frames.

#include <asio/any_io_executor.hpp>
#include <memory>
#include <string>

#include "net/byte_stream.hpp"

namespace dlmsgw::net {

struct TcpEndpoint {
  std::string host;
  std::uint16_t port = 0;
  [[nodiscard]] std::string to_string() const;
};

asio::awaitable<Expected<std::unique_ptr<ByteStream>>> connect_tcp(const TcpEndpoint& endpoint,
                                                                   Timeout timeout);

}  // namespace dlmsgw::net
