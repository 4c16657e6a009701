// docs/configuration.md against the tb_gateway.yaml parser: every key the parser knows (its
// gateway_config_keys() table, the same one it warns about unknown keys with) is documented, and
// every key the document lists is one the parser knows. Fails with the key and the document to
// fix, so a key added to the parser cannot go undocumented.

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "gateway/config/gateway_config.hpp"

namespace dlmsgw {
namespace {

const std::string kDoc = "docs/configuration.md";

std::string read_doc(const std::string& relative) {
  std::ifstream in(std::string(DLMSGW_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The first cell of every table row that starts with a `key` ("| `thingsboard.port` | ...").
std::set<std::string> documented_keys(const std::string& markdown) {
  std::set<std::string> keys;
  std::istringstream lines(markdown);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("| `", 0) != 0) continue;
    const auto end = line.find('`', 3);
    if (end == std::string::npos) continue;
    keys.insert(line.substr(3, end - 3));
  }
  return keys;
}

// "thingsboard.security" + "caCert" -> "thingsboard.security.caCert"; "" + "storage" -> "storage".
std::string full_path(std::string_view section, std::string_view key) {
  return section.empty() ? std::string(key) : std::string(section) + "." + std::string(key);
}

std::set<std::string> parser_keys() {
  std::set<std::string> keys;
  for (const auto& section : gateway::gateway_config_keys()) {
    for (const auto key : section.keys) keys.insert(full_path(section.path, key));
    for (const auto key : section.ignored) keys.insert(full_path(section.path, key));
  }
  return keys;
}

TEST(ConfigReference, DocumentExists) {
  EXPECT_FALSE(read_doc(kDoc).empty()) << kDoc << " is missing or empty";
}

TEST(ConfigReference, EveryGatewayKeyTheParserKnowsIsDocumented) {
  const auto documented = documented_keys(read_doc(kDoc));
  for (const auto& key : parser_keys()) {
    EXPECT_TRUE(documented.count(key) != 0)
        << kDoc << " does not document the tb_gateway.yaml key `" << key
        << "` that src/gateway/config/gateway_config.cpp (gateway_config_keys()) reads: add a "
           "table row starting with | `"
        << key << "` |";
  }
}

TEST(ConfigReference, EveryDocumentedGatewayKeyIsOneTheParserKnows) {
  const auto known = parser_keys();
  for (const auto& key : documented_keys(read_doc(kDoc))) {
    EXPECT_TRUE(known.count(key) != 0)
        << kDoc << " documents the tb_gateway.yaml key `" << key
        << "` that src/gateway/config/gateway_config.cpp (gateway_config_keys()) does not know: "
           "remove the row or teach the parser the key";
  }
}

// The table is the parser's: a key it lists is accepted without the unknown-key warning.
TEST(ConfigReference, TheParserWarnsAboutNoKeyOfItsTable) {
  std::set<std::string> warnings_seen;
  for (const auto& section : gateway::gateway_config_keys()) {
    if (section.path != "thingsboard") continue;
    std::string yaml = "thingsboard:\n  host: h\n";
    for (const auto key : section.keys) {
      if (key == "host" || key == "security" || key == "statistics") continue;
      yaml += "  " + std::string(key) +
              (key == "port"                  ? ": 1883\n"
               : key == "qos"                 ? ": 1\n"
               : key == "mqttVersion"         ? ": 5\n"
               : key == "maxPayloadSizeBytes" ? ": 8196\n"
               : key == "remoteConfiguration" ? ": true\n"
                                              : ": \"10:1\"\n");
    }
    yaml += "  security: {accessToken: t}\n";
    auto config = gateway::parse_gateway_config(yaml, "tb_gateway.yaml",
                                                [](const char*) { return std::nullopt; });
    ASSERT_TRUE(config) << config.error().message;
    for (const auto& warning : config->warnings) {
      EXPECT_EQ(warning.find("unknown key"), std::string::npos) << warning;
    }
  }
}

}  // namespace
}  // namespace dlmsgw
