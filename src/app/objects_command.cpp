#include "app/objects_command.hpp"

#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/connection_options.hpp"
#include "client/measurement_catalog.hpp"
#include "dlms/cosem/interface_class.hpp"

namespace dlmsgw::app {
namespace {

struct ObjectsOptions {
  CommonOptions common;
  bool connector_config = false;
};

// The `connection` object of the full form for the flags this run used (defaults resolved).
nlohmann::json connection_json(const client::ConnectionFlags& flags) {
  const bool wrapper = flags.transport == "wrapper";
  nlohmann::json connection;
  if (flags.serial_device) {
    connection["type"] = "serial";
    connection["serial"] = {{"port", *flags.serial_device}, {"baudrate", flags.baud},
                            {"dataBits", flags.data_bits},  {"parity", flags.parity},
                            {"stopBits", flags.stop_bits},  {"iecModeE", flags.iec_mode_e}};
  } else {
    connection["type"] = "tcp";
    connection["host"] = flags.host.value_or("127.0.0.1");
    connection["port"] = flags.port.value_or(wrapper ? 4059U : 3333U);
  }
  connection["transport"] = flags.transport;
  connection["clientAddress"] = flags.client;
  connection["serverLogicalAddress"] = flags.server_logical.value_or(wrapper ? 1U : 0U);
  if (!wrapper) {
    connection["serverPhysicalAddress"] = flags.server_physical;
    connection["serverAddressSize"] = flags.address_size;
  }
  connection["authentication"] = flags.authentication;
  if (flags.password) connection["password"] = *flags.password;
  connection["security"] = flags.security;
  if (flags.system_title) connection["systemTitle"] = *flags.system_title;
  if (flags.block_key) connection["blockKey"] = *flags.block_key;
  if (flags.authentication_key) connection["authenticationKey"] = *flags.authentication_key;
  connection["maxPduSize"] = flags.max_pdu;
  if (flags.conformance) connection["conformance"] = *flags.conformance;
  connection["connectTimeout"] = flags.connect_timeout_ms;
  connection["responseTimeout"] = flags.timeout_ms;
  connection["retries"] = flags.retries;
  return connection;
}

// A full-form device entry for dlms_connector.json: the meter's registers as timeseries (catalog
// keys where they match, else the OBIS text), its profile generic objects as profiles.
nlohmann::json connector_device(const client::ConnectionFlags& flags,
                                const std::vector<client::ObjectListEntry>& objects) {
  nlohmann::json timeseries = nlohmann::json::array();
  nlohmann::json profiles = nlohmann::json::array();
  std::set<std::string> keys;
  for (const auto& entry : objects) {
    const std::string obis = entry.logical_name.to_string();
    if (entry.class_id == 7) {
      profiles.push_back({{"obis", obis}});
    } else if (entry.class_id == 3 || entry.class_id == 4 || entry.class_id == 5) {
      const auto listed = client::catalog_key({entry.class_id, entry.logical_name, 2});
      std::string key = listed ? std::string(*listed) : obis;
      if (keys.contains(key)) key = obis;
      keys.insert(key);
      timeseries.push_back({{"key", key}, {"obis", obis}, {"classId", entry.class_id}});
    }
  }
  nlohmann::json device = {{"deviceName", flags.name == "cli" ? "meter" : flags.name},
                           {"deviceType", "default"},
                           {"pollPeriod", 60000},
                           {"connection", connection_json(flags)},
                           {"timeseries", timeseries}};
  if (!profiles.empty()) device["profiles"] = profiles;
  return device;
}

int run_objects(const ObjectsOptions& objects_options) {
  const CommonOptions& options = objects_options.common;
  return run_session(options, [&](client::Session& session) -> asio::awaitable<int> {
    auto objects = co_await session.read_object_list();
    if (!objects) {
      std::cerr << "dlmsgw: " << objects.error().message << "\n";
      co_return 1;
    }
    if (objects_options.connector_config) {
      std::cout << connector_device(options.connection, *objects).dump(2) << "\n";
      co_return 0;
    }
    if (options.json) {
      nlohmann::json array = nlohmann::json::array();
      for (const auto& entry : *objects) {
        nlohmann::json attributes = nlohmann::json::array();
        for (const auto& access : entry.attributes) {
          attributes.push_back({{"id", access.attribute_id},
                                {"access", client::attribute_access_symbol(access.access_mode)}});
        }
        nlohmann::json methods = nlohmann::json::array();
        for (const auto& access : entry.methods) {
          methods.push_back({{"id", access.method_id},
                             {"access", client::method_access_symbol(access.access_mode)}});
        }
        array.push_back(
            {{"classId", entry.class_id},
             {"className", cosem::to_string(static_cast<cosem::InterfaceClass>(entry.class_id))},
             {"version", entry.version},
             {"obis", entry.logical_name.to_string()},
             {"attributes", attributes},
             {"methods", methods}});
      }
      std::cout << array.dump(2) << "\n";
      co_return 0;
    }
    std::printf("%-6s %-28s %-3s %-20s %s\n", "class", "name", "ver", "obis", "access");
    for (const auto& entry : *objects) {
      const std::string name = cosem::to_string(static_cast<cosem::InterfaceClass>(entry.class_id));
      std::printf("%-6u %-28s %-3u %-20s %s\n", static_cast<unsigned>(entry.class_id), name.c_str(),
                  static_cast<unsigned>(entry.version), entry.logical_name.to_string().c_str(),
                  client::describe_access(entry).c_str());
    }
    std::printf("%zu objects\n", objects->size());
    co_return 0;
  });
}

}  // namespace

void add_objects_command(CLI::App& app) {
  auto options = std::make_shared<ObjectsOptions>();
  CLI::App* command =
      app.add_subcommand("objects", "list the objects the meter's association exposes");
  add_connection_options(*command, options->common);
  command->add_flag("--connector-config", options->connector_config,
                    "print a full-form device entry for dlms_connector.json instead: the "
                    "registers as timeseries (catalog keys where they match), the profiles as "
                    "profiles, the connection as used");
  command->callback([options] {
    const int code = run_objects(*options);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace dlmsgw::app
