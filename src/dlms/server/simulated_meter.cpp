#include "dlms/server/simulated_meter.hpp"

#include <array>

#include "dlms/cosem/unit.hpp"
#include "dlms/server/association_ln_object.hpp"
#include "dlms/server/clock_object.hpp"
#include "dlms/server/data_object.hpp"
#include "dlms/server/disconnect_control_object.hpp"
#include "dlms/server/frame_counter_object.hpp"
#include "dlms/server/profile_generic_object.hpp"
#include "dlms/server/register_object.hpp"

namespace dlmsgw::server {
namespace {

using axdr::Data;
using cosem::ScalerUnit;
using cosem::Unit;

}  // namespace

SimulatedMeter::SimulatedMeter(MeterProfile profile, std::uint64_t seed)
    : model_(std::move(profile), seed) {
  const MeterProfile& p = model_.profile();
  MeterModel& m = model_;
  objects_.add(std::make_unique<AssociationLnObject>(objects_));
  objects_.add(
      std::make_unique<DataObject>(p.serial_number_code, Data::visible_string(m.serial_number())));
  const std::string device_name = p.manufacturer + m.serial_number();
  objects_.add(std::make_unique<DataObject>(
      ObisCode(0, 0, 42, 0, 0), Data::octet_string(Bytes(device_name.begin(), device_name.end()))));
  objects_.add(std::make_unique<DataObject>(ObisCode(1, 0, 0, 2, 0),
                                            Data::visible_string(p.firmware_version)));
  objects_.add(std::make_unique<DataObject>(ObisCode(0, 0, 96, 1, 1),
                                            Data::visible_string(p.firmware_version)));
  // Consumer message text (DSMR: up to 1024 characters, written by the head end): a long
  // octet-string that a meter with a small PDU takes only in blocks.
  objects_.add(std::make_unique<DataObject>(ObisCode(0, 0, 96, 13, 0), Data::octet_string({}),
                                            /*writable=*/true));

  auto add_register = [&](std::uint8_t c, std::uint8_t d, ScalerUnit unit,
                          RegisterObject::ValueFunction value) {
    objects_.add(std::make_unique<RegisterObject>(p.code(c, d, 0), unit, std::move(value)));
  };
  const std::array<std::uint8_t, 3> voltage_c{32, 52, 72};
  const std::array<std::uint8_t, 3> current_c{31, 51, 71};
  for (std::size_t phase = 0; phase < 3; ++phase) {
    add_register(voltage_c[phase], 7, {p.voltage_scaler, Unit::volt}, [&m, phase](std::int64_t t) {
      return Data::long_unsigned(m.instant(t).voltage[phase]);
    });
    add_register(
        current_c[phase], 7, {p.current_scaler, Unit::ampere},
        [&m, phase](std::int64_t t) { return Data::long_unsigned(m.instant(t).current[phase]); });
  }
  add_register(14, 7, {p.frequency_scaler, Unit::hertz},
               [&m](std::int64_t t) { return Data::long_unsigned(m.instant(t).frequency); });
  add_register(1, 7, {0, Unit::watt},
               [&m](std::int64_t t) { return Data::double_long(m.instant(t).active_power); });
  add_register(3, 7, {0, Unit::var},
               [&m](std::int64_t t) { return Data::double_long(m.instant(t).reactive_power); });
  add_register(9, 7, {0, Unit::volt_ampere}, [&m](std::int64_t t) {
    return Data::double_long_unsigned(m.instant(t).apparent_power);
  });
  add_register(13, 7, {p.power_factor_scaler, Unit::count},
               [&m](std::int64_t t) { return Data::long_integer(m.instant(t).power_factor); });
  add_register(1, 8, {0, Unit::watt_hour}, [&m](std::int64_t t) {
    return Data::double_long_unsigned(m.energy(t).active_import);
  });
  add_register(2, 8, {0, Unit::watt_hour}, [&m](std::int64_t t) {
    return Data::double_long_unsigned(m.energy(t).active_export);
  });
  add_register(3, 8, {0, Unit::var_hour}, [&m](std::int64_t t) {
    return Data::double_long_unsigned(m.energy(t).reactive_import);
  });
  add_register(4, 8, {0, Unit::var_hour}, [&m](std::int64_t t) {
    return Data::double_long_unsigned(m.energy(t).reactive_export);
  });
  objects_.add(std::make_unique<RegisterObject>(
      p.code(1, 6, 0), ScalerUnit{0, Unit::watt},
      [&m](std::int64_t t) { return Data::double_long(m.maximum_demand(t).first); },
      [&m](std::int64_t t) {
        const auto when = m.maximum_demand(t).second;
        return ClockObject::time_data(m.meter_time_ms(when), m.profile().utc_offset_minutes);
      }));

  objects_.add(std::make_unique<ClockObject>(model_));
  std::vector<ProfileGenericObject::Column> columns;
  columns.push_back({{3, p.code(1, 8, 0), 2, 0}, [&m](std::int64_t t) {
                       return Data::double_long_unsigned(m.energy(t).active_import);
                     }});
  columns.push_back({{3, p.code(3, 8, 0), 2, 0}, [&m](std::int64_t t) {
                       return Data::double_long_unsigned(m.energy(t).reactive_import);
                     }});
  objects_.add(
      std::make_unique<ProfileGenericObject>(p.load_profile_code(), model_, std::move(columns)));

  // Billing values: the energy registers at each billing reset (monthly).
  std::vector<ProfileGenericObject::Column> billing;
  for (const std::uint8_t c : std::array<std::uint8_t, 2>{1, 2}) {
    billing.push_back({{3, p.code(c, 8, 0), 2, 0}, [&m, c](std::int64_t t) {
                         const auto energy = m.energy(t);
                         return Data::double_long_unsigned(c == 1 ? energy.active_import
                                                                  : energy.active_export);
                       }});
  }
  ProfileGenericObject::Schedule billing_schedule;
  billing_schedule.at_or_before = [&m](std::int64_t t) { return m.billing_reset_at_or_before(t); };
  billing_schedule.depth = p.billing_entries;
  billing_schedule.capture_period_s = p.billing_period_seconds;
  objects_.add(std::make_unique<ProfileGenericObject>(p.billing_profile_code(), model_,
                                                      std::move(billing), billing_schedule));

  // The standard event log: the clock and the event code, capture period 0.
  objects_.add(
      std::make_unique<DataObject>(MeterProfile::event_code_code(), Data::unsigned_integer(0)));
  std::vector<ProfileGenericObject::Column> events;
  events.push_back({{1, MeterProfile::event_code_code(), 2, 0}, [&m](std::int64_t t) {
                      return Data::unsigned_integer(
                          m.event_at_or_before(t + m.clock_offset_ms()).code);
                    }});
  ProfileGenericObject::Schedule event_schedule;
  event_schedule.at_or_before = [&m](std::int64_t t) { return m.event_at_or_before(t).meter_ms; };
  event_schedule.depth = p.event_entries;
  objects_.add(std::make_unique<ProfileGenericObject>(MeterProfile::event_log_code(), model_,
                                                      std::move(events), event_schedule));
  objects_.add(std::make_unique<DisconnectControlObject>(model_));
  objects_.add(std::make_unique<FrameCounterObject>(last_client_invocation_counter));
}

}  // namespace dlmsgw::server
