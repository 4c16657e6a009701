#include "gateway/config/configured_secrets.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/config/secret_file.hpp"

namespace dlmsgw::gateway {
namespace {

bool names_a_secret(std::string_view key) {
  std::string lower(key);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* word : {"password", "key", "secret", "token"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

// A SAX pass over a connector file: the string values of secret-named members, each as (key,
// value), wherever they are nested. A secret-named member whose value is an object or an array
// is not one (its own members are looked at); nor is a string inside an array.
struct SecretValues final : nlohmann::json::json_sax_t {
  std::vector<std::pair<std::string, std::string>> values;

  bool null() override { return scalar(); }
  bool boolean(bool /*value*/) override { return scalar(); }
  bool number_integer(number_integer_t /*value*/) override { return scalar(); }
  bool number_unsigned(number_unsigned_t /*value*/) override { return scalar(); }
  bool number_float(number_float_t /*value*/, const string_t& /*text*/) override {
    return scalar();
  }
  bool binary(binary_t& /*value*/) override { return scalar(); }
  bool string(string_t& value) override {
    if (!in_array_.empty() && !in_array_.back() && !key_.empty() && names_a_secret(key_)) {
      values.emplace_back(key_, value);
    }
    return scalar();
  }
  bool start_object(std::size_t /*elements*/) override {
    in_array_.push_back(false);
    key_.clear();
    return true;
  }
  bool key(string_t& value) override {
    key_ = value;
    return true;
  }
  bool end_object() override { return end(); }
  bool start_array(std::size_t /*elements*/) override {
    in_array_.push_back(true);
    key_.clear();
    return true;
  }
  bool end_array() override { return end(); }
  bool parse_error(std::size_t /*position*/, const std::string& /*token*/,
                   const nlohmann::detail::exception& /*error*/) override {
    return false;
  }

 private:
  // A value ends its member: the next one comes with its own key.
  bool scalar() {
    key_.clear();
    return true;
  }
  bool end() {
    in_array_.pop_back();
    key_.clear();
    return true;
  }

  std::vector<bool> in_array_;  // per open container: an array (true) or an object
  std::string key_;             // the key of the member whose value comes next, in an object
};

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

  for (const auto& connector : connectors) {
    std::ifstream in(connector.configuration);
    if (!in) continue;
    std::stringstream text;
    text << in.rdbuf();
    // Read as it comes, no tree: at 10,000 meters the file's tree is tens of megabytes, and this
    // runs at start-up, at the gateway's peak. Kept only if the whole file is JSON.
    SecretValues found;
    // Comments allowed, as the DLMS connector reads the file.
    if (!nlohmann::json::sax_parse(text.str(), &found, nlohmann::json::input_format_t::json, true,
                                   true)) {
      continue;
    }
    const std::string file = connector.configuration.string();
    for (const auto& [key, value] : found.values) {
      std::string lower(key);
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (lower.ends_with("file")) {
        // Unreadable or refused: the connector reports that; nothing to mask then.
        if (auto path = secret_path(value, file, credentials_directory)) {
          if (auto content = read_secret_file(*path, key)) add(*content);
        }
      } else if (value.starts_with("${env:") && value.ends_with("}")) {
        const std::string name = value.substr(6, value.size() - 7);
        if (const char* resolved = std::getenv(name.c_str())) add(resolved);
      } else {
        add(value);
      }
    }
  }
  return secrets;
}

}  // namespace dlmsgw::gateway
