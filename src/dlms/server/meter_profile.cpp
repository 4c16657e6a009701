#include "dlms/server/meter_profile.hpp"

namespace dlmsgw::server {

MeterProfile MeterProfile::microstar() {
  MeterProfile profile;
  profile.name = "microstar";
  profile.channel = 1;
  profile.serial_number_code = ObisCode(1, 0, 0, 0, 0);
  profile.serial_prefix = "MS";
  profile.manufacturer = "MSE";
  profile.firmware_version = "MS3F-2.07";
  profile.voltage_raw = 13500;
  profile.current_raw = 1300;
  // 135 V phase voltage belongs to the 127/220 V grids of the Americas, which run at 60 Hz.
  profile.frequency_raw = 6000;
  return profile;
}

MeterProfile MeterProfile::generic() {
  return MeterProfile{};
}

}  // namespace dlmsgw::server
