#pragma once
// The connection flags shared by `dlmsgw read` and `dlmsgw objects` (and any command that talks to
// one meter), bound to a ConnectionFlags value; client::to_settings() checks and converts them.
// Also the session runner both commands use: one io_context, one session, a trace to stderr.

#include <CLI/CLI.hpp>
#include <functional>

#include "client/connection_flags.hpp"
#include "client/session.hpp"

namespace dlmsgw::app {

struct CommonOptions {
  client::ConnectionFlags connection;
  bool trace = false;
  bool json = false;
  // Where our invocation counters live (ciphered or HLS associations only); empty: the per-user
  // state folder (client::default_cli_counter_folder()).
  std::string counter_dir;
};

// The durable counter store for `settings`, or nothing when it neither ciphers nor uses HLS (then
// no folder is created). Errors name the folder.
Expected<std::shared_ptr<client::InvocationCounterStore>> open_counter_store(
    const client::ConnectionSettings& settings, const std::string& counter_dir);

void add_connection_options(CLI::App& command, CommonOptions& options);

// Opens a session with `options`, runs `body` on it, closes it, and returns the process exit code.
// Errors are printed to stderr.
int run_session(const CommonOptions& options,
                std::function<asio::awaitable<int>(client::Session&)> body);

}  // namespace dlmsgw::app
