#include "dlms/cosem/interface_class.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace dlmsgw::cosem {
namespace {

// Member lists of the classes dlmsgw reads, from the Blue Book class descriptions (attribute and
// method indexes are fixed by the standard; names as the Blue Book spells them).
constexpr std::array<ClassMember, 2> kDataAttributes = {{{1, "logical_name"}, {2, "value"}}};
constexpr std::array<ClassMember, 3> kRegisterAttributes = {
    {{1, "logical_name"}, {2, "value"}, {3, "scaler_unit"}}};
constexpr std::array<ClassMember, 1> kResetMethod = {{{1, "reset"}}};
constexpr std::array<ClassMember, 5> kExtendedRegisterAttributes = {
    {{1, "logical_name"}, {2, "value"}, {3, "scaler_unit"}, {4, "status"}, {5, "capture_time"}}};
constexpr std::array<ClassMember, 9> kDemandRegisterAttributes = {{{1, "logical_name"},
                                                                   {2, "current_average_value"},
                                                                   {3, "last_average_value"},
                                                                   {4, "scaler_unit"},
                                                                   {5, "status"},
                                                                   {6, "capture_time"},
                                                                   {7, "start_time_current"},
                                                                   {8, "period"},
                                                                   {9, "number_of_periods"}}};
constexpr std::array<ClassMember, 2> kDemandRegisterMethods = {{{1, "reset"}, {2, "next_period"}}};
constexpr std::array<ClassMember, 8> kProfileGenericAttributes = {{{1, "logical_name"},
                                                                   {2, "buffer"},
                                                                   {3, "capture_objects"},
                                                                   {4, "capture_period"},
                                                                   {5, "sort_method"},
                                                                   {6, "sort_object"},
                                                                   {7, "entries_in_use"},
                                                                   {8, "profile_entries"}}};
constexpr std::array<ClassMember, 2> kProfileGenericMethods = {{{1, "reset"}, {2, "capture"}}};
constexpr std::array<ClassMember, 9> kClockAttributes = {{{1, "logical_name"},
                                                          {2, "time"},
                                                          {3, "time_zone"},
                                                          {4, "status"},
                                                          {5, "daylight_savings_begin"},
                                                          {6, "daylight_savings_end"},
                                                          {7, "daylight_savings_deviation"},
                                                          {8, "daylight_savings_enabled"},
                                                          {9, "clock_base"}}};
constexpr std::array<ClassMember, 6> kClockMethods = {{{1, "adjust_to_quarter"},
                                                       {2, "adjust_to_measuring_period"},
                                                       {3, "adjust_to_minute"},
                                                       {4, "adjust_to_preset_time"},
                                                       {5, "preset_adjusting_time"},
                                                       {6, "shift_time"}}};
constexpr std::array<ClassMember, 11> kAssociationLnAttributes = {
    {{1, "logical_name"},
     {2, "object_list"},
     {3, "associated_partners_id"},
     {4, "application_context_name"},
     {5, "xDLMS_context_info"},
     {6, "authentication_mechanism_name"},
     {7, "secret"},
     {8, "association_status"},
     {9, "security_setup_reference"},
     {10, "user_list"},
     {11, "current_user"}}};
constexpr std::array<ClassMember, 6> kAssociationLnMethods = {{{1, "reply_to_HLS_authentication"},
                                                               {2, "change_HLS_secret"},
                                                               {3, "add_object"},
                                                               {4, "remove_object"},
                                                               {5, "add_user"},
                                                               {6, "remove_user"}}};
constexpr std::array<ClassMember, 4> kDisconnectControlAttributes = {
    {{1, "logical_name"}, {2, "output_state"}, {3, "control_state"}, {4, "control_mode"}}};
constexpr std::array<ClassMember, 2> kDisconnectControlMethods = {
    {{1, "remote_disconnect"}, {2, "remote_reconnect"}}};

constexpr InterfaceClassInfo named(std::uint16_t id, std::string_view name) {
  return InterfaceClassInfo{static_cast<InterfaceClass>(id), name, 0, {}, {}};
}
constexpr InterfaceClassInfo described(InterfaceClass id, std::string_view name,
                                       std::uint8_t version,
                                       std::span<const ClassMember> attributes,
                                       std::span<const ClassMember> methods) {
  return InterfaceClassInfo{id, name, version, attributes, methods};
}

// Class ids and names from the Blue Book's list of interface classes (cross-checked with the
// dlms-cosem Python library's CosemInterface enumeration).
constexpr std::array kClasses = {
    described(InterfaceClass::data, "Data", 0, kDataAttributes, {}),
    described(InterfaceClass::register_, "Register", 0, kRegisterAttributes, kResetMethod),
    described(InterfaceClass::extended_register, "Extended register", 0,
              kExtendedRegisterAttributes, kResetMethod),
    described(InterfaceClass::demand_register, "Demand register", 0, kDemandRegisterAttributes,
              kDemandRegisterMethods),
    named(6, "Register activation"),
    described(InterfaceClass::profile_generic, "Profile generic", 1, kProfileGenericAttributes,
              kProfileGenericMethods),
    described(InterfaceClass::clock, "Clock", 0, kClockAttributes, kClockMethods),
    named(9, "Script table"),
    named(10, "Schedule"),
    named(11, "Special days table"),
    named(12, "Association SN"),
    described(InterfaceClass::association_ln, "Association LN", 2, kAssociationLnAttributes,
              kAssociationLnMethods),
    named(17, "SAP assignment"),
    named(18, "Image transfer"),
    named(19, "IEC local port setup"),
    named(20, "Activity calendar"),
    named(21, "Register monitor"),
    named(22, "Single action schedule"),
    named(23, "IEC HDLC setup"),
    named(24, "IEC twisted pair (1) setup"),
    named(25, "M-Bus slave port setup"),
    named(26, "Utility tables"),
    named(27, "Modem configuration"),
    named(28, "Auto answer"),
    named(29, "Auto connect"),
    named(30, "COSEM data protection"),
    named(40, "Push setup"),
    named(41, "TCP-UDP setup"),
    named(42, "IPv4 setup"),
    named(43, "MAC address setup"),
    named(44, "PPP setup"),
    named(45, "GPRS modem setup"),
    named(46, "SMTP setup"),
    named(47, "GSM diagnostic"),
    named(48, "IPv6 setup"),
    named(50, "S-FSK Phy&MAC setup"),
    named(51, "S-FSK Active initiator"),
    named(52, "S-FSK MAC synchronization timeouts"),
    named(53, "S-FSK MAC counters"),
    named(55, "IEC 61334-4-32 LLC setup"),
    named(56, "S-FSK Reporting system list"),
    named(57, "ISO/IEC 8802-2 LLC Type 1 setup"),
    named(58, "ISO/IEC 8802-2 LLC Type 2 setup"),
    named(59, "ISO/IEC 8802-2 LLC Type 3 setup"),
    named(61, "Register table"),
    named(62, "Compact data"),
    named(63, "Status mapping"),
    named(64, "Security setup"),
    named(65, "Parameter monitor"),
    named(66, "Measurement data monitoring"),
    named(67, "Sensor manager"),
    named(68, "Arbitrator"),
    described(InterfaceClass::disconnect_control, "Disconnect control", 0,
              kDisconnectControlAttributes, kDisconnectControlMethods),
    named(71, "Limiter"),
    named(72, "M-Bus client"),
    named(73, "Wireless Mode Q channel"),
    named(74, "M-Bus master port setup"),
    named(76, "DLMS/COSEM server M-Bus port setup"),
    named(77, "M-Bus diagnostic"),
    named(80, "61334-4-32 LLC SSCS setup"),
    named(81, "PRIME NB OFDM PLC Physical layer counters"),
    named(82, "PRIME NB OFDM PLC MAC setup"),
    named(83, "PRIME NB OFDM PLC MAC functional parameters"),
    named(84, "PRIME NB OFDM PLC MAC counters"),
    named(85, "PRIME NB OFDM PLC MAC network administration data"),
    named(86, "PRIME NB OFDM PLC Application identification"),
    named(90, "G3-PLC MAC layer counters"),
    named(91, "G3-PLC MAC setup"),
    named(92, "G3-PLC 6LoWPAN adaptation layer setup"),
    named(95, "Wi-SUN setup"),
    named(96, "Wi-SUN diagnostic"),
    named(97, "RPL diagnostic"),
    named(98, "MPL diagnostic"),
    named(100, "NTP setup"),
    named(101, "ZigBee SAS startup"),
    named(102, "ZigBee SAS join"),
    named(103, "ZigBee SAS APS fragmentation"),
    named(104, "ZigBee network control"),
    named(105, "ZigBee tunnel setup"),
    named(111, "Account"),
    named(112, "Credit"),
    named(113, "Charge"),
    named(115, "Token gateway"),
    named(122, "Function control"),
    named(123, "Array manager"),
    named(124, "Communication port protection"),
    named(126, "SCHC-LPWAN setup"),
    named(127, "SCHC-LPWAN diagnostic"),
    named(128, "LoRaWAN setup"),
    named(129, "LoRaWAN diagnostic"),
    named(130, "ISO/IEC 14908 identification"),
    named(131, "ISO/IEC 14908 protocol setup"),
    named(132, "ISO/IEC 14908 protocol status"),
    named(133, "ISO/IEC 14908 diagnostic"),
    named(140, "HS-PLC ISO/IEC 12139-1 MAC setup"),
    named(141, "HS-PLC ISO/IEC 12139-1 CPAS setup"),
    named(142, "HS-PLC ISO/IEC 12139-1 IP SSAS setup"),
    named(143, "HS-PLC ISO/IEC 12139-1 HDLC SSAS setup"),
    named(151, "LTE monitoring"),
};

constexpr bool sorted_and_unique() {
  for (std::size_t i = 1; i < kClasses.size(); ++i) {
    if (kClasses[i - 1].id >= kClasses[i].id) return false;
  }
  return true;
}
static_assert(sorted_and_unique(), "kClasses must be ordered by id for the binary search");

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<std::string_view> member_name(std::span<const ClassMember> members,
                                            std::int8_t index) {
  for (const ClassMember& member : members) {
    if (member.index == index) return member.name;
  }
  return std::nullopt;
}

std::optional<std::int8_t> member_index(std::span<const ClassMember> members,
                                        std::string_view name) {
  for (const ClassMember& member : members) {
    if (equals_ignoring_case(member.name, name)) return member.index;
  }
  return std::nullopt;
}

std::string describe_member(InterfaceClass id, std::string_view kind, std::int8_t index,
                            std::optional<std::string_view> name) {
  std::string text = to_string(id) + " " + std::string(kind) + " " + std::to_string(index);
  if (name) text += " (" + std::string(*name) + ")";
  return text;
}

}  // namespace

