#include "connectors/dlms/config_device.hpp"

#include "connectors/dlms/config_points.hpp"
#include "core/hex.hpp"

namespace dlmsgw::connectors::dlms {
namespace {

using client::ConnectionSettings;

std::string at(const std::string& path, std::string_view key) {
  return ConfigReader::join(path, key);
}

// An enumerated text value through one of the client's parsers, whose message already lists
// the accepted values.
template <class Parse>
auto parse_choice(const ConfigReader& reader, const Json& object, const std::string& path,
                  const char* key, Parse parse)
    -> Expected<std::remove_cvref_t<decltype(*parse(std::string_view()))>> {
  DLMSGW_TRY_ASSIGN(const auto value, reader.text(object.at(key), at(path, key)));
  auto parsed = parse(value);
  if (!parsed) return reader.error(at(path, key), parsed.error().message);
  return *parsed;
}

Expected<void> parse_keys(ConfigReader& reader, const Json& object, const std::string& path,
                          ConnectionSettings& settings) {
  if (object.contains("systemTitle")) {
    DLMSGW_TRY_ASSIGN(const auto text,
                      reader.text(object.at("systemTitle"), at(path, "systemTitle")));
    auto title = security::SystemTitle::from_hex(text);
    if (!title) {
      return reader.error(at(path, "systemTitle"),
                          "is not a system title (16 hex digits, our own, e.g. "
                          "4D4D4D0000000001): " +
                              title.error().message);
    }
    settings.system_title = *title;
  }
  const std::pair<const char*, std::optional<security::AesKey128> ConnectionSettings::*> keys[] = {
      {"blockKey", &ConnectionSettings::block_key},
      {"authenticationKey", &ConnectionSettings::authentication_key}};
  for (const auto& [key, field] : keys) {
    const std::string what = std::string(key) == "blockKey" ? "block key" : "authentication key";
    DLMSGW_TRY_ASSIGN(const auto text, reader.secret(object, path, key, what));
    if (!text) continue;
    auto parsed = security::AesKey128::from_hex(what, *text);
    if (!parsed) {
      const auto where = object.contains(key) ? at(path, key) : at(path, std::string(key) + "File");
      return reader.error(where, parsed.error().message);
    }
    settings.*field = *parsed;
  }
  return {};
}

// What to add when ConnectionSettings::validate() refuses a missing secret: the keys that give it.
std::string secret_hint(const ConnectionSettings& settings) {
  constexpr const char* kEnv = " or \"${env:NAME}\")";
  if (settings.authentication == client::Authentication::low && settings.password.empty()) {
    return std::string(" (give password, passwordFile") + kEnv;
  }
  if (settings.security == client::Security::none &&
      settings.authentication != client::Authentication::high_gmac) {
    return "";
  }
  if (!settings.system_title) return " (give systemTitle: our own, 16 hex digits)";
  if (!settings.block_key) return std::string(" (give blockKey, blockKeyFile") + kEnv;
  if (!settings.authentication_key) {
    return std::string(" (give authenticationKey, authenticationKeyFile") + kEnv;
  }
  return "";
}

}  // namespace

bool is_simple_form(const Json& device) {
  return device.is_object() && !device.contains("connection") &&
         (device.contains("host") || device.contains("measurements"));
}

Expected<std::uint16_t> parse_port(const ConfigReader& reader, const Json& node,
                                   const std::string& path) {
  DLMSGW_TRY_ASSIGN(const auto port, reader.integer(node, path, 1, 65535, "a TCP port (1..65535)"));
  return static_cast<std::uint16_t>(port);
}

Expected<void> parse_link(ConfigReader& reader, const Json& object, const std::string& path,
                          ConnectionSettings& settings) {
  if (object.contains("transport")) {
    DLMSGW_TRY_ASSIGN(settings.transport,
                      parse_choice(reader, object, path, "transport", client::parse_transport));
  }
  // The wrapper's server wPort: 1 is the management logical device; 0 is HDLC's convention on
  // the user's meter.
  settings.server_logical = settings.transport == client::Transport::wrapper ? 1 : 0;
  const std::pair<const char*, std::uint16_t ConnectionSettings::*> addresses[] = {
      {"serverLogicalAddress", &ConnectionSettings::server_logical},
      {"serverPhysicalAddress", &ConnectionSettings::server_physical},
  };
  for (const auto& [key, field] : addresses) {
    if (!object.contains(key)) continue;
    DLMSGW_TRY_ASSIGN(const auto value, reader.integer(object.at(key), at(path, key), 0, 0x3FFF,
                                                       "a server address part (0..16383)"));
    settings.*field = static_cast<std::uint16_t>(value);
  }
  if (object.contains("clientAddress")) {
    DLMSGW_TRY_ASSIGN(const auto value,
                      reader.integer(object.at("clientAddress"), at(path, "clientAddress"), 0, 255,
                                     "a client address (SAP or wPort, e.g. 1, 16 or 32)"));
    settings.client_address = static_cast<std::uint8_t>(value);
  }
  if (object.contains("serverAddressSize")) {
    DLMSGW_TRY_ASSIGN(const auto value,
                      reader.integer(object.at("serverAddressSize"), at(path, "serverAddressSize"),
                                     1, 4, "an address size (1, 2 or 4 bytes)"));
    if (value == 3) {
      return reader.error(at(path, "serverAddressSize"),
                          "3 is not an address size (use 1, 2 "
                          "or 4 bytes)");
    }
    settings.server_address_size = static_cast<std::size_t>(value);
  }
  if (object.contains("authentication")) {
    DLMSGW_TRY_ASSIGN(settings.authentication, parse_choice(reader, object, path, "authentication",
                                                            client::parse_authentication));
  }
  DLMSGW_TRY_ASSIGN(const auto password, reader.secret(object, path, "password", "password"));
  if (password) {
    settings.password = *password;
  } else if (settings.authentication != client::Authentication::low) {
    settings.password.clear();  // the meter's LLS default means nothing without LLS
  }
  if (object.contains("security")) {
    DLMSGW_TRY_ASSIGN(settings.security,
                      parse_choice(reader, object, path, "security", client::parse_security));
  }
  DLMSGW_TRY(parse_keys(reader, object, path, settings));
  if (object.contains("maxPduSize")) {
    DLMSGW_TRY_ASSIGN(const auto value,
                      reader.integer(object.at("maxPduSize"), at(path, "maxPduSize"), 64, 65535,
                                     "a PDU size in bytes (64..65535)"));
    settings.max_pdu_size = static_cast<std::uint16_t>(value);
  }
  if (object.contains("conformance")) {
    DLMSGW_TRY_ASSIGN(const auto text,
                      reader.text(object.at("conformance"), at(path, "conformance")));
    auto bytes = parse_hex(text);
    if (!bytes || bytes->size() != 3) {
      return reader.error(at(path, "conformance"),
                          "\"" + text +
                              "\" is not a conformance block (3 bytes of hex, e.g. "
                              "007E1F)");
    }
    settings.proposed_conformance = xdlms::Conformance(
        (std::uint32_t{(*bytes)[0]} << 16) | (std::uint32_t{(*bytes)[1]} << 8) | (*bytes)[2]);
  }
  const std::pair<const char*, std::chrono::milliseconds*> periods[] = {
      {"connectTimeout", &settings.timeouts.connect},
      {"responseTimeout", &settings.timeouts.response},
      {"keepAliveInterval", &settings.keep_alive_interval},
  };
  for (const auto& [key, field] : periods) {
    if (object.contains(key)) {
      DLMSGW_TRY_ASSIGN(*field, reader.millis(object.at(key), at(path, key)));
    }
  }
  if (object.contains("frameCounterObis")) {
    DLMSGW_TRY_ASSIGN(settings.frame_counter_obis, parse_obis(reader, object.at("frameCounterObis"),
                                                              at(path, "frameCounterObis")));
    const bool ciphered = settings.security != client::Security::none ||
                          settings.authentication == client::Authentication::high_gmac;
    if (!ciphered) {
      return reader.error(at(path, "frameCounterObis"),
                          "needs a ciphered association (security or authentication high-gmac): "
                          "without ciphering there is no invocation counter to follow");
    }
  }
  if (object.contains("frameCounterClient")) {
    DLMSGW_TRY_ASSIGN(
        const auto value,
        reader.integer(object.at("frameCounterClient"), at(path, "frameCounterClient"), 1, 127,
                       "a client address (the public client is 16)"));
    settings.frame_counter_client = static_cast<std::uint8_t>(value);
  }
  if (object.contains("retries")) {
    DLMSGW_TRY_ASSIGN(const auto value,
                      reader.integer(object.at("retries"), at(path, "retries"), 0, 100,
                                     "a number of retransmissions (0..100)"));
    settings.timeouts.retries = static_cast<unsigned>(value);
  }
  return {};
}

Expected<DeviceDefaults> parse_device_common(ConfigReader& reader, const Json& device,
                                             const std::string& path,
                                             const DeviceDefaults& defaults, DeviceConfig& config) {
  if (device.contains("deviceType")) {
    DLMSGW_TRY_ASSIGN(config.type, reader.name(device.at("deviceType"), at(path, "deviceType")));
  }
  if (device.contains("attributePollPeriod")) {
    DLMSGW_TRY_ASSIGN(config.attribute_poll_period, reader.millis(device.at("attributePollPeriod"),
                                                                  at(path, "attributePollPeriod")));
  }
  if (device.contains("publishClockOffset")) {
    DLMSGW_TRY_ASSIGN(config.publish_clock_offset, reader.boolean(device.at("publishClockOffset"),
                                                                  at(path, "publishClockOffset")));
  }
  if (device.contains("deviceToken")) {
    const auto where = at(path, "deviceToken");
    const auto& token = device.at("deviceToken");
    DLMSGW_TRY(reader.expect_object(token, where, "accessToken of the device's own credentials"));
    reader.check_keys(token, where, {"accessToken", "accessTokenFile"});
    DLMSGW_TRY_ASSIGN(const auto value,
                      reader.secret(token, where, "accessToken", "device access token"));
    if (!value) {
      return reader.error(at(where, "accessToken"),
                          "missing (the device's ThingsBoard access token, or accessTokenFile)");
    }
    config.device_token = DeviceTokenConfig{*value};
  }
  if (device.contains("timeZone")) {
    const auto where = at(path, "timeZone");
    DLMSGW_TRY_ASSIGN(const auto text, reader.text(device.at("timeZone"), where));
    const auto bad = [&] {
      return reader.error(where, "'" + text +
                                     "' is not a fixed UTC offset (use \"+01:00\", \"-05:00\" "
                                     "or \"UTC\"; zone names are not supported)");
    };
    if (text == "UTC" || text == "Z") {
      config.utc_offset_minutes = 0;
    } else {
      if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':') return bad();
      for (const std::size_t i : {1U, 2U, 4U, 5U}) {
        if (text[i] < '0' || text[i] > '9') return bad();
      }
      const int hours = (text[1] - '0') * 10 + (text[2] - '0');
      const int minutes = (text[4] - '0') * 10 + (text[5] - '0');
      if (hours > 14 || minutes > 59) return bad();
      config.utc_offset_minutes = (text[0] == '-' ? -1 : 1) * (hours * 60 + minutes);
    }
  }
  if (device.contains("profiles")) {
    DLMSGW_TRY_ASSIGN(config.profiles,
                      parse_profiles(reader, device.at("profiles"), at(path, "profiles")));
  }
  DLMSGW_TRY_ASSIGN(auto resolved, parse_inherited(reader, device, path, defaults));
  config.watchdog = resolved.watchdog;
  config.circuit_breaker = resolved.circuit_breaker;
  config.retry = resolved.retry;
  config.connection.timeouts = resolved.timeouts;
  return resolved;
}

