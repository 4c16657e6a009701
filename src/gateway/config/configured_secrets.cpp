#include "gateway/config/configured_secrets.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "gateway/config/secret_file.hpp"

namespace dlmsgw::gateway {
namespace {

bool names_a_secret(const std::string& lower_key) {
  for (const char* word : {"password", "key", "secret", "token"}) {
    if (lower_key.find(word) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> configured_secrets(const GatewayConfig& config,
                                            const std::vector<ConnectorConfig>& connectors) {
  std::vector<std::string> secrets;
  // Each once: meters configured alike share their passwords and keys, and the list is kept for
  // the life of the process (kilobytes a meter, times thousands, before).
  std::set<std::string> seen;
  const auto add = [&secrets, &seen](const std::string& secret) {
    if (secret.size() >= 4 && seen.insert(secret).second) secrets.push_back(secret);
  };
  add(config.security.access_token);
  add(config.security.password.value_or(""));
  add(config.health.trace_token);
  const char* credentials = std::getenv("CREDENTIALS_DIRECTORY");
  const std::optional<std::string> credentials_directory =
      credentials != nullptr ? std::optional<std::string>(credentials) : std::nullopt;

  std::string file;  // the connector file being walked: relative secret paths start there
  const std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& value) {
    if (value.is_array()) {
      for (const auto& item : value) walk(item);
      return;
    }
    if (!value.is_object()) return;
    for (const auto& [key, item] : value.items()) {
      std::string lower(key);
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (names_a_secret(lower) && item.is_string()) {
        const auto text = item.get<std::string>();
        if (lower.ends_with("file")) {
          // Unreadable or refused: the connector reports that; nothing to mask then.
          if (auto path = secret_path(text, file, credentials_directory)) {
            if (auto content = read_secret_file(*path, key)) add(*content);
          }
        } else if (text.starts_with("${env:") && text.ends_with("}")) {
          const std::string name = text.substr(6, text.size() - 7);
          if (const char* resolved = std::getenv(name.c_str())) add(resolved);
        } else {
          add(text);
        }
      }
      walk(item);
    }
  };
  for (const auto& connector : connectors) {
    std::ifstream in(connector.configuration);
    if (!in) continue;
    std::stringstream text;
    text << in.rdbuf();
    file = connector.configuration.string();
    walk(nlohmann::json::parse(text.str(), nullptr, false));
  }
  return secrets;
}

}  // namespace dlmsgw::gateway