std::span<const InterfaceClassInfo> all_interface_classes() {
  return kClasses;
}

std::optional<InterfaceClassInfo> find_interface_class(std::uint16_t class_id) {
  const auto id = static_cast<InterfaceClass>(class_id);
  const auto* it = std::lower_bound(
      kClasses.begin(), kClasses.end(), id,
      [](const InterfaceClassInfo& row, InterfaceClass key) { return row.id < key; });
  if (it == kClasses.end() || it->id != id) return std::nullopt;
  return *it;
}

std::optional<InterfaceClass> interface_class_from_name(std::string_view name) {
  for (const InterfaceClassInfo& row : kClasses) {
    if (equals_ignoring_case(row.name, name)) return row.id;
  }
  return std::nullopt;
}

std::string to_string(InterfaceClass id) {
  const auto row = find_interface_class(id);
  if (row) return std::string(row->name);
  return "class " + std::to_string(static_cast<unsigned>(id)) + " (unknown)";
}

std::optional<std::string_view> attribute_name(InterfaceClass id, std::int8_t attribute) {
  if (attribute == 1) return "logical_name";
  const auto row = find_interface_class(id);
  if (!row) return std::nullopt;
  return member_name(row->attributes, attribute);
}

std::optional<std::string_view> method_name(InterfaceClass id, std::int8_t method) {
  const auto row = find_interface_class(id);
  if (!row) return std::nullopt;
  return member_name(row->methods, method);
}

std::optional<std::int8_t> attribute_index(InterfaceClass id, std::string_view name) {
  if (equals_ignoring_case(name, "logical_name")) return std::int8_t{1};
  const auto row = find_interface_class(id);
  if (!row) return std::nullopt;
  return member_index(row->attributes, name);
}

std::optional<std::int8_t> method_index(InterfaceClass id, std::string_view name) {
  const auto row = find_interface_class(id);
  if (!row) return std::nullopt;
  return member_index(row->methods, name);
}

std::string describe_attribute(InterfaceClass id, std::int8_t attribute) {
  return describe_member(id, "attribute", attribute, attribute_name(id, attribute));
}

std::string describe_method(InterfaceClass id, std::int8_t method) {
  return describe_member(id, "method", method, method_name(id, method));
}

std::optional<std::int8_t> scaler_unit_attribute(InterfaceClass id) {
  switch (id) {
    case InterfaceClass::register_:
    case InterfaceClass::extended_register:
      return std::int8_t{3};
    case InterfaceClass::demand_register:
      return std::int8_t{4};
    default:
      return std::nullopt;
  }
}

}  // namespace dlmsgw::cosem
