#include "app/connection_options.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <iostream>

#include "client/file_invocation_counter_store.hpp"

namespace dlmsgw::app {

void add_connection_options(CLI::App& command, CommonOptions& options) {
  auto& flags = options.connection;
  command.add_option("--host", flags.host, "meter (or its TCP gateway) host name or address");
  command.add_option("--port", flags.port, "TCP port (default 3333 for hdlc, 4059 for wrapper)");
  command.add_option("--serial", flags.serial_device,
                     "serial device instead of TCP, e.g. /dev/ttyUSB0");
  command.add_option("--baud", flags.baud, "serial baud rate")->capture_default_str();
  command.add_option("--parity", flags.parity, "serial parity: none, even, odd")
      ->capture_default_str();
  command.add_option("--data-bits", flags.data_bits, "serial data bits")->capture_default_str();
  command.add_option("--stop-bits", flags.stop_bits, "serial stop bits")->capture_default_str();
  command.add_flag("--iec-mode-e", flags.iec_mode_e,
                   "IEC 62056-21 mode E opening at 300 baud before HDLC (optical probes)");
  command.add_option("--transport", flags.transport, "hdlc or wrapper")->capture_default_str();
  command.add_option("--client", flags.client, "client SAP / wPort")->capture_default_str();
  command.add_option("--server-logical", flags.server_logical,
                     "server logical address (default 0 for hdlc, 1 for wrapper)");
  command.add_option("--server-physical", flags.server_physical, "server physical address")
      ->capture_default_str();
  command
      .add_option("--address-size", flags.address_size,
                  "server HDLC address size 1, 2 or 4 (1: (logical << 7) | physical)")
      ->capture_default_str();
  command.add_option("--auth", flags.authentication, "none, low or high-gmac")
      ->capture_default_str();
  command.add_option("--password", flags.password, "LLS password (default 22222222)");
  command.add_option("--security", flags.security, "none, auth, enc or auth-enc")
      ->capture_default_str();
  command.add_option("--system-title", flags.system_title, "our system title, 16 hex digits");
  command.add_option("--block-key", flags.block_key,
                     "global unicast encryption key, 32 hex digits");
  command.add_option("--auth-key", flags.authentication_key, "authentication key, 32 hex digits");
  command.add_option("--timeout", flags.timeout_ms, "response timeout in ms")
      ->capture_default_str();
  command.add_option("--connect-timeout", flags.connect_timeout_ms, "connect timeout in ms")
      ->capture_default_str();
  command.add_option("--retries", flags.retries, "HDLC retransmissions after a timeout")
      ->capture_default_str();
  command.add_option("--max-pdu", flags.max_pdu, "max receive PDU size proposed")
      ->capture_default_str();
  command.add_option("--conformance", flags.conformance,
                     "proposed conformance, 6 hex digits (default 007E1F)");
  command.add_option("--name", flags.name, "meter name used in messages")->capture_default_str();
  command.add_option("--frame-counter-obis", flags.frame_counter_obis,
                     "read the meter's invocation counter from this object (e.g. 0-0:43.1.0) as "
                     "the public client before a ciphered association, and continue above it");
  command
      .add_option("--frame-counter-client", flags.frame_counter_client,
                  "client address for that read")
      ->capture_default_str();
  command.add_option("--counter-dir", options.counter_dir,
                     "folder of our invocation counters for ciphered associations (default "
                     "$XDG_STATE_HOME/dlmsgw/invocation-counters or "
                     "~/.local/state/dlmsgw/invocation-counters)");
  command.add_flag("--trace", options.trace, "print every frame in hex to stderr");
  command.add_flag("--json", options.json, "print JSON");
}

Expected<std::shared_ptr<client::InvocationCounterStore>> open_counter_store(
    const client::ConnectionSettings& settings, const std::string& counter_dir) {
  if (settings.security == client::Security::none &&
      settings.authentication != client::Authentication::high_gmac) {
    return std::shared_ptr<client::InvocationCounterStore>{};
  }
  const auto folder = counter_dir.empty() ? client::default_cli_counter_folder()
                                          : std::filesystem::path(counter_dir);
  // Another `dlmsgw read` on the same meter finishes within seconds: wait for it.
  DLMSGW_TRY_ASSIGN(auto store, client::FileInvocationCounterStore::open(
                                    folder, client::FileInvocationCounterStore::kDefaultBlock,
                                    std::chrono::seconds(10)));
  return std::shared_ptr<client::InvocationCounterStore>(std::move(store));
}

int run_session(const CommonOptions& options,
                std::function<asio::awaitable<int>(client::Session&)> body) {
  auto settings = client::to_settings(options.connection);
  if (!settings) {
    std::cerr << "dlmsgw: " << settings.error().message << "\n";
    return 2;
  }
  auto counters = open_counter_store(*settings, options.counter_dir);
  if (!counters) {
    std::cerr << "dlmsgw: " << counters.error().message << "\n";
    return 1;
  }
  asio::io_context io;
  client::Session session(*settings, counters->get());
  if (options.trace) {
    session.set_trace([](client::TraceDirection direction, ByteView bytes) {
      std::cerr << client::format_trace_line(direction, bytes) << "\n";
    });
  }
  int exit_code = 1;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto opened = co_await session.open();
        if (!opened) {
          std::cerr << "dlmsgw: " << opened.error().message << "\n";
          co_return;
        }
        exit_code = co_await body(session);
        co_await session.close();
      },
      asio::detached);
  io.run();
  return exit_code;
}

}  // namespace dlmsgw::app
