#pragma once
// InterfaceClass: the COSEM interface class id (class_id, long-unsigned) that every attribute and
// method descriptor carries, with a catalog of class names (DLMS UA 1000-1 "Blue Book") and, for
// the classes dlmsgw reads or acts on, their attribute and method names. A meter's object list may
// name any id; unknown ones print as "class 9999 (unknown)" and every lookup returns an optional.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace dlmsgw::cosem {

// The classes named in code. Any other id is still a valid InterfaceClass value.
enum class InterfaceClass : std::uint16_t {
  data = 1,
  register_ = 3,  // `register` is a C++ keyword
  extended_register = 4,
  demand_register = 5,
  register_activation = 6,
  profile_generic = 7,
  clock = 8,
  script_table = 9,
  schedule = 10,
  special_days_table = 11,
  association_sn = 12,
  association_ln = 15,
  sap_assignment = 17,
  image_transfer = 18,
  iec_local_port_setup = 19,
  activity_calendar = 20,
  register_monitor = 21,
  single_action_schedule = 22,
  iec_hdlc_setup = 23,
  push_setup = 40,
  tcp_udp_setup = 41,
  ipv4_setup = 42,
  gprs_modem_setup = 45,
  ipv6_setup = 48,
  security_setup = 64,
  disconnect_control = 70,
  limiter = 71,
  ntp_setup = 100,
};

// An attribute or a method of a class: its index (1-based; negative indexes are
// manufacturer-specific and never in the catalog) and its Blue Book name.
struct ClassMember {
  std::int8_t index;
  std::string_view name;
};

struct InterfaceClassInfo {
  InterfaceClass id;
  std::string_view name;  // "Register", "Association LN"
  // The class version the member lists describe; members are listed only for the classes dlmsgw
  // reads (1, 3, 4, 5, 7, 8, 15, 70), otherwise both spans are empty.
  std::uint8_t version;
  std::span<const ClassMember> attributes;
  std::span<const ClassMember> methods;
};

// Every catalogued class, ordered by id.
std::span<const InterfaceClassInfo> all_interface_classes();

std::optional<InterfaceClassInfo> find_interface_class(std::uint16_t class_id);
inline std::optional<InterfaceClassInfo> find_interface_class(InterfaceClass id) {
  return find_interface_class(static_cast<std::uint16_t>(id));
}
// By catalog name, ignoring case: "Register", "association ln".
std::optional<InterfaceClass> interface_class_from_name(std::string_view name);

// "Register", or "class 9999 (unknown)".
std::string to_string(InterfaceClass id);

// Attribute 1 is logical_name in every class, so it is named even for classes without a member
// list; other indexes need a described class.
std::optional<std::string_view> attribute_name(InterfaceClass id, std::int8_t attribute);
std::optional<std::string_view> method_name(InterfaceClass id, std::int8_t method);
// Reverse lookups for configuration ("scaler_unit", "remote_disconnect").
std::optional<std::int8_t> attribute_index(InterfaceClass id, std::string_view name);
std::optional<std::int8_t> method_index(InterfaceClass id, std::string_view name);

// For logs and errors: "Register attribute 3 (scaler_unit)", "Disconnect control method 1
// (remote_disconnect)", "class 9999 (unknown) attribute 5".
std::string describe_attribute(InterfaceClass id, std::int8_t attribute);
std::string describe_method(InterfaceClass id, std::int8_t method);

// The attribute a plain "read this object" means: 2 in every class (Data/Register value, Profile
// generic buffer, Clock time, Disconnect control output_state).
constexpr std::int8_t default_attribute(InterfaceClass /*id*/) {
  return 2;
}
// Where the scaler_unit of the value lives: 3 for Register and Extended register, 4 for Demand
// register; nothing for classes whose value is unscaled.
std::optional<std::int8_t> scaler_unit_attribute(InterfaceClass id);

}  // namespace dlmsgw::cosem
