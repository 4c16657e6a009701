#pragma once
// InvocationCounterStore: where a session keeps the suite-0 invocation counters between sessions.
// Our own counter must never repeat under one key (it is half of the AES-GCM IV, and a meter that
// enforces it refuses a value not above the last it accepted). Keys are
// "<system title hex>-<key id>:tx" (ours: see invocation_counter_key.hpp) and
// "<meter system title hex>:rx" (the meter's last accepted counter, to refuse replays). `load`
// gives the next value to use (nothing: 0, the first APDU of a fresh key may carry counter 0);
// `save` is called with the next value after each one used. `where` tells an operator where a key's
// counter lives, for error messages.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/expected.hpp"

namespace dlmsgw::client {

class InvocationCounterStore {
 public:
  virtual ~InvocationCounterStore() = default;
  virtual Expected<std::optional<std::uint32_t>> load(const std::string& key) = 0;
  virtual Expected<void> save(const std::string& key, std::uint32_t value) = 0;
  [[nodiscard]] virtual std::string where(const std::string& key) const = 0;
};

// In memory, for one process (tests); `run` and the CLI use FileInvocationCounterStore.
class MemoryInvocationCounterStore final : public InvocationCounterStore {
 public:
  Expected<std::optional<std::uint32_t>> load(const std::string& key) override {
    const auto found = values_.find(key);
    if (found == values_.end()) return std::optional<std::uint32_t>{};
    return std::optional<std::uint32_t>{found->second};
  }
  Expected<void> save(const std::string& key, std::uint32_t value) override {
    values_[key] = value;
    return {};
  }
  [[nodiscard]] std::string where(const std::string& /*key*/) const override {
    return "in memory only (starts at 0 in every process)";
  }

 private:
  std::map<std::string, std::uint32_t> values_;
};

}  // namespace dlmsgw::client
