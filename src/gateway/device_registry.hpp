#pragma once
// DeviceRegistry: the child devices the gateway serves (name, type, owning connector), kept in a
// small JSON file written atomically (temporary file, fsync, rename) so that after a restart the
// gateway re-announces them (v1/gateway/connect) before sending their stored data, and routes RPCs
// for them even before their connector has declared them again.
//
// The file is written by a thread of its own: a change updates the registry in memory at once and
// wakes the writer, which copies the entries and renders them itself, so neither the JSON nor the
// fsync costs the event loop anything. Changes made while the writer is busy are written together
// (declaring 10,000 meters at start costs a few writes, not 10,000 renderings of the whole list). A
// failed write is logged and reported by flush(); the registry keeps working in memory, and the
// next change writes it all.
//
// Renaming on the platform (gateway_device_renamed) changes the name ThingsBoard knows the device
// by; the connector keeps using its own (local) name, translated both ways here. Deletion on the
// platform (gateway_device_deleted) forgets the device; if its connector sends data again, it is
// declared again and ThingsBoard creates a new device.

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/expected.hpp"

namespace dlmsgw::gateway {

struct DeviceEntry {
  std::string name;        // the name on the platform (what goes in messages)
  std::string local_name;  // the connector's name for it (differs after a rename)
  std::string type;        // device profile
  std::string connector;   // owning connector
  bool operator==(const DeviceEntry&) const = default;
};

class DeviceRegistry {
 public:
  // An empty path keeps the registry in memory only. A missing file is an empty registry; an
  // unreadable or malformed one is an error naming the file (it is not overwritten).
  static Expected<DeviceRegistry> open(std::filesystem::path path);
  // Move-only: a copy would share the entries but not the indexes into them.
  DeviceRegistry(const DeviceRegistry&) = delete;
  DeviceRegistry& operator=(const DeviceRegistry&) = delete;
  DeviceRegistry(DeviceRegistry&&) = default;
  DeviceRegistry& operator=(DeviceRegistry&&) = default;
  ~DeviceRegistry() = default;

  // Declares a device by its local name. Returns true when it is new or its type or connector
  // changed (the caller then sends a connect message). Changes are saved in the background.
  Expected<bool> add(std::string_view local_name, std::string_view type,
                     std::string_view connector);
  // Forgets a device by its platform name. False when unknown.
  Expected<bool> remove(std::string_view name);
  // The platform renamed `old_name` to `new_name`. False when `old_name` is unknown.
  Expected<bool> rename(std::string_view old_name, std::string_view new_name);

  [[nodiscard]] const DeviceEntry* find(std::string_view name) const;  // by platform name
  // The name a device has now on the platform, given a name it had when a reading was stored
  // (renames since this process started, followed through chains); `name` itself otherwise.
  // Readings queued before a rename must arrive at the renamed device, not create a new one.
  [[nodiscard]] std::string current_name(const std::string& name) const;
  [[nodiscard]] const DeviceEntry* find_local(std::string_view connector,
                                              std::string_view local_name) const;
  [[nodiscard]] const std::vector<DeviceEntry>& devices() const { return entries_->list; }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  // Waits until every change so far is on disk; the error of the last write if it failed.
  Expected<void> flush() const;

 private:
  class Writer;
  // The entries, shared with the writer thread. Only the owner's thread changes them, under the
  // mutex; it reads them without it. The writer only copies them, under the mutex.
  struct Entries {
    std::mutex mutex;
    std::vector<DeviceEntry> list;
  };
  // Entries by a name: the first with it (what a scan of the list finds) and how many have it
  // (several only when the platform renames a device to a name another one has).
  struct Indexed {
    std::size_t first = 0;  // position in entries_->list
    std::size_t count = 0;
  };
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const {
      return std::hash<std::string_view>{}(name);
    }
  };
  using NameIndex = std::unordered_map<std::string, Indexed, NameHash, std::equal_to<>>;

  explicit DeviceRegistry(std::filesystem::path path);
  // The indexes, kept in place: a reload removes thousands of devices one by one. index() after
  // an entry is appended or its names set; unindex() before they change or it goes, and
  // shift_after() once it went.
  void index(std::size_t position);
  void unindex(std::size_t position);
  void shift_after(std::size_t removed);
  // Applies `change` to the entries under the mutex, then wakes the writer.
  template <class Change>
  void change(Change&& apply);

  std::filesystem::path path_;
  std::shared_ptr<Entries> entries_ = std::make_shared<Entries>();
  std::map<std::string, std::string, std::less<>> renamed_;  // former name -> the next name
  std::shared_ptr<Writer> writer_;  // null for an in-memory registry; flushes when destroyed
  // Every reading looks its device up (find_local): a scan of the list was 7 % of the event loop's
  // time under a flood of readings of 100 devices, and grows with the meters. Owner's thread only.
  NameIndex by_name_;
  std::unordered_map<std::string, NameIndex, NameHash, std::equal_to<>> by_local_;  // by connector
};

}  // namespace dlmsgw::gateway
