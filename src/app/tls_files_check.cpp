#include "app/tls_files_check.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "gateway/config/secret_file.hpp"

namespace dlmsgw::app {
namespace {

// errno's text when `path` cannot be opened for reading, nullopt when it can.
std::optional<std::string> unreadable(const std::string& path) {
  std::ifstream in(path);
  if (in) return std::nullopt;
  return std::string(std::strerror(errno != 0 ? errno : ENOENT));
}

}  // namespace

void check_tls_files(const gateway::SecurityConfig& security, std::vector<std::string>& errors) {
  const struct {
    const char* key;
    const std::string& path;
  } files[] = {
      {"caCert", security.ca_cert}, {"cert", security.cert}, {"privateKey", security.private_key}};
  for (const auto& [key, path] : files) {
    if (path.empty()) continue;
    const std::string where = std::string("thingsboard.security.") + key + ": file " + path;
    if (const auto why = unreadable(path)) {
      errors.push_back(where + " cannot be read: " + *why +
                       " (the path is relative to the configuration file)");
    }
  }
  if (security.private_key.empty()) return;
  if (auto problem = gateway::secret_mode_problem(security.private_key, "private key")) {
    errors.push_back("thingsboard.security.privateKey: " + *problem);
  }
}

}  // namespace dlmsgw::app
