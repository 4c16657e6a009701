#pragma once
// One way to replace a small state file (device registry, profile cursors) so that a crash or a
// power loss leaves the old file or the new one, never a torn one.

#include <filesystem>
#include <string>
#include <string_view>

#include "core/expected.hpp"

namespace dlmsgw::gateway {

// Writes `text` to a temporary beside `path` (mode 0600), fsyncs it, renames it over `path` and
// fsyncs the directory. Errors read "<owner> <file>: <step>: <reason>" (owner: "device registry").
Expected<void> write_file_atomically(const std::filesystem::path& path, const std::string& text,
                                     std::string_view owner);

}  // namespace dlmsgw::gateway
