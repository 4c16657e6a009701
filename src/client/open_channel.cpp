#include "client/open_channel.hpp"

#include <asio/this_coro.hpp>

#include "client/hdlc_channel.hpp"
#include "client/iec_mode_e.hpp"
#include "client/serial_bus.hpp"
#include "client/wrapper_channel.hpp"
#include "net/tcp_connect.hpp"

namespace dlmsgw::client {

asio::awaitable<Expected<std::unique_ptr<ApduChannel>>> open_channel(
    const ConnectionSettings& settings) {
  std::unique_ptr<net::ByteStream> stream;
  if (const auto* tcp = std::get_if<TcpTarget>(&settings.endpoint)) {
    // Built outside the co_await: g++ 12 miscompiles braced temporaries inside it.
    net::TcpEndpoint endpoint;
    endpoint.host = tcp->host;
    endpoint.port = tcp->port;
    auto connected = co_await net::connect_tcp(endpoint, settings.timeouts.connect);
    if (!connected) co_return connected.error();
    stream = std::move(*connected);
  } else {
    const auto& serial = std::get<SerialTarget>(settings.endpoint);
    auto executor = co_await asio::this_coro::executor;
    if (settings.transport == Transport::hdlc && !serial.iec_mode_e) {
      // Meters on one port (RS-485 multi-drop) share it through its one owner.
      auto server = settings.server_hdlc_address();
      if (!server) co_return server.error();
      auto bus = SerialBus::shared_bus(executor, serial.line,
                                       serial.inter_frame_gap.value_or(kInterFrameGap));
      if (!bus) co_return bus.error();
      stream = SerialBus::attach(*bus, *server);
    } else {
      auto opened = net::open_serial(executor, serial.line);
      if (!opened) co_return opened.error();
      stream = std::move(*opened);
    }
    if (serial.iec_mode_e) {
      auto done = co_await run_iec_mode_e_opening(*stream, serial.line, settings.timeouts.response);
      if (!done) co_return done.error();
    }
  }
  if (settings.transport == Transport::wrapper) {
    WrapperChannelOptions options;
    options.client_wport = settings.client_address;
    options.server_wport = settings.server_logical;
    options.response_timeout = settings.timeouts.response;
    co_return std::unique_ptr<ApduChannel>(
        std::make_unique<WrapperChannel>(std::move(stream), options));
  }
  auto client = hdlc::HdlcAddress::client(settings.client_address);
  if (!client) co_return client.error();
  auto server = settings.server_hdlc_address();
  if (!server) co_return server.error();
  hdlc::LinkConfig config;
  config.role = hdlc::LinkRole::client;
  config.local = *client;
  config.peer = *server;
  // The user's meter gets SNRM without parameters (what its vendor tool sends) and answers with its
  // own; proposing ours would gain little with window 1.
  config.send_snrm_parameters = false;
  config.max_apdu_size = std::size_t{1} << 20;
  HdlcChannelOptions options;
  options.response_timeout = settings.timeouts.response;
  options.retries = settings.timeouts.retries;
  auto channel = HdlcChannel::create(std::move(stream), config, options);
  if (!channel) co_return channel.error();
  co_return std::unique_ptr<ApduChannel>(std::move(*channel));
}

}  // namespace dlmsgw::client
