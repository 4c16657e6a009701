#include "app/objects_command.hpp"

#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "app/connection_options.hpp"
#include "dlms/cosem/interface_class.hpp"

namespace dlmsgw::app {
namespace {

int run_objects(const CommonOptions& options) {
  return run_session(options, [&](client::Session& session) -> asio::awaitable<int> {
    auto objects = co_await session.read_object_list();
    if (!objects) {
      std::cerr << "dlmsgw: " << objects.error().message << "\n";
      co_return 1;
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
  auto options = std::make_shared<CommonOptions>();
  CLI::App* command =
      app.add_subcommand("objects", "list the objects the meter's association exposes");
  add_connection_options(*command, *options);
  command->callback([options] {
    const int code = run_objects(*options);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace dlmsgw::app
