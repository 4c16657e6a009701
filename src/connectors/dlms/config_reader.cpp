#include "connectors/dlms/config_reader.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gateway/config/secret_file.hpp"

namespace dlmsgw::connectors::dlms {

std::string ConfigReader::join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string ConfigReader::index(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

Error ConfigReader::error(const std::string& path, const std::string& what) const {
  return make_error(ErrorCode::invalid_argument,
                    file_ + ": " + (path.empty() ? "" : path + ": ") + what);
}

void ConfigReader::warn(const std::string& path, const std::string& what) {
  warnings_.push_back(file_ + ": " + (path.empty() ? "" : path + ": ") + what);
}

void ConfigReader::check_keys(const Json& object, const std::string& path,
                              const std::vector<std::string_view>& known) {
  if (!object.is_object()) return;
  for (const auto& item : object.items()) {
    bool found = false;
    for (const auto key : known) found = found || key == item.key();
    if (!found) warn(join(path, item.key()), "unknown key, ignored (check the spelling)");
  }
}

// Names what was found instead of the expected value, without echoing long values.
std::string ConfigReader::describe(const Json& node) {
  switch (node.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return node.get<bool>() ? "true" : "false";
    case Json::value_t::string: {
      const auto& text = node.get_ref<const std::string&>();
      return text.size() <= 40 ? "text \"" + text + "\"" : "a long text";
    }
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return node.dump();
    case Json::value_t::array:
      return "a list";
    case Json::value_t::object:
      return "an object";
    default:
      return "something else";
  }
}

Expected<void> ConfigReader::expect_object(const Json& node, const std::string& path,
                                           const std::string& what) const {
  if (!node.is_object()) {
    return error(path, "expected an object (" + what + "), got " + describe(node));
  }
  return {};
}

Expected<std::string> ConfigReader::text(const Json& node, const std::string& path) const {
  if (!node.is_string()) return error(path, "expected text in quotes, got " + describe(node));
  return node.get<std::string>();
}

Expected<std::string> ConfigReader::name(const Json& node, const std::string& path) const {
  DLMSGW_TRY_ASSIGN(auto value, text(node, path));
  if (value.empty()) return error(path, "is empty");
  return value;
}

Expected<bool> ConfigReader::boolean(const Json& node, const std::string& path) const {
  if (!node.is_boolean()) return error(path, "expected true or false, got " + describe(node));
  return node.get<bool>();
}

Expected<std::int64_t> ConfigReader::integer(const Json& node, const std::string& path,
                                             std::int64_t min, std::int64_t max,
                                             const std::string& what) const {
  std::int64_t value = 0;
  if (node.is_number_integer() && !node.is_number_unsigned()) {
    value = node.get<std::int64_t>();
  } else if (node.is_number_unsigned()) {
    const auto unsigned_value = node.get<std::uint64_t>();
    if (unsigned_value > static_cast<std::uint64_t>(max)) {
      return error(path, node.dump() + " is not " + what);
    }
    value = static_cast<std::int64_t>(unsigned_value);
  } else if (node.is_number_float()) {
    const double number = node.get<double>();
    if (!std::isfinite(number) || std::trunc(number) != number || number < -9.2e18 ||
        number > 9.2e18) {
      return error(path, node.dump() + " is not a whole number (expected " + what + ")");
    }
    value = static_cast<std::int64_t>(number);
  } else {
    return error(path, "expected " + what + ", got " + describe(node));
  }
  if (value < min || value > max) return error(path, std::to_string(value) + " is not " + what);
  return value;
}

Expected<double> ConfigReader::number(const Json& node, const std::string& path) const {
  if (!node.is_number()) return error(path, "expected a number, got " + describe(node));
  const double value = node.get<double>();
  if (!std::isfinite(value)) return error(path, "is not a finite number");
  return value;
}

Expected<std::chrono::milliseconds> ConfigReader::millis(const Json& node,
                                                         const std::string& path) const {
  DLMSGW_TRY_ASSIGN(const auto value,
                    integer(node, path, 1, std::int64_t{365} * 24 * 3600 * 1000,
                            "a period in milliseconds (1 or more, e.g. 5000 for 5 s)"));
  return std::chrono::milliseconds(value);
}

namespace {

Expected<std::chrono::milliseconds> scaled(const ConfigReader& reader, const Json& node,
                                           const std::string& path, double unit_ms,
                                           const char* unit) {
  if (!node.is_number()) {
    return reader.error(path, std::string("expected a number of ") + unit + ", got " +
                                  (node.is_string() ? "text \"" + node.get<std::string>() + "\""
                                                    : std::string(node.type_name())));
  }
  const double value = node.get<double>();
  if (!std::isfinite(value) || value <= 0 || value * unit_ms > 365.0 * 24 * 3600 * 1000) {
    return reader.error(path, node.dump() + " is not a duration in " + unit + " (more than 0)");
  }
  const auto ms = static_cast<std::int64_t>(std::llround(value * unit_ms));
  return std::chrono::milliseconds(ms < 1 ? 1 : ms);
}

}  // namespace

Expected<std::chrono::milliseconds> ConfigReader::seconds(const Json& node,
                                                          const std::string& path) const {
  return scaled(*this, node, path, 1000.0, "seconds");
}

Expected<std::chrono::milliseconds> ConfigReader::minutes(const Json& node,
                                                          const std::string& path) const {
  return scaled(*this, node, path, 60'000.0, "minutes");
}

Expected<std::string> ConfigReader::read_secret_file(const std::string& path,
                                                     const std::string& file_name,
                                                     const std::string& what) {
  // The rule of every secret file (gateway/config/secret_file.hpp), systemd credentials included.
  const char* credentials = std::getenv("CREDENTIALS_DIRECTORY");
  auto secret_path = gateway::secret_path(
      file_name, file_,
      credentials != nullptr ? std::optional<std::string>(credentials) : std::nullopt);
  if (!secret_path) return error(path, secret_path.error().message);
  auto secret = gateway::read_secret_file(*secret_path, what);
  if (!secret) return error(path, secret.error().message);
  return secret;
}

Expected<std::optional<std::string>> ConfigReader::secret(const Json& object,
                                                          const std::string& path,
                                                          const std::string& key,
                                                          const std::string& what) {
  const std::string file_key = key + "File";
  const bool inline_value = object.contains(key);
  const bool file_value = object.contains(file_key);
  if (inline_value && file_value) {
    return error(join(path, file_key), "give " + key + " or " + file_key + ", not both");
  }
  if (file_value) {
    const auto file_path = join(path, file_key);
    DLMSGW_TRY_ASSIGN(const auto file_name, name(object.at(file_key), file_path));
    DLMSGW_TRY_ASSIGN(auto value, read_secret_file(file_path, file_name, what));
    return std::optional<std::string>(std::move(value));
  }
  if (!inline_value) return std::optional<std::string>();
  const auto value_path = join(path, key);
  // A secret of the wrong type (a password written as a number) is still a secret: say what
  // kind of value was found, never the value.
  if (!object.at(key).is_string()) {
    return error(value_path, std::string("expected text in quotes, got a ") +
                                 object.at(key).type_name() + " (value not shown: it is a " + what +
                                 "); write it as \"" + key + "\": \"...\"");
  }
  DLMSGW_TRY_ASSIGN(auto value, text(object.at(key), value_path));
  constexpr std::string_view prefix = "${env:";
  if (value.rfind(prefix, 0) == 0) {
    if (value.back() != '}' || value.size() == prefix.size() + 1) {
      return error(value_path, "write an environment variable as ${env:NAME}");
    }
    const auto variable = value.substr(prefix.size(), value.size() - prefix.size() - 1);
    const char* content = std::getenv(variable.c_str());
    if (content == nullptr) {
      return error(value_path, "environment variable " + variable +
                                   " is not set (export it before starting dlmsgw)");
    }
    value = content;
    if (value.empty()) return error(value_path, "environment variable " + variable + " is empty");
  }
  return std::optional<std::string>(std::move(value));
}

}  // namespace dlmsgw::connectors::dlms
