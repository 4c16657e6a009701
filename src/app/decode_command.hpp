#pragma once

#include <CLI/CLI.hpp>

namespace dlmsgw::app {

// `dlmsgw decode HEX...`: HDLC frames, wrapper frames or bare APDUs copied from a trace, printed
// field by field (or as JSON). Exit status 1 when any part could not be decoded, 2 for input that
// is not hex.
void add_decode_command(CLI::App& app);

}  // namespace dlmsgw::app