Expected<std::vector<ProfileConfig>> parse_profiles(ConfigReader& reader, const Json& node,
                                                    const std::string& path) {
  if (!node.is_array()) {
    return reader.error(path, "is not a list (profiles: [{\"obis\": \"1-0:99.1.0\"}])");
  }
  std::vector<ProfileConfig> profiles;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const auto where = ConfigReader::index(path, i);
    const auto& entry = node.at(i);
    DLMSGW_TRY(reader.expect_object(entry, where, "a profile generic object to read"));
    reader.check_keys(entry, where, {"obis", "pollPeriod", "maxBackfillHours", "columns"});
    if (!entry.contains("obis")) {
      return reader.error(at(where, "obis"),
                          "missing (the profile generic object, e.g. \"1-0:99.1.0\")");
    }
    ProfileConfig profile;
    DLMSGW_TRY_ASSIGN(profile.obis, parse_obis(reader, entry.at("obis"), at(where, "obis")));
    for (const auto& other : profiles) {
      if (other.obis == profile.obis) {
        return reader.error(at(where, "obis"),
                            profile.obis.to_string() + " is listed twice (one entry per profile)");
      }
    }
    if (entry.contains("pollPeriod")) {
      DLMSGW_TRY_ASSIGN(profile.poll_period,
                        reader.millis(entry.at("pollPeriod"), at(where, "pollPeriod")));
    }
    if (entry.contains("maxBackfillHours")) {
      DLMSGW_TRY_ASSIGN(const auto hours,
                        reader.integer(entry.at("maxBackfillHours"), at(where, "maxBackfillHours"),
                                       1, 24 * 366, "a number of hours (1..8784)"));
      profile.max_backfill = std::chrono::hours(hours);
    }
    if (entry.contains("columns")) {
      const auto columns_path = at(where, "columns");
      const auto& columns = entry.at("columns");
      if (!columns.is_array()) {
        return reader.error(columns_path, "is not a list of {\"obis\", \"key\"} entries");
      }
      for (std::size_t c = 0; c < columns.size(); ++c) {
        const auto column_path = ConfigReader::index(columns_path, c);
        const auto& column = columns.at(c);
        DLMSGW_TRY(reader.expect_object(column, column_path, "a capture object to publish"));
        reader.check_keys(column, column_path, {"obis", "classId", "attribute", "key"});
        if (!column.contains("obis")) {
          return reader.error(at(column_path, "obis"), "missing (the capture object's OBIS code)");
        }
        ProfileColumnConfig parsed;
        DLMSGW_TRY_ASSIGN(const auto obis,
                          parse_obis(reader, column.at("obis"), at(column_path, "obis")));
        std::int64_t class_id = 3;
        std::int64_t attribute = 2;
        if (column.contains("classId")) {
          DLMSGW_TRY_ASSIGN(
              class_id, reader.integer(column.at("classId"), at(column_path, "classId"), 1, 65535,
                                       "a COSEM class id (1..65535)"));
        }
        if (column.contains("attribute")) {
          DLMSGW_TRY_ASSIGN(attribute,
                            reader.integer(column.at("attribute"), at(column_path, "attribute"), 1,
                                           127, "an attribute index (1..127)"));
        }
        parsed.attribute = xdlms::CosemAttributeDescriptor{
            static_cast<std::uint16_t>(class_id), obis, static_cast<std::int8_t>(attribute)};
        if (column.contains("key")) {
          DLMSGW_TRY_ASSIGN(parsed.key, reader.name(column.at("key"), at(column_path, "key")));
        } else {
          parsed.key = obis.to_string();
        }
        for (const auto& other : profile.columns) {
          if (other.key == parsed.key) {
            return reader.error(at(column_path, "key"),
                                "\"" + parsed.key + "\" is published twice (keys must be unique)");
          }
        }
        profile.columns.push_back(std::move(parsed));
      }
    }
    profiles.push_back(std::move(profile));
  }
  return profiles;
}

Expected<void> finish_connection(const ConfigReader& reader, const std::string& path,
                                 DeviceConfig& config) {
  config.connection.name = config.name;
  if (auto valid = config.connection.validate(); !valid) {
    return reader.error(path, valid.error().message + secret_hint(config.connection));
  }
  return {};
}

}  // namespace dlmsgw::connectors::dlms
