#include "dlms/cosem/interface_class.hpp"

#include <gtest/gtest.h>

#include <set>

namespace dlmsgw::cosem {
namespace {

// Class ids from the Blue Book list of interface classes (and the dlms-cosem Python library's
// CosemInterface enumeration, which agrees).
TEST(InterfaceClass, CommonClassIdsAndNames) {
  struct Case {
    std::uint16_t id;
    std::string_view name;
  };
  const Case cases[] = {
      {1, "Data"},
      {3, "Register"},
      {4, "Extended register"},
      {5, "Demand register"},
      {7, "Profile generic"},
      {8, "Clock"},
      {9, "Script table"},
      {11, "Special days table"},
      {12, "Association SN"},
      {15, "Association LN"},
      {17, "SAP assignment"},
      {18, "Image transfer"},
      {20, "Activity calendar"},
      {21, "Register monitor"},
      {22, "Single action schedule"},
      {23, "IEC HDLC setup"},
      {40, "Push setup"},
      {41, "TCP-UDP setup"},
      {42, "IPv4 setup"},
      {64, "Security setup"},
      {70, "Disconnect control"},
      {71, "Limiter"},
      {151, "LTE monitoring"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.id);
    const auto row = find_interface_class(c.id);
    ASSERT_TRUE(row);
    EXPECT_EQ(row->name, c.name);
    EXPECT_EQ(static_cast<std::uint16_t>(row->id), c.id);
    EXPECT_EQ(to_string(static_cast<InterfaceClass>(c.id)), c.name);
    EXPECT_EQ(interface_class_from_name(c.name), static_cast<InterfaceClass>(c.id));
  }
  EXPECT_EQ(static_cast<int>(InterfaceClass::register_), 3);
  EXPECT_EQ(static_cast<int>(InterfaceClass::association_ln), 15);
  EXPECT_EQ(static_cast<int>(InterfaceClass::disconnect_control), 70);
}

TEST(InterfaceClass, EveryNamedEnumeratorIsCatalogued) {
  for (const InterfaceClass id : {InterfaceClass::data,
                                  InterfaceClass::register_,
                                  InterfaceClass::extended_register,
                                  InterfaceClass::demand_register,
                                  InterfaceClass::register_activation,
                                  InterfaceClass::profile_generic,
                                  InterfaceClass::clock,
                                  InterfaceClass::script_table,
                                  InterfaceClass::schedule,
                                  InterfaceClass::special_days_table,
                                  InterfaceClass::association_sn,
                                  InterfaceClass::association_ln,
                                  InterfaceClass::sap_assignment,
                                  InterfaceClass::image_transfer,
                                  InterfaceClass::iec_local_port_setup,
                                  InterfaceClass::activity_calendar,
                                  InterfaceClass::register_monitor,
                                  InterfaceClass::single_action_schedule,
                                  InterfaceClass::iec_hdlc_setup,
                                  InterfaceClass::push_setup,
                                  InterfaceClass::tcp_udp_setup,
                                  InterfaceClass::ipv4_setup,
                                  InterfaceClass::gprs_modem_setup,
                                  InterfaceClass::ipv6_setup,
                                  InterfaceClass::security_setup,
                                  InterfaceClass::disconnect_control,
                                  InterfaceClass::limiter,
                                  InterfaceClass::ntp_setup}) {
    EXPECT_TRUE(find_interface_class(id)) << static_cast<int>(id);
  }
}

TEST(InterfaceClass, CatalogIsOrderedUniqueAndNamesRoundTrip) {
  std::set<std::string_view> names;
  int previous = 0;
  for (const InterfaceClassInfo& row : all_interface_classes()) {
    EXPECT_GT(static_cast<int>(row.id), previous);
    previous = static_cast<int>(row.id);
    EXPECT_TRUE(names.insert(row.name).second) << row.name;
    EXPECT_EQ(interface_class_from_name(row.name), row.id);
    EXPECT_EQ(find_interface_class(row.id)->name, row.name);
    // Described classes list attribute 1 first and number members 1..n without gaps.
    for (std::size_t i = 0; i < row.attributes.size(); ++i) {
      EXPECT_EQ(row.attributes[i].index, static_cast<std::int8_t>(i + 1)) << row.name;
      EXPECT_EQ(attribute_index(row.id, row.attributes[i].name), row.attributes[i].index);
    }
    for (std::size_t i = 0; i < row.methods.size(); ++i) {
      EXPECT_EQ(row.methods[i].index, static_cast<std::int8_t>(i + 1)) << row.name;
      EXPECT_EQ(method_index(row.id, row.methods[i].name), row.methods[i].index);
    }
  }
  EXPECT_GT(all_interface_classes().size(), 90U);
}

TEST(InterfaceClass, UnknownClassesPrintClearly) {
  EXPECT_FALSE(find_interface_class(std::uint16_t{9999}));
  EXPECT_FALSE(find_interface_class(std::uint16_t{0}));
  EXPECT_FALSE(find_interface_class(std::uint16_t{2}));
  EXPECT_FALSE(find_interface_class(std::uint16_t{65535}));
  EXPECT_EQ(to_string(static_cast<InterfaceClass>(9999)), "class 9999 (unknown)");
  EXPECT_EQ(to_string(static_cast<InterfaceClass>(0)), "class 0 (unknown)");
  EXPECT_FALSE(interface_class_from_name("Regster"));
  EXPECT_FALSE(interface_class_from_name(""));
  EXPECT_EQ(interface_class_from_name("association ln"), InterfaceClass::association_ln);
  EXPECT_EQ(interface_class_from_name("REGISTER"), InterfaceClass::register_);
}

// Attribute and method names of the classes dlmsgw reads (Blue Book class descriptions).
TEST(InterfaceClass, AttributeNamesOfTheClassesDlmsgwReads) {
  EXPECT_EQ(attribute_name(InterfaceClass::data, 2), "value");
  EXPECT_EQ(attribute_name(InterfaceClass::register_, 1), "logical_name");
  EXPECT_EQ(attribute_name(InterfaceClass::register_, 2), "value");
  EXPECT_EQ(attribute_name(InterfaceClass::register_, 3), "scaler_unit");
  EXPECT_FALSE(attribute_name(InterfaceClass::register_, 4));
  EXPECT_EQ(attribute_name(InterfaceClass::extended_register, 4), "status");
  EXPECT_EQ(attribute_name(InterfaceClass::extended_register, 5), "capture_time");
  EXPECT_EQ(attribute_name(InterfaceClass::demand_register, 2), "current_average_value");
  EXPECT_EQ(attribute_name(InterfaceClass::demand_register, 4), "scaler_unit");
  EXPECT_EQ(attribute_name(InterfaceClass::demand_register, 9), "number_of_periods");
  EXPECT_EQ(attribute_name(InterfaceClass::profile_generic, 2), "buffer");
  EXPECT_EQ(attribute_name(InterfaceClass::profile_generic, 3), "capture_objects");
  EXPECT_EQ(attribute_name(InterfaceClass::profile_generic, 8), "profile_entries");
  EXPECT_EQ(attribute_name(InterfaceClass::clock, 2), "time");
  EXPECT_EQ(attribute_name(InterfaceClass::clock, 3), "time_zone");
  EXPECT_EQ(attribute_name(InterfaceClass::clock, 9), "clock_base");
  EXPECT_EQ(attribute_name(InterfaceClass::association_ln, 2), "object_list");
  EXPECT_EQ(attribute_name(InterfaceClass::association_ln, 8), "association_status");
  EXPECT_EQ(attribute_name(InterfaceClass::association_ln, 11), "current_user");
  EXPECT_EQ(attribute_name(InterfaceClass::disconnect_control, 2), "output_state");
  EXPECT_EQ(attribute_name(InterfaceClass::disconnect_control, 4), "control_mode");
  // Attribute 1 is logical_name in every class, described or not.
  EXPECT_EQ(attribute_name(InterfaceClass::limiter, 1), "logical_name");
  EXPECT_EQ(attribute_name(static_cast<InterfaceClass>(9999), 1), "logical_name");
  EXPECT_FALSE(attribute_name(InterfaceClass::limiter, 2));
  EXPECT_FALSE(attribute_name(static_cast<InterfaceClass>(9999), 2));
  EXPECT_FALSE(attribute_name(InterfaceClass::register_, 0));
  EXPECT_FALSE(attribute_name(InterfaceClass::register_, -1));
}

TEST(InterfaceClass, MethodNamesOfTheClassesDlmsgwActsOn) {
  EXPECT_EQ(method_name(InterfaceClass::register_, 1), "reset");
  EXPECT_FALSE(method_name(InterfaceClass::data, 1));
  EXPECT_EQ(method_name(InterfaceClass::demand_register, 2), "next_period");
  EXPECT_EQ(method_name(InterfaceClass::profile_generic, 2), "capture");
  EXPECT_EQ(method_name(InterfaceClass::clock, 1), "adjust_to_quarter");
  EXPECT_EQ(method_name(InterfaceClass::clock, 6), "shift_time");
  EXPECT_EQ(method_name(InterfaceClass::association_ln, 1), "reply_to_HLS_authentication");
  EXPECT_EQ(method_name(InterfaceClass::association_ln, 2), "change_HLS_secret");
  EXPECT_EQ(method_name(InterfaceClass::disconnect_control, 1), "remote_disconnect");
  EXPECT_EQ(method_name(InterfaceClass::disconnect_control, 2), "remote_reconnect");
  EXPECT_FALSE(method_name(InterfaceClass::disconnect_control, 3));
  EXPECT_FALSE(method_name(static_cast<InterfaceClass>(9999), 1));
}

TEST(InterfaceClass, ReverseLookupsForConfiguration) {
  EXPECT_EQ(attribute_index(InterfaceClass::register_, "scaler_unit"), 3);
  EXPECT_EQ(attribute_index(InterfaceClass::register_, "LOGICAL_NAME"), 1);
  EXPECT_EQ(attribute_index(static_cast<InterfaceClass>(9999), "logical_name"), 1);
  EXPECT_FALSE(attribute_index(static_cast<InterfaceClass>(9999), "value"));
  EXPECT_FALSE(attribute_index(InterfaceClass::register_, "buffer"));
  EXPECT_EQ(method_index(InterfaceClass::disconnect_control, "remote_reconnect"), 2);
  EXPECT_EQ(method_index(InterfaceClass::association_ln, "reply_to_hls_authentication"), 1);
  EXPECT_FALSE(method_index(InterfaceClass::disconnect_control, "reset"));
  EXPECT_FALSE(method_index(static_cast<InterfaceClass>(9999), "reset"));
}

TEST(InterfaceClass, DescriptionsForLogs) {
  EXPECT_EQ(describe_attribute(InterfaceClass::register_, 3), "Register attribute 3 (scaler_unit)");
  EXPECT_EQ(describe_attribute(InterfaceClass::register_, 9), "Register attribute 9");
  EXPECT_EQ(describe_attribute(static_cast<InterfaceClass>(9999), 5),
            "class 9999 (unknown) attribute 5");
  EXPECT_EQ(describe_method(InterfaceClass::disconnect_control, 1),
            "Disconnect control method 1 (remote_disconnect)");
  EXPECT_EQ(describe_method(InterfaceClass::clock, -3), "Clock method -3");
}

TEST(InterfaceClass, DefaultAndScalerUnitAttributes) {
  EXPECT_EQ(default_attribute(InterfaceClass::data), 2);
  EXPECT_EQ(default_attribute(InterfaceClass::register_), 2);
  EXPECT_EQ(default_attribute(InterfaceClass::clock), 2);            // time
  EXPECT_EQ(default_attribute(InterfaceClass::profile_generic), 2);  // buffer
  static_assert(default_attribute(InterfaceClass::disconnect_control) == 2);
  EXPECT_EQ(scaler_unit_attribute(InterfaceClass::register_), 3);
  EXPECT_EQ(scaler_unit_attribute(InterfaceClass::extended_register), 3);
  EXPECT_EQ(scaler_unit_attribute(InterfaceClass::demand_register), 4);
  EXPECT_FALSE(scaler_unit_attribute(InterfaceClass::data));
  EXPECT_FALSE(scaler_unit_attribute(InterfaceClass::clock));
  EXPECT_FALSE(scaler_unit_attribute(static_cast<InterfaceClass>(9999)));
}

TEST(InterfaceClass, VersionsOfTheDescribedClasses) {
  EXPECT_EQ(find_interface_class(InterfaceClass::profile_generic)->version, 1);
  EXPECT_EQ(find_interface_class(InterfaceClass::association_ln)->version, 2);
  EXPECT_EQ(find_interface_class(InterfaceClass::register_)->version, 0);
  EXPECT_TRUE(find_interface_class(InterfaceClass::limiter)->attributes.empty());
}

}  // namespace
}  // namespace dlmsgw::cosem
