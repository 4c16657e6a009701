#pragma once
// Secret files (access tokens, passwords, meter keys, the trace token, TLS private keys): one rule
// for every one of them, in tb_gateway.yaml, the environment and the connector files.
//   - "${CREDENTIALS_DIRECTORY}/NAME" names the systemd credential NAME (LoadCredential=NAME:/path
//     in the unit): systemd reads the source as root and hands the service a private copy, so the
//     source can stay root-only and never appears in the unit's environment;
//   - another relative path is relative to the file that names it;
//   - the file must not be readable by other users: mode 0600 owned by the service user, or 0640
//     root:dlmsgw as the package installs (group-readable is fine: the group is the service's);
//     a file any user can read is refused;
//   - one trailing newline is stripped; an empty file is refused.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/expected.hpp"

namespace dlmsgw::gateway {

inline constexpr std::string_view kCredentialsDirectory = "${CREDENTIALS_DIRECTORY}/";

// Where the secret `written` in `file` lives. `credentials_directory`: $CREDENTIALS_DIRECTORY as
// set for this process (systemd sets it while the unit has LoadCredential=); a path that uses it
// while it is unset is an error naming the fix.
Expected<std::filesystem::path> secret_path(
    const std::string& written, const std::string& file,
    const std::optional<std::string>& credentials_directory);

// The file's content under the rule above; errors say "<what> file <path> <problem> (fix)".
Expected<std::string> read_secret_file(const std::filesystem::path& path, const std::string& what);

// The mode rule alone (for files read by others, such as the TLS private key): nullopt when
// `path`'s mode is acceptable or it cannot be stat'ed (reading it reports that).
std::optional<std::string> secret_mode_problem(const std::filesystem::path& path,
                                               const std::string& what);

}  // namespace dlmsgw::gateway
