#include "app/tls_files_check.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace dlmsgw::app {
namespace {

// errno's text when `path` cannot be opened for reading, nullopt when it can.
std::optional<std::string> unreadable(const std::string& path) {
  std::ifstream in(path);
  if (in) return std::nullopt;
  return std::string(std::strerror(errno != 0 ? errno : ENOENT));
}

}  // namespace

void check_tls_files(const gateway::SecurityConfig& security, std::vector<std::string>& errors,
                     std::vector<std::string>& warnings) {
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
  struct stat info {};
  if (::stat(security.private_key.c_str(), &info) != 0) return;  // reported above
  const std::string where = "thingsboard.security.privateKey: file " + security.private_key;
  if ((info.st_mode & S_IROTH) != 0) {
    errors.push_back(where + " is readable by every user (protect it with: chmod 600 " +
                     security.private_key + ")");
  } else if ((info.st_mode & S_IRGRP) != 0) {
    warnings.push_back(where + " is readable by its group (consider chmod 600)");
  }
}

}  // namespace dlmsgw::app
