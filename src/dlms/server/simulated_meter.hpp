#pragma once
// SimulatedMeter: one meter's model and the objects that expose it. It outlives connections: the
// clock offset, the disconnect state and the security counters persist from one association to
// the next, as on a real meter.
//
// Objects, with B = the profile's channel (1 on the microstar profile, 0 on generic):
//   Data      serial number (profile code: 1-0:0.0.0 microstar, 0-0:96.1.0 generic),
//             0-0:96.1.1 firmware version, 0-0:96.13.0 consumer message text (writable
//             octet-string)... see simulated_meter.cpp for the full table
//   Register  1-B:32.7.0 / 52.7.0 / 72.7.0 voltages, 31/51/71.7.0 currents, 14.7.0 frequency,
//             1.7.0 / 3.7.0 / 9.7.0 active/reactive/apparent power, 13.7.0 power factor,
//             1.8.0 / 2.8.0 active energy import/export, 3.8.0 / 4.8.0 reactive energy
//   Extended register 1-B:1.6.0 maximum demand of the day with its capture time
//   Clock 0-0:1.0.0, Profile generic 1-0:99.1.0, Disconnect control 0-0:96.3.10,
//   Association LN 0-0:40.0.0, the last invocation counter accepted from a client 0-0:43.1.0
//   (class 1, readable by every client, the public one included)

#include <cstdint>
#include <optional>

#include "dlms/server/meter_model.hpp"
#include "dlms/server/object_model.hpp"

namespace dlmsgw::server {

class SimulatedMeter {
 public:
  SimulatedMeter(MeterProfile profile, std::uint64_t seed);
  SimulatedMeter(const SimulatedMeter&) = delete;
  SimulatedMeter& operator=(const SimulatedMeter&) = delete;

  MeterModel& model() { return model_; }
  [[nodiscard]] const MeterModel& model() const { return model_; }
  ObjectModel& objects() { return objects_; }
  [[nodiscard]] const ObjectModel& objects() const { return objects_; }

  // The last invocation counter accepted from a client (replay protection across associations)
  // and the next one this meter uses.
  std::optional<std::uint32_t> last_client_invocation_counter;
  std::uint32_t server_invocation_counter = 1;
  // Counts HLS challenges issued, so each is new.
  std::uint64_t challenges_issued = 0;

 private:
  MeterModel model_;
  ObjectModel objects_;
};

}  // namespace dlmsgw::server
