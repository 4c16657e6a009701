#include "gateway/device_registry.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
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
  for (std::size_t position = 0; position < registry.entries_->list.size(); ++position) {
    registry.index(position);
  }
  return registry;
}

namespace {

template <class Index>
void add_key(Index& index, const std::string& key, std::size_t position) {
  const auto [it, added] = index.try_emplace(key, typename Index::mapped_type{position, 1});
  if (added) return;
  ++it->second.count;
  it->second.first = std::min(it->second.first, position);  // an earlier entry stays the one found
}

// The entry at `position` no longer has `key`; `matches(i)`: entry i has it.
template <class Index, class Matches>
void drop_key(Index& index, const std::string& key, std::size_t position, std::size_t size,
              Matches matches) {
  const auto it = index.find(key);
  if (it == index.end()) return;
  if (--it->second.count == 0) {
    index.erase(it);
    return;
  }
  if (it->second.first != position) return;
  // The first of several went (rare: duplicate names): the next one a scan would find.
  for (std::size_t i = 0; i < size; ++i) {
    if (i != position && matches(i)) {
      it->second.first = i;
      return;
    }
  }
}

}  // namespace

void DeviceRegistry::index(std::size_t position) {
  const DeviceEntry& entry = entries_->list[position];
  add_key(by_name_, entry.name, position);
  add_key(by_local_[entry.connector], entry.local_name, position);
}

void DeviceRegistry::unindex(std::size_t position) {
  const auto& list = entries_->list;
  const DeviceEntry& entry = list[position];
  drop_key(by_name_, entry.name, position, list.size(),
           [&](std::size_t i) { return list[i].name == entry.name; });
  const auto of_connector = by_local_.find(entry.connector);
  if (of_connector == by_local_.end()) return;
  drop_key(of_connector->second, entry.local_name, position, list.size(), [&](std::size_t i) {
    return list[i].connector == entry.connector && list[i].local_name == entry.local_name;
  });
  if (of_connector->second.empty()) by_local_.erase(of_connector);
}

void DeviceRegistry::shift_after(std::size_t removed) {
  for (auto& [name, indexed] : by_name_) {
    if (indexed.first > removed) --indexed.first;
  }
  for (auto& [connector, names] : by_local_) {
    for (auto& [name, indexed] : names) {
      if (indexed.first > removed) --indexed.first;
    }
  }
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
  const auto position = static_cast<std::size_t>(found - entries_->list.data());
  unindex(position);
  change([&](std::vector<DeviceEntry>& list) {
    DeviceEntry& entry = list[position];
    entry.type = type;
    entry.connector = connector;
    entry.local_name = local_name;
  });
  index(position);
  return true;
}

Expected<bool> DeviceRegistry::remove(std::string_view name) {
  const DeviceEntry* found = find(name);
  if (found == nullptr) return false;
  const auto position = static_cast<std::size_t>(found - entries_->list.data());
  unindex(position);
  change([&](std::vector<DeviceEntry>& list) {
    list.erase(list.begin() + static_cast<std::ptrdiff_t>(position));
  });
  shift_after(position);
  return true;
}

Expected<bool> DeviceRegistry::rename(std::string_view old_name, std::string_view new_name) {
  const DeviceEntry* found = find(old_name);
  if (found == nullptr) return false;
  const auto position = static_cast<std::size_t>(found - entries_->list.data());
  unindex(position);
  change([&](std::vector<DeviceEntry>& list) { list[position].name = new_name; });
  index(position);
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
  return it == by_name_.end() ? nullptr : &entries_->list[it->second.first];
}

const DeviceEntry* DeviceRegistry::find_local(std::string_view connector,
                                              std::string_view local_name) const {
  const auto of_connector = by_local_.find(connector);
  if (of_connector == by_local_.end()) return nullptr;
  const auto it = of_connector->second.find(local_name);
  return it == of_connector->second.end() ? nullptr : &entries_->list[it->second.first];
}

}  // namespace dlmsgw::gateway
