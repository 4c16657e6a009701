#pragma once
// ConfigReader: typed access to one connector JSON file with the error wording of the gateway's
// own configuration: "file: path: problem (hint)", where path is the JSON path of the value
// ("devices[0].connection.port"). Unknown keys become warnings, never errors, so a file written
// for a newer dlmsgw (or the ThingsBoard gateway) still loads.

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.hpp"

namespace dlmsgw::connectors::dlms {

using Json = nlohmann::json;

class ConfigReader {
 public:
  ConfigReader(std::string file, std::vector<std::string>& warnings)
      : file_(std::move(file)), warnings_(warnings) {}

  [[nodiscard]] const std::string& file() const { return file_; }

  // "devices[0]" + "port" -> "devices[0].port"; "" + "devices" -> "devices".
  static std::string join(const std::string& path, std::string_view key);
  static std::string index(const std::string& path, std::size_t i);

  [[nodiscard]] Error error(const std::string& path, const std::string& what) const;
  void warn(const std::string& path, const std::string& what);

  // Warns about every key of `object` outside `known`.
  void check_keys(const Json& object, const std::string& path,
                  const std::vector<std::string_view>& known);

  Expected<void> expect_object(const Json& node, const std::string& path,
                               const std::string& what) const;
  Expected<std::string> text(const Json& node, const std::string& path) const;
  // A non-empty text.
  Expected<std::string> name(const Json& node, const std::string& path) const;
  Expected<bool> boolean(const Json& node, const std::string& path) const;
  // A whole number in [min, max]; `what` completes "is not ..." ("a TCP port (1..65535)").
  Expected<std::int64_t> integer(const Json& node, const std::string& path, std::int64_t min,
                                 std::int64_t max, const std::string& what) const;
  Expected<double> number(const Json& node, const std::string& path) const;
  // Whole milliseconds, at least 1.
  Expected<std::chrono::milliseconds> millis(const Json& node, const std::string& path) const;
  // Seconds (fractional allowed, e.g. 0.5), more than 0, rounded to milliseconds.
  Expected<std::chrono::milliseconds> seconds(const Json& node, const std::string& path) const;
  // Minutes (fractional allowed), more than 0.
  Expected<std::chrono::milliseconds> minutes(const Json& node, const std::string& path) const;

  // A secret given as `object[key]` (text, or "${env:NAME}") or as `object[key + "File"]` (a file
  // readable by its owner only, relative to the connector file). Empty when neither is present.
  Expected<std::optional<std::string>> secret(const Json& object, const std::string& path,
                                              const std::string& key, const std::string& what);

 private:
  [[nodiscard]] static std::string describe(const Json& node);
  Expected<std::string> read_secret_file(const std::string& path, const std::string& file_name,
                                         const std::string& what);

  std::string file_;
  std::vector<std::string>& warnings_;
};

}  // namespace dlmsgw::connectors::dlms
