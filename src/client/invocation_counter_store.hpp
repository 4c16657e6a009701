#pragma once
// InvocationCounterStore: where a session keeps the suite-0 invocation counters between sessions.
// Our own counter must never repeat under one key (it is half of the AES-GCM IV), so it is saved
// after every ciphered APDU; the meter's last accepted counter is kept to refuse replays. Keys are
// "<system title hex>:tx" (ours) and "<meter system title hex>:rx". A missing value means 0 (the
// first APDU of a fresh key may carry counter 0).

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace dlmsgw::client {

class InvocationCounterStore {
 public:
  virtual ~InvocationCounterStore() = default;
  virtual std::optional<std::uint32_t> load(const std::string& key) = 0;
  virtual void save(const std::string& key, std::uint32_t value) = 0;
};

// In memory, for one process (tests, `dlmsgw read`); the gateway plugs a durable one in.
class MemoryInvocationCounterStore final : public InvocationCounterStore {
 public:
  std::optional<std::uint32_t> load(const std::string& key) override {
    const auto found = values_.find(key);
    if (found == values_.end()) return std::nullopt;
    return found->second;
  }
  void save(const std::string& key, std::uint32_t value) override { values_[key] = value; }

 private:
  std::map<std::string, std::uint32_t> values_;
};

}  // namespace dlmsgw::client
