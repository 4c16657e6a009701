#include "gateway/device_registry.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <cstring>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "gateway/atomic_file.hpp"
#include "gateway/component_logger.hpp"

namespace dlmsgw::gateway {
namespace {
// This file's log lines belong to the "gateway" component (tb_gateway.yaml logging.levels).
std::shared_ptr<spdlog::logger> registry_log() {
  return component_logger("gateway");
}

namespace fs = std::filesystem;

Error file_error(const fs::path& path, const std::string& what) {
  return make_error(ErrorCode::io_error, "device registry " + path.string() + ": " + what);
}

std::string render(const std::vector<DeviceEntry>& entries) {
  nlohmann::json devices = nlohmann::json::array();
  for (const auto& entry : entries) {
    devices.push_back({{"name", entry.name},
                       {"localName", entry.local_name},
                       {"type", entry.type},
                       {"connector", entry.connector}});
  }
  const nlohmann::json document{{"version", 1}, {"devices", devices}};
  return document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

// Writes the entries as they are when it wakes, on its own thread.
class DeviceRegistry::Writer {
 public:
  Writer(fs::path path, std::shared_ptr<Entries> entries)
      : path_(std::move(path)), entries_(std::move(entries)), thread_([this] { run(); }) {}

  ~Writer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();  // run() writes what is still waiting first
  }

  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void changed() {
    {
      std::lock_guard lock(mutex_);
      ++submitted_;
    }
    wake_.notify_all();
  }

  Expected<void> flush() {
    std::unique_lock lock(mutex_);
    const std::uint64_t target = submitted_;
    idle_.wait(lock, [&] { return written_ >= target; });
    if (last_error_) return *last_error_;
    return {};
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stopping_ || written_ < submitted_; });
      if (written_ == submitted_) return;  // stopping, nothing left
      const std::uint64_t covers = submitted_;
      lock.unlock();
      std::vector<DeviceEntry> copy;
      {
        std::lock_guard entries_lock(entries_->mutex);
        copy = entries_->list;
      }
      auto written = write_file_atomically(path_, render(copy), "device registry");
      if (!written) registry_log()->error("{}", written.error().message);
      lock.lock();
      if (written) {
        last_error_.reset();
      } else {
        last_error_ = written.error();
      }
      written_ = covers;
      idle_.notify_all();
    }
  }

  fs::path path_;
  std::shared_ptr<Entries> entries_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::uint64_t submitted_ = 0;  // changes announced
  std::uint64_t written_ = 0;    // changes covered by the last finished write
  std::optional<Error> last_error_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after everything it uses
};

DeviceRegistry::DeviceRegistry(fs::path path) : path_(std::move(path)) {
  if (!path_.empty()) writer_ = std::make_shared<Writer>(path_, entries_);
}

Expected<void> DeviceRegistry::flush() const {
  if (!writer_) return {};
  return writer_->flush();
}

Expected<DeviceRegistry> DeviceRegistry::open(fs::path path) {
  DeviceRegistry registry(path);
  if (path.empty()) return registry;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
    return registry;
  }
  std::ifstream in(path);
  if (!in) return file_error(path, "cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  const auto document = nlohmann::json::parse(text.str(), nullptr, false);
  if (document.is_discarded() || !document.is_object() || !document.contains("devices") ||
      !document["devices"].is_array()) {
    return make_error(
        ErrorCode::malformed,
        "device registry " + path.string() +
            ": not a registry file ({\"devices\":[...]}); move it away to start empty");
  }
  for (const auto& item : document["devices"]) {
    const auto text_of = [&](const char* key) -> std::optional<std::string> {
      const auto it = item.find(key);
      if (it == item.end() || !it->is_string()) return std::nullopt;
      return it->get<std::string>();
    };
    auto name = text_of("name");
    auto local = text_of("localName");
    auto type = text_of("type");
    auto connector = text_of("connector");
    if (!item.is_object() || !name || !type || !connector) {
      return make_error(ErrorCode::malformed, "device registry " + path.string() +
                                                  ": an entry lacks name, type or connector");
    }
    registry.entries_->list.push_back(
        {*name, local ? *local : *name, std::move(*type), std::move(*connector)});
  }
  registry.reindex();
  return registry;
}

void DeviceRegistry::index(std::size_t position) {
  const DeviceEntry& entry = entries_->list[position];
  by_name_.emplace(entry.name, position);  // an earlier entry of that name stays the one found
  by_local_[entry.connector].emplace(entry.local_name, position);
}

void DeviceRegistry::reindex() {
  by_name_.clear();
  by_local_.clear();
  for (std::size_t position = 0; position < entries_->list.size(); ++position) index(position);
}

template <class Change>
void DeviceRegistry::change(Change&& apply) {
  {
    std::lock_guard lock(entries_->mutex);
    apply(entries_->list);
  }
  if (writer_) writer_->changed();
}

Expected<bool> DeviceRegistry::add(std::string_view local_name, std::string_view type,
                                   std::string_view connector) {
  const DeviceEntry* found = find_local(connector, local_name);
  // Same name served by another connector: it moves (a connector's configuration changed).
  if (found == nullptr) found = find(local_name);
  if (found != nullptr && found->type == type && found->connector == connector) return false;
  if (found == nullptr) {
    change([&](std::vector<DeviceEntry>& list) {
      list.push_back({std::string(local_name), std::string(local_name), std::string(type),
                      std::string(connector)});
    });
    index(entries_->list.size() - 1);
    return true;
  }
  change([&](std::vector<DeviceEntry>& list) {
    DeviceEntry& entry = list[found - list.data()];
    entry.type = type;
    entry.connector = connector;
    entry.local_name = local_name;
  });
  reindex();
  return true;
}

Expected<bool> DeviceRegistry::remove(std::string_view name) {
  const DeviceEntry* found = find(name);
  if (found == nullptr) return false;
  change([&](std::vector<DeviceEntry>& list) { list.erase(list.begin() + (found - list.data())); });
  reindex();
  return true;
}

Expected<bool> DeviceRegistry::rename(std::string_view old_name, std::string_view new_name) {
  const DeviceEntry* found = find(old_name);
  if (found == nullptr) return false;
  change([&](std::vector<DeviceEntry>& list) { list[found - list.data()].name = new_name; });
  reindex();
  renamed_.erase(std::string(new_name));  // renamed back: no loop
  renamed_[std::string(old_name)] = std::string(new_name);
  return true;
}

std::string DeviceRegistry::current_name(const std::string& name) const {
  std::string current = name;
  // Bounded: a chain cannot be longer than the renames remembered.
  for (std::size_t step = 0; step <= renamed_.size(); ++step) {
    const auto next = renamed_.find(current);
    if (next == renamed_.end()) break;
    current = next->second;
  }
  return current;
}

const DeviceEntry* DeviceRegistry::find(std::string_view name) const {
  const auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &entries_->list[it->second];
}

const DeviceEntry* DeviceRegistry::find_local(std::string_view connector,
                                              std::string_view local_name) const {
  const auto of_connector = by_local_.find(connector);
  if (of_connector == by_local_.end()) return nullptr;
  const auto it = of_connector->second.find(local_name);
  return it == of_connector->second.end() ? nullptr : &entries_->list[it->second];
}

}  // namespace dlmsgw::gateway
