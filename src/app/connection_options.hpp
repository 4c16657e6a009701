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
};

void add_connection_options(CLI::App& command, CommonOptions& options);

// Opens a session with `options`, runs `body` on it, closes it, and returns the process exit code.
// Errors are printed to stderr.
int run_session(const CommonOptions& options,
                std::function<asio::awaitable<int>(client::Session&)> body);

}  // namespace dlmsgw::app
