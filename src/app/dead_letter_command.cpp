#include "app/dead_letter_command.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/gateway_file.hpp"
#include "app/gateway_runtime.hpp"
#include "gateway/config/gateway_config.hpp"
#include "gateway/storage/sqlite_queue.hpp"

namespace dlmsgw::app {
namespace {

struct DeadLetterOptions {
  std::string config = "/etc/dlmsgw";
  std::string database;  // empty: tb_gateway.yaml's storage.data_file_path
  std::vector<std::uint64_t> ids;
  bool all = false;
  std::size_t limit = 1000;
};

constexpr int kExitFailed = 1;

// The configured database (or --database), opened only if it exists: a path that names nothing
// is a mistake to report, not a new empty queue to create.
Expected<std::unique_ptr<gateway::SqliteQueue>> open_database(const DeadLetterOptions& options) {
  std::filesystem::path path = options.database;
  if (path.empty()) {
    DLMSGW_TRY_ASSIGN(const auto file, find_gateway_file(options.config));
    DLMSGW_TRY_ASSIGN(const auto config, gateway::load_gateway_config(file));
    if (config.storage.type == gateway::StorageType::memory) {
      return make_error(ErrorCode::invalid_argument,
                        file.string() +
                            ": storage.type is memory: dead letters live in the running process "
                            "only (counted in /metrics as dlmsgw_dead_letter_records) and are "
                            "lost when it stops; use storage.type sqlite to keep them");
    }
    path = gateway::database_file(config.storage.data_file_path);
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return make_error(ErrorCode::invalid_argument,
                      "no storage database at '" + path.string() +
                          "' (storage.data_file_path): the gateway has stored nothing there yet");
  }
  auto queue = gateway::SqliteQueue::open(path);
  if (!queue) {
    // The lock a running gateway holds; other failures (permissions, a damaged file) have
    // their own fix in the message.
    if (queue.error().message.find("held by another dlmsgw") == std::string::npos) {
      return queue.error();
    }
    return queue.error().with_context(
        "dead letters are changed only while the gateway is stopped (systemctl stop dlmsgw), "
        "then run this again");
  }
  return std::move(*queue);
}

// UTC, to the millisecond, e.g. 2026-12-07T07:40:12.363Z.
std::string iso_time(gateway::Timestamp ts) {
  const std::int64_t ms = ts.time_since_epoch().count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(ms % 1000));
  return text;
}

int list_dead_letters(const DeadLetterOptions& options) {
  auto queue = open_database(options);
  if (!queue) {
    std::cerr << "dlmsgw dead-letter list: " << queue.error().message << "\n";
    return kExitConfig;
  }
  auto letters = (*queue)->dead_letters(options.limit);
  if (!letters) {
    std::cerr << "dlmsgw dead-letter list: " << letters.error().message << "\n";
    return kExitFailed;
  }
  // One JSON object per line: for a person to read and for jq.
  for (const auto& letter : *letters) {
    nlohmann::json line{{"id", letter.stored.id.value},
                        {"device", letter.stored.record.device},
                        {"kind", gateway::to_string(letter.stored.record.kind)},
                        {"ts", iso_time(letter.stored.record.ts)},
                        {"setAsideAt", iso_time(letter.set_aside_at)},
                        {"reason", letter.reason},
                        {"payload", letter.stored.record.payload}};
    std::cout << line.dump() << "\n";
  }
  const auto total = (*queue)->stats().dead_letter_records;
  std::cerr << total << (total == 1 ? " dead letter" : " dead letters")
            << (total > letters->size() ? " (first " + std::to_string(letters->size()) + " shown)"
                                        : std::string())
            << " in " << (*queue)->path().string() << "\n";
  return 0;
}

int requeue_dead_letters(const DeadLetterOptions& options) {
  if (options.ids.empty() && !options.all) {
    std::cerr << "dlmsgw dead-letter requeue: name the records: --id N (as listed by `dlmsgw "
                 "dead-letter list`, repeatable) or --all\n";
    return kExitConfig;
  }
  auto queue = open_database(options);
  if (!queue) {
    std::cerr << "dlmsgw dead-letter requeue: " << queue.error().message << "\n";
    return kExitConfig;
  }
  // An id named twice is one record: counted once, not reported as "not a dead letter".
  std::vector<std::uint64_t> unique = options.ids;
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  std::vector<gateway::RecordId> ids;
  for (const auto id : unique) ids.push_back(gateway::RecordId{id});
  auto moved = (*queue)->requeue(ids);
  if (!moved) {
    std::cerr << "dlmsgw dead-letter requeue: " << moved.error().message << "\n";
    return kExitFailed;
  }
  std::cout << *moved << (*moved == 1 ? " record" : " records")
            << " back in the queue at their place; the gateway sends them when it starts ("
            << (*queue)->stats().dead_letter_records << " dead letters left)\n";
  if (!options.all && *moved < ids.size()) {
    std::cerr << "dlmsgw dead-letter requeue: " << ids.size() - *moved
              << " of the ids named are not dead letters (see `dlmsgw dead-letter list`)\n";
    return kExitFailed;
  }
  return 0;
}

void add_common(CLI::App& command, DeadLetterOptions& options) {
  command
      .add_option("-c,--config", options.config,
                  "configuration directory holding tb_gateway.yaml (or .json), or that file")
      ->capture_default_str();
  command.add_option("--database", options.database,
                     "a storage database file instead of storage.data_file_path (e.g. the "
                     "device-<name>.db of a device with its own token)");
}

}  // namespace

void add_dead_letter_command(CLI::App& app) {
  auto options = std::make_shared<DeadLetterOptions>();
  auto* command = app.add_subcommand(
      "dead-letter",
      "Records set aside because ThingsBoard kept refusing them (closing the session on them): "
      "list them, or put them back in the queue. Works on the database of a stopped gateway.");
  command->require_subcommand(1);
  auto* list = command->add_subcommand("list", "Print the dead letters, one JSON object a line");
  add_common(*list, *options);
  list->add_option("--limit", options->limit, "print at most this many")->capture_default_str();
  list->callback([options] {
    const int status = list_dead_letters(*options);
    if (status != 0) throw CLI::RuntimeError(status);
  });
  auto* requeue = command->add_subcommand(
      "requeue", "Put dead letters back in the queue, at their place (by id), to be sent again");
  add_common(*requeue, *options);
  auto* ids = requeue->add_option("--id", options->ids, "a dead letter's id (repeatable)");
  auto* all = requeue->add_flag("--all", options->all, "every dead letter");
  ids->excludes(all);
  requeue->callback([options] {
    const int status = requeue_dead_letters(*options);
    if (status != 0) throw CLI::RuntimeError(status);
  });
  command->footer(
      "Exit status: 0 done, 1 storage failed, 2 configuration problem or the gateway is running "
      "(it holds the database: stop it first).");
}

}  // namespace dlmsgw::app
