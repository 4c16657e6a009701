#include "net/asio_byte_stream.hpp"

namespace dlmsgw::net {

Error stream_error(const std::error_code& error, const std::string& peer,
                   std::string_view operation) {
  const bool peer_gone =
      error == asio::error::eof || error == asio::error::connection_reset ||
      error == asio::error::broken_pipe || error == asio::error::connection_aborted ||
      error == asio::error::operation_aborted || error == asio::error::not_connected ||
      error == asio::error::bad_descriptor;
  return make_error(peer_gone ? ErrorCode::connection_closed : ErrorCode::io_error,
                    peer + ": " + std::string(operation) + " failed: " + error.message());
}

Error timeout_error(const std::string& peer, std::string_view operation, Timeout timeout) {
  return make_error(ErrorCode::timeout, peer + ": " + std::string(operation) + " timed out after " +
                                            std::to_string(timeout.count()) + " ms");
}

}  // namespace dlmsgw::net
