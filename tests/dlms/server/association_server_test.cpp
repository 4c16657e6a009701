// The meter side of associations and xDLMS services, driven as a client would drive it, with the
// library's client-side codecs. No vectors exist for a simulator's answers; the checks are that a
// conforming client gets what the Green Book and Blue Book say it should.
#include "dlms/server/association_server.hpp"

#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "dlms/acse/release_request.hpp"
#include "dlms/acse/release_response.hpp"
#include "dlms/cosem/unit.hpp"
#include "dlms/security/authentication_challenge.hpp"
#include "dlms/security/ciphered_apdu_tag.hpp"
#include "dlms/security/hls_gmac.hpp"
#include "dlms/server/association_ln_object.hpp"
#include "dlms/server/clock_object.hpp"
#include "dlms/server/disconnect_control_object.hpp"
#include "server_test_support.hpp"

namespace dlmsgw::server {
namespace {

using namespace testing;
using acse::AcseServiceUserDiagnostic;

// The Microstar keeps its B field on the load profile too.
const ObisCode kMicrostarLoadProfileCode(1, 1, 99, 1, 0);

class MicrostarAssociation : public ::testing::Test {
 protected:
  SimulatedMeter meter{MeterProfile::microstar(), 42};
  ServerConfig config = ServerConfig::microstar();
  AssociationServer server{meter, config};

  acse::AareParameters associate(const std::string& password, std::uint16_t sap = 1) {
    auto aare = acse::decode_aare(exchange(server, sap, lls_aarq(password)));
    EXPECT_TRUE(aare) << (aare ? "" : aare.error().message);
    return aare ? *aare : acse::AareParameters{};
  }
};

TEST_F(MicrostarAssociation, LlsAcceptedWithTheLabelPasswordsAndNegotiates00301D) {
  for (const auto& [sap, password] : std::vector<std::pair<std::uint16_t, std::string>>{
           {1, "22222222"}, {32, "11111111"}, {17, "00000000"}}) {
    const auto aare = associate(password, sap);
    ASSERT_TRUE(aare.accepted()) << acse::describe(aare);
    ASSERT_NE(aare.initiate_response(), nullptr);
    // The user's client proposes 0x007E1F; the meter grants 0x00301D.
    EXPECT_EQ(aare.initiate_response()->negotiated_conformance.value(), 0x00301DU);
    EXPECT_EQ(aare.mechanism, acse::MechanismName::low);
    EXPECT_TRUE(server.associated());
    EXPECT_EQ(server.client_max_receive_pdu(), 1200);
  }
}

TEST_F(MicrostarAssociation, WrongPasswordIsAuthenticationFailure) {
  const auto aare = associate("11111111", 1);
  EXPECT_FALSE(aare.accepted());
  EXPECT_TRUE(aare.diagnostic.is(AcseServiceUserDiagnostic::authentication_failure));
  EXPECT_FALSE(server.associated());
  // No service before an association.
  const Bytes answer = exchange(server, 1, get_request(3, ObisCode(1, 1, 32, 7, 0), 2));
  EXPECT_TRUE(std::holds_alternative<xdlms::ExceptionResponse>(decode(answer)));
}

TEST_F(MicrostarAssociation, NoMechanismWhereLlsIsRequiredIsRefused) {
  const auto aare = acse::decode_aare(exchange(server, 1, public_aarq()));
  ASSERT_TRUE(aare);
  EXPECT_FALSE(aare->accepted());
  EXPECT_TRUE(
      aare->diagnostic.is(AcseServiceUserDiagnostic::authentication_mechanism_name_required));
}

TEST_F(MicrostarAssociation, UnknownClientSapAndOldDlmsVersionAreRefused) {
  EXPECT_FALSE(associate("22222222", 99).accepted());
  acse::AarqParameters aarq;
  aarq.mechanism = acse::MechanismName::low;
  aarq.calling_authentication_value = security::lls_authentication_value("22222222");
  xdlms::InitiateRequest initiate;
  initiate.proposed_dlms_version = 5;
  initiate.proposed_conformance = xdlms::Conformance(0x007E1F);
  aarq.user_information = initiate.encode();
  auto aare = acse::decode_aare(exchange(server, 1, *acse::encode_aarq(aarq)));
  ASSERT_TRUE(aare);
  EXPECT_FALSE(aare->accepted());
  ASSERT_NE(aare->confirmed_service_error(), nullptr);
  EXPECT_EQ(aare->confirmed_service_error()->value,
            static_cast<std::uint8_t>(xdlms::InitiateError::dlms_version_too_low));
  EXPECT_FALSE(acse::decode_aare(exchange(server, 1, Bytes{0x60, 0x01}))->accepted());
}

TEST_F(MicrostarAssociation, GetsTheUsersRegistersWithScalerAndUnit) {
  ASSERT_TRUE(associate("22222222").accepted());
  const auto voltage = value_of(get(server, 1, 3, ObisCode(1, 1, 32, 7, 0), 2));
  EXPECT_EQ(voltage.type(), axdr::DataType::long_unsigned);
  EXPECT_NEAR(static_cast<double>(*voltage.as_unsigned()), 13500, 200);
  const auto scaler = value_of(get(server, 1, 3, ObisCode(1, 1, 32, 7, 0), 3));
  EXPECT_EQ(scaler, axdr::Data::structure({axdr::Data::integer(-2), axdr::Data::enumerated(35)}));
  const auto current = value_of(get(server, 1, 3, ObisCode(1, 1, 31, 7, 0), 2));
  EXPECT_NEAR(static_cast<double>(*current.as_unsigned()), 1300, 600);
  EXPECT_EQ(value_of(get(server, 1, 3, ObisCode(1, 1, 31, 7, 0), 3)),
            axdr::Data::structure({axdr::Data::integer(-3), axdr::Data::enumerated(33)}));
  const auto frequency = value_of(get(server, 1, 3, ObisCode(1, 1, 14, 7, 0), 2));
  EXPECT_NEAR(static_cast<double>(*frequency.as_unsigned()), 6000, 10);
  for (const auto& code :
       {ObisCode(1, 1, 1, 7, 0), ObisCode(1, 1, 3, 7, 0), ObisCode(1, 1, 9, 7, 0),
        ObisCode(1, 1, 13, 7, 0), ObisCode(1, 1, 1, 8, 0), ObisCode(1, 1, 3, 8, 0),
        ObisCode(1, 1, 52, 7, 0), ObisCode(1, 1, 72, 7, 0)}) {
    EXPECT_TRUE(std::holds_alternative<axdr::Data>(get(server, 1, 3, code, 2))) << code.to_string();
  }
  const auto serial = value_of(get(server, 1, 1, ObisCode(1, 0, 0, 0, 0), 2));
  ASSERT_NE(serial.as_text(), nullptr);
  EXPECT_EQ(*serial.as_text(), meter.model().serial_number());
  // Logical name, attribute 1, of any class.
  EXPECT_EQ(value_of(get(server, 1, 3, ObisCode(1, 1, 32, 7, 0), 1)),
            axdr::Data::octet_string({1, 1, 32, 7, 0, 255}));
}

TEST_F(MicrostarAssociation, UnknownObjectsAndAttributesAndWrongClasses) {
  ASSERT_TRUE(associate("22222222").accepted());
  // B = 0 codes do not answer on this meter.
  EXPECT_EQ(get(server, 1, 3, ObisCode(1, 0, 32, 7, 0), 2),
            xdlms::GetDataResult(xdlms::DataAccessResult::object_undefined));
  EXPECT_EQ(get(server, 1, 3, ObisCode(1, 1, 32, 7, 0), 9),
            xdlms::GetDataResult(xdlms::DataAccessResult::object_undefined));
  EXPECT_EQ(get(server, 1, 1, ObisCode(1, 1, 32, 7, 0), 2),
            xdlms::GetDataResult(xdlms::DataAccessResult::object_class_inconsistent));
  EXPECT_EQ(get(server, 1, 15, ObisCode(0, 0, 40, 0, 0), 7),
            xdlms::GetDataResult(xdlms::DataAccessResult::read_write_denied));
}

TEST_F(MicrostarAssociation, ExtendedRegisterClockAndDisconnectControl) {
  ASSERT_TRUE(associate("22222222").accepted());
  EXPECT_TRUE(std::holds_alternative<axdr::Data>(get(server, 1, 4, ObisCode(1, 1, 1, 6, 0), 2)));
  const auto capture = value_of(get(server, 1, 4, ObisCode(1, 1, 1, 6, 0), 5));
  EXPECT_TRUE(capture.to_date_time());
  EXPECT_EQ(value_of(get(server, 1, 4, ObisCode(1, 1, 1, 6, 0), 4)),
            axdr::Data::unsigned_integer(0));
  const auto time = value_of(get(server, 1, 8, kClockCode, 2)).to_date_time();
  ASSERT_TRUE(time);
  EXPECT_EQ(time->to_unix_ms(), kNow);
  for (std::int8_t attribute = 3; attribute <= 9; ++attribute) {
    EXPECT_TRUE(std::holds_alternative<axdr::Data>(get(server, 1, 8, kClockCode, attribute)));
  }
  EXPECT_EQ(value_of(get(server, 1, 70, kDisconnectControlCode, 2)), axdr::Data::boolean(true));
  EXPECT_EQ(value_of(get(server, 1, 70, kDisconnectControlCode, 4)), axdr::Data::enumerated(2));
}

TEST_F(MicrostarAssociation, SetClockMovesTheMeterTime) {
  ASSERT_TRUE(associate("22222222").accepted());
  const auto target = cosem::DateTime::from_unix_ms(kNow + 3600000);
  xdlms::SetRequestNormal set{
      {}, {8, kClockCode, 2}, std::nullopt, axdr::Data::octet_string(target.encode())};
  auto answer = decode(exchange(server, 1, set.encode()));
  ASSERT_TRUE(std::holds_alternative<xdlms::SetResponseNormal>(answer));
  EXPECT_EQ(std::get<xdlms::SetResponseNormal>(answer).result, xdlms::DataAccessResult::success);
  const auto later =
      value_of(get(server, 1, 8, kClockCode, 2, std::nullopt, kNow + 1000)).to_date_time();
  EXPECT_EQ(later->to_unix_ms(), kNow + 3601000);
  // A register value is read-only; a wrong type for the clock is type-unmatched.
  xdlms::SetRequestNormal denied{
      {}, {3, ObisCode(1, 1, 32, 7, 0), 2}, std::nullopt, axdr::Data::long_unsigned(1)};
  EXPECT_EQ(std::get<xdlms::SetResponseNormal>(decode(exchange(server, 1, denied.encode()))).result,
            xdlms::DataAccessResult::read_write_denied);
  set.value = axdr::Data::long_unsigned(1);
  EXPECT_EQ(std::get<xdlms::SetResponseNormal>(decode(exchange(server, 1, set.encode()))).result,
            xdlms::DataAccessResult::type_unmatched);
  // Clock methods: shift_time by -60 s, adjust_to_minute.
  xdlms::ActionRequestNormal shift{{}, {8, kClockCode, 6}, axdr::Data::long_integer(-60)};
  EXPECT_EQ(
      std::get<xdlms::ActionResponseNormal>(decode(exchange(server, 1, shift.encode()))).result,
      xdlms::ActionResult::success);
  xdlms::ActionRequestNormal minute{{}, {8, kClockCode, 3}, axdr::Data::integer(0)};
  EXPECT_EQ(
      std::get<xdlms::ActionResponseNormal>(decode(exchange(server, 1, minute.encode()))).result,
      xdlms::ActionResult::success);
  EXPECT_EQ(meter.model().meter_time_ms(kNow), kNow + 3600000 - 60000);
}

TEST_F(MicrostarAssociation, ActionDisconnectAndReconnect) {
  ASSERT_TRUE(associate("22222222").accepted());
  xdlms::ActionRequestNormal disconnect{
      {}, {70, kDisconnectControlCode, 1}, axdr::Data::integer(0)};
  auto answer =
      std::get<xdlms::ActionResponseNormal>(decode(exchange(server, 1, disconnect.encode())));
  EXPECT_EQ(answer.result, xdlms::ActionResult::success);
  EXPECT_EQ(value_of(get(server, 1, 70, kDisconnectControlCode, 2)), axdr::Data::boolean(false));
  EXPECT_EQ(value_of(get(server, 1, 70, kDisconnectControlCode, 3)), axdr::Data::enumerated(0));
  xdlms::ActionRequestNormal reconnect{{}, {70, kDisconnectControlCode, 2}, axdr::Data::integer(0)};
  exchange(server, 1, reconnect.encode());
  EXPECT_EQ(value_of(get(server, 1, 70, kDisconnectControlCode, 2)), axdr::Data::boolean(true));
  // Mode 1: reconnection waits for the customer.
  xdlms::SetRequestNormal mode{
      {}, {70, kDisconnectControlCode, 4}, std::nullopt, axdr::Data::enumerated(1)};
  exchange(server, 1, mode.encode());
  exchange(server, 1, disconnect.encode());
  exchange(server, 1, reconnect.encode());
  EXPECT_EQ(value_of(get(server, 1, 70, kDisconnectControlCode, 3)), axdr::Data::enumerated(2));
  // Unknown object and method.
  xdlms::ActionRequestNormal unknown{
      {}, {70, ObisCode(0, 0, 96, 3, 11), 1}, axdr::Data::integer(0)};
  EXPECT_EQ(
      std::get<xdlms::ActionResponseNormal>(decode(exchange(server, 1, unknown.encode()))).result,
      xdlms::ActionResult::object_undefined);
  xdlms::ActionRequestNormal method9{{}, {70, kDisconnectControlCode, 9}, std::nullopt};
  EXPECT_EQ(
      std::get<xdlms::ActionResponseNormal>(decode(exchange(server, 1, method9.encode()))).result,
      xdlms::ActionResult::object_undefined);
}

TEST_F(MicrostarAssociation, GetWithListIsRefusedWithoutMultipleReferences) {
  ASSERT_TRUE(associate("22222222").accepted());
  xdlms::GetRequestWithList list{{},
                                 {{{3, ObisCode(1, 1, 32, 7, 0), 2}, std::nullopt},
                                  {{3, ObisCode(1, 1, 52, 7, 0), 2}, std::nullopt}}};
  const auto answer = decode(exchange(server, 1, list.encode()));
  ASSERT_TRUE(std::holds_alternative<xdlms::ExceptionResponse>(answer));
  EXPECT_EQ(std::get<xdlms::ExceptionResponse>(answer).service_error,
            xdlms::ServiceError::service_not_supported);
  xdlms::SetRequestWithList set_list{
      {}, {{{8, kClockCode, 2}, std::nullopt}}, {axdr::Data::null()}};
  EXPECT_TRUE(std::holds_alternative<xdlms::ExceptionResponse>(
      decode(exchange(server, 1, set_list.encode()))));
}

TEST_F(MicrostarAssociation, ObjectListInBlocksListsEveryObjectWithRights) {
  ASSERT_TRUE(associate("22222222").accepted());
  int blocks = 0;
  const auto list =
      value_of(get(server, 1, 15, ObisCode(0, 0, 40, 0, 0), 2, std::nullopt, kNow, &blocks));
  EXPECT_GT(blocks, 1);
  ASSERT_NE(list.as_list(), nullptr);
  EXPECT_EQ(list.as_list()->size(), meter.objects().objects().size());
  bool found_voltage = false;
  for (const auto& entry : *list.as_list()) {
    const auto& fields = *entry.as_list();
    ASSERT_EQ(fields.size(), 4U);
    if (fields[2] == axdr::Data::octet_string({1, 1, 32, 7, 0, 255})) {
      found_voltage = true;
      EXPECT_EQ(fields[0], axdr::Data::long_unsigned(3));
      const auto& rights = *fields[3].as_list();
      const auto& attribute_access = *rights[0].as_list();
      ASSERT_EQ(attribute_access.size(), 3U);
      EXPECT_EQ(attribute_access[1],
                axdr::Data::structure(
                    {axdr::Data::integer(2), axdr::Data::enumerated(1), axdr::Data::null()}));
    }
  }
  EXPECT_TRUE(found_voltage);
  // Other Association LN attributes.
  EXPECT_EQ(value_of(get(server, 1, 15, kCurrentAssociationCode, 3)),
            axdr::Data::structure({axdr::Data::integer(1), axdr::Data::long_unsigned(1)}));
  for (const std::int8_t attribute :
       {std::int8_t{4}, std::int8_t{5}, std::int8_t{6}, std::int8_t{8}}) {
    EXPECT_TRUE(
        std::holds_alternative<axdr::Data>(get(server, 1, 15, kCurrentAssociationCode, attribute)));
  }
}

TEST_F(MicrostarAssociation, BlockTransferErrorsAndRelease) {
  ASSERT_TRUE(associate("22222222").accepted());
  auto none = decode(exchange(server, 1, xdlms::GetRequestNext{{}, 1}.encode()));
  ASSERT_TRUE(std::holds_alternative<xdlms::GetResponseWithDatablock>(none));
  EXPECT_EQ(std::get<xdlms::GetResponseWithDatablock>(none).result,
            (std::variant<Bytes, xdlms::DataAccessResult>(
                xdlms::DataAccessResult::no_long_get_in_progress)));
  auto first = decode(exchange(server, 1, get_request(7, kMicrostarLoadProfileCode, 2)));
  ASSERT_TRUE(std::holds_alternative<xdlms::GetResponseWithDatablock>(first));
  auto wrong = decode(exchange(server, 1, xdlms::GetRequestNext{{}, 5}.encode()));
  EXPECT_EQ(std::get<xdlms::GetResponseWithDatablock>(wrong).result,
            (std::variant<Bytes, xdlms::DataAccessResult>(
                xdlms::DataAccessResult::data_block_number_invalid)));
  // RLRQ -> RLRE, and the association is over.
  const Bytes rlre = exchange(server, 1, acse::encode_rlrq({}));
  EXPECT_TRUE(acse::decode_rlre(rlre));
  EXPECT_FALSE(server.associated());
  EXPECT_GE(server.stats().requests, 3U);
}

TEST_F(MicrostarAssociation, LoadProfileWholeRangeAndEntries) {
  ASSERT_TRUE(associate("22222222").accepted());
  int blocks = 0;
  const auto buffer =
      value_of(get(server, 1, 7, kMicrostarLoadProfileCode, 2, std::nullopt, kNow, &blocks));
  ASSERT_NE(buffer.as_list(), nullptr);
  EXPECT_EQ(buffer.as_list()->size(), 960U);
  EXPECT_GT(blocks, 10);
  // Consistent history: clock steps of 900 s ending at the last quarter, energy never decreasing
  // and the newest entry not above the register now.
  std::int64_t previous_time = 0;
  std::uint64_t previous_energy = 0;
  for (const auto& row : *buffer.as_list()) {
    const auto& columns = *row.as_list();
    ASSERT_EQ(columns.size(), 3U);
    const auto time = *columns[0].to_date_time()->to_unix_ms();
    if (previous_time != 0) {
      EXPECT_EQ(time - previous_time, 900000);
    }
    EXPECT_GE(*columns[1].as_unsigned(), previous_energy);
    previous_time = time;
    previous_energy = *columns[1].as_unsigned();
  }
  EXPECT_EQ(previous_time, kNow);  // kNow is a whole quarter
  const auto energy_now = value_of(get(server, 1, 3, ObisCode(1, 1, 1, 8, 0), 2));
  EXPECT_EQ(*energy_now.as_unsigned(), previous_energy);

  // Range: the last two hours -> 9 entries (both ends included), clock and energy only.
  auto range = xdlms::RangeDescriptor::between(cosem::DateTime::from_unix_ms(kNow - 7200000),
                                               cosem::DateTime::from_unix_ms(kNow));
  range.selected_values = {xdlms::CaptureObjectDefinition::clock(),
                           {3, ObisCode(1, 1, 1, 8, 0), 2, 0}};
  const auto ranged =
      value_of(get(server, 1, 7, kMicrostarLoadProfileCode, 2, range.to_selective_access()));
  ASSERT_EQ(ranged.as_list()->size(), 9U);
  EXPECT_EQ(ranged.as_list()->back().as_list()->size(), 2U);
  EXPECT_EQ(ranged.as_list()->back(),
            axdr::Data::structure({buffer.as_list()->back().as_list()->at(0),
                                   buffer.as_list()->back().as_list()->at(1)}));
  // A range in the future is empty; a bad restricting object is refused.
  auto future = xdlms::RangeDescriptor::between(cosem::DateTime::from_unix_ms(kNow + 86400000),
                                                cosem::DateTime::from_unix_ms(kNow + 2 * 86400000));
  EXPECT_EQ(value_of(get(server, 1, 7, kMicrostarLoadProfileCode, 2, future.to_selective_access())),
            axdr::Data::array({}));
  range.restricting_object.logical_name = ObisCode(0, 0, 1, 0, 1);
  EXPECT_EQ(get(server, 1, 7, kMicrostarLoadProfileCode, 2, range.to_selective_access()),
            xdlms::GetDataResult(xdlms::DataAccessResult::other_reason));

  // Entries 959..960 (the last two), columns 2..3.
  const xdlms::EntryDescriptor entries{959, 0, 2, 3};
  const auto selected =
      value_of(get(server, 1, 7, kMicrostarLoadProfileCode, 2, entries.to_selective_access()));
  ASSERT_EQ(selected.as_list()->size(), 2U);
  EXPECT_EQ(selected.as_list()->back(),
            axdr::Data::structure({buffer.as_list()->back().as_list()->at(1),
                                   buffer.as_list()->back().as_list()->at(2)}));
  EXPECT_EQ(get(server, 1, 7, kMicrostarLoadProfileCode, 2,
                xdlms::EntryDescriptor{0, 0, 1, 0}.to_selective_access()),
            xdlms::GetDataResult(xdlms::DataAccessResult::other_reason));
  // Selective access on an attribute without selectors.
  EXPECT_EQ(get(server, 1, 3, ObisCode(1, 1, 1, 8, 0), 2, entries.to_selective_access()),
            xdlms::GetDataResult(xdlms::DataAccessResult::other_reason));
  for (std::int8_t attribute = 3; attribute <= 8; ++attribute) {
    EXPECT_TRUE(std::holds_alternative<axdr::Data>(
        get(server, 1, 7, kMicrostarLoadProfileCode, attribute)));
  }
}

TEST(SimulatedLoadProfile, ObisCarriesTheProfileBField) {
  EXPECT_EQ(MeterProfile::microstar().load_profile_code(), kMicrostarLoadProfileCode);
  EXPECT_EQ(MeterProfile::generic().load_profile_code(), ObisCode(1, 0, 99, 1, 0));
}

// A short capture period (tests run hours of history in seconds); the history is a function of
// seed and time: the entry at T holds the model's energy at T, so a test can compute it.
TEST(SimulatedLoadProfile, ShortCapturePeriodAndRangeRefusal) {
  MeterProfile profile = MeterProfile::microstar();
  profile.capture_period_seconds = 2;
  profile.profile_entries = 30;
  profile.refuse_range_access = true;
  SimulatedMeter meter{profile, 42};
  ServerConfig config = ServerConfig::microstar();
  AssociationServer server{meter, config};
  auto aare = acse::decode_aare(exchange(server, 1, lls_aarq("22222222")));
  ASSERT_TRUE(aare && aare->accepted());

  const std::int64_t now = kNow + 1500;  // 1.5 s into a 2 s period
  EXPECT_EQ(value_of(get(server, 1, 7, kMicrostarLoadProfileCode, 4, std::nullopt, now)),
            axdr::Data::double_long_unsigned(2));
  const auto buffer = value_of(get(server, 1, 7, kMicrostarLoadProfileCode, 2, std::nullopt, now));
  ASSERT_EQ(buffer.as_list()->size(), 30U);
  const MeterModel model(profile, 42);
  for (std::size_t i = 0; i < 30; ++i) {
    const auto& row = *buffer.as_list()->at(i).as_list();
    const std::int64_t expected_time = kNow - static_cast<std::int64_t>(29 - i) * 2000;
    EXPECT_EQ(row[0].to_date_time()->to_unix_ms(), expected_time);
    EXPECT_EQ(*row[1].as_unsigned(), model.energy(expected_time).active_import);
  }

  // Range access is refused; entry access still answers (the last three entries).
  const auto range = xdlms::RangeDescriptor::between(cosem::DateTime::from_unix_ms(kNow - 10000),
                                                     cosem::DateTime::from_unix_ms(kNow));
  EXPECT_EQ(get(server, 1, 7, kMicrostarLoadProfileCode, 2, range.to_selective_access(), now),
            xdlms::GetDataResult(xdlms::DataAccessResult::other_reason));
  const auto last = value_of(get(server, 1, 7, kMicrostarLoadProfileCode, 2,
                                 xdlms::EntryDescriptor{28, 30, 1, 0}.to_selective_access(), now));
  ASSERT_EQ(last.as_list()->size(), 3U);
  EXPECT_EQ(last.as_list()->back(), buffer.as_list()->back());
}

// A clock set back by 10 s, 5 s before now (1 s periods, 20 entries): the buffer holds the entries
// before the step, then those after it, in recording order; a range returns both, in that order.
TEST(SimulatedLoadProfile, ClockSetBackRecordsEntriesAfterTheFormerOnes) {
  MeterProfile profile = MeterProfile::microstar();
  profile.capture_period_seconds = 1;
  profile.profile_entries = 20;
  profile.clock_set_back_at_ms = kNow - 4500;
  profile.clock_set_back_ms = 10'000;
  SimulatedMeter meter{profile, 42};
  ServerConfig config = ServerConfig::microstar();
  AssociationServer server{meter, config};
  auto aare = acse::decode_aare(exchange(server, 1, lls_aarq("22222222")));
  ASSERT_TRUE(aare && aare->accepted());
  const MeterModel model(profile, 42);

  const auto buffer = value_of(get(server, 1, 7, kMicrostarLoadProfileCode, 2, std::nullopt, kNow));
  ASSERT_EQ(buffer.as_list()->size(), 20U);
  const auto time_of = [](const axdr::Data& row) {
    return row.as_list()->at(0).to_date_time()->to_unix_ms().value_or(0);
  };
  for (std::size_t i = 0; i < 15; ++i) {  // before: up to kNow - 5000, captured then
    const auto& row = buffer.as_list()->at(i);
    const std::int64_t stamped = kNow - 5000 - static_cast<std::int64_t>(14 - i) * 1000;
    EXPECT_EQ(time_of(row), stamped) << i;
    EXPECT_EQ(*row.as_list()->at(1).as_unsigned(), model.energy(stamped).active_import) << i;
  }
  for (std::size_t i = 15; i < 20; ++i) {  // after: from kNow - 14000, captured 10 s later
    const auto& row = buffer.as_list()->at(i);
    const std::int64_t stamped = kNow - 14000 + static_cast<std::int64_t>(i - 15) * 1000;
    EXPECT_EQ(time_of(row), stamped) << i;
    EXPECT_EQ(*row.as_list()->at(1).as_unsigned(), model.energy(stamped + 10'000).active_import)
        << i;
  }
  const auto range = xdlms::RangeDescriptor::between(cosem::DateTime::from_unix_ms(kNow - 12000),
                                                     cosem::DateTime::from_unix_ms(kNow - 8000));
  const auto in_range =
      value_of(get(server, 1, 7, kMicrostarLoadProfileCode, 2, range.to_selective_access(), kNow));
  std::vector<std::int64_t> times;
  for (const auto& row : *in_range.as_list()) times.push_back(time_of(row));
  EXPECT_EQ(times,
            (std::vector<std::int64_t>{kNow - 12000, kNow - 11000, kNow - 10000, kNow - 9000,
                                       kNow - 8000, kNow - 12000, kNow - 11000, kNow - 10000}));
}

// The billing profile (monthly) and the event log (capture period 0) with what the model says.
TEST(SimulatedLoadProfile, BillingProfileAndEventLog) {
  MeterProfile profile = MeterProfile::microstar();
  profile.capture_period_seconds = 2;
  SimulatedMeter meter{profile, 42};
  ServerConfig config = ServerConfig::microstar();
  AssociationServer server{meter, config};
  auto aare = acse::decode_aare(exchange(server, 1, lls_aarq("22222222")));
  ASSERT_TRUE(aare && aare->accepted());
  const MeterModel model(profile, 42);

  const ObisCode billing_code(1, 1, 98, 1, 0);
  EXPECT_EQ(profile.billing_profile_code(), billing_code);
  EXPECT_EQ(value_of(get(server, 1, 7, billing_code, 4, std::nullopt, kNow)),
            axdr::Data::double_long_unsigned(0));
  const auto billing = value_of(get(server, 1, 7, billing_code, 2, std::nullopt, kNow));
  ASSERT_EQ(billing.as_list()->size(), 24U);
  // kNow is 2026-03-01T12:00:00Z: the newest reset is 2026-03-01T00:00Z, the one before February's.
  const auto& newest = *billing.as_list()->back().as_list();
  EXPECT_EQ(newest[0].to_date_time()->to_unix_ms(), 1772323200000);
  EXPECT_EQ(*newest[1].as_unsigned(), model.energy(1772323200000).active_import);
  EXPECT_EQ(billing.as_list()->at(22).as_list()->at(0).to_date_time()->to_unix_ms(), 1769904000000);

  const ObisCode event_log(0, 0, 99, 98, 0);
  EXPECT_EQ(value_of(get(server, 1, 7, event_log, 4, std::nullopt, kNow)),
            axdr::Data::double_long_unsigned(0));
  const auto events = value_of(get(server, 1, 7, event_log, 2, std::nullopt, kNow));
  ASSERT_EQ(events.as_list()->size(), 100U);
  std::int64_t previous = 0;
  for (const auto& entry : *events.as_list()) {
    const auto& row = *entry.as_list();
    const std::int64_t at = row[0].to_date_time()->to_unix_ms().value_or(0);
    EXPECT_GT(at, previous);
    EXPECT_LE(at, kNow);
    EXPECT_EQ(at % 1000, 0);
    const auto recorded = model.event_at_or_before(at);
    EXPECT_EQ(recorded.meter_ms, at);
    EXPECT_EQ(*row[1].as_unsigned(), recorded.code);
    previous = at;
  }
}

class GenericAssociation : public ::testing::Test {
 protected:
  SimulatedMeter meter{MeterProfile::generic(), 7};
  ServerConfig config = ServerConfig::generic();
  AssociationServer server{meter, config};
  security::SystemTitle client_title{{'C', 'L', 'I', 0, 0, 0, 0, 1}};
  std::uint32_t client_ic = 100;

  security::SecurityContext client_context() {
    security::SecurityContext context;
    context.own_system_title = client_title;
    context.invocation_counter = security::InvocationCounter(client_ic);
    context.peer_system_title = config.security.system_title;
    context.global_key = config.security.block_key;
    context.authentication_key = config.security.authentication_key;
    return context;
  }
  // The ciphered answer as it came, to `plain` sent in `form` (glo- tag or general-glo-ciphering).
  Bytes send_ciphered_as(const Bytes& plain, security::CipheringForm form) {
    auto context = client_context();
    context.form = form;
    auto ciphered = security::protect(plain, context);
    EXPECT_TRUE(ciphered);
    ++client_ic;
    return exchange(server, 1, *ciphered);
  }
  // An HLS-GMAC association of client 1 up to pass 2; returns the meter's challenge (StoC).
  Bytes hls_aarq(const Bytes& ctos) {
    acse::AarqParameters aarq;
    aarq.application_context = acse::ApplicationContextName::logical_name_ciphered;
    aarq.mechanism = acse::MechanismName::high_gmac;
    const auto title = client_title.bytes();
    aarq.calling_ap_title = Bytes(title.begin(), title.end());
    aarq.calling_authentication_value = ctos;
    xdlms::InitiateRequest initiate;
    initiate.proposed_conformance = xdlms::Conformance(0x00FFFF);
    initiate.client_max_receive_pdu_size = 512;
    aarq.user_information = *security::protect(initiate.encode(), client_context());
    ++client_ic;
    auto aare = acse::decode_aare(exchange(server, 1, *acse::encode_aarq(aarq)));
    EXPECT_TRUE(aare && aare->accepted());
    return aare && aare->responding_authentication_value ? *aare->responding_authentication_value
                                                         : Bytes{};
  }
  Bytes send_ciphered(const Bytes& plain) {
    auto ciphered = security::protect(plain, client_context());
    EXPECT_TRUE(ciphered);
    ++client_ic;
    const Bytes answer = exchange(server, 1, *ciphered);
    if (!answer.empty() && answer[0] == xdlms::kExceptionResponseTag) return answer;
    auto plain_answer = security::unprotect(answer, client_context());
    EXPECT_TRUE(plain_answer) << (plain_answer ? "" : plain_answer.error().message);
    return plain_answer ? plain_answer->apdu : Bytes{};
  }
};

TEST_F(GenericAssociation, PublicClientNoAuthenticationWithList) {
  auto aare = acse::decode_aare(exchange(server, 16, public_aarq(0x00FFFF)));
  ASSERT_TRUE(aare && aare->accepted());
  EXPECT_EQ(aare->initiate_response()->negotiated_conformance.value(), 0x003E1DU & 0x00FFFFU);
  xdlms::GetRequestWithList list{{},
                                 {{{3, ObisCode(1, 0, 32, 7, 0), 2}, std::nullopt},
                                  {{3, ObisCode(1, 0, 99, 7, 0), 2}, std::nullopt}}};
  const auto answer =
      std::get<xdlms::GetResponseWithList>(decode(exchange(server, 16, list.encode())));
  ASSERT_EQ(answer.results.size(), 2U);
  EXPECT_NEAR(static_cast<double>(*std::get<axdr::Data>(answer.results[0]).as_unsigned()), 23000,
              300);
  EXPECT_EQ(answer.results[1], xdlms::GetDataResult(xdlms::DataAccessResult::object_undefined));
  xdlms::SetRequestWithList set_list{{},
                                     {{{70, kDisconnectControlCode, 4}, std::nullopt},
                                      {{3, ObisCode(1, 0, 32, 7, 0), 2}, std::nullopt}},
                                     {axdr::Data::enumerated(3), axdr::Data::long_unsigned(1)}};
  const auto set_answer =
      std::get<xdlms::SetResponseWithList>(decode(exchange(server, 16, set_list.encode())));
  EXPECT_EQ(set_answer.results,
            (std::vector<xdlms::DataAccessResult>{xdlms::DataAccessResult::success,
                                                  xdlms::DataAccessResult::read_write_denied}));
  // A small client PDU makes even a register list go in blocks: serial number is short, object
  // list long.
  EXPECT_TRUE(std::holds_alternative<axdr::Data>(get(server, 16, 1, ObisCode(0, 0, 96, 1, 0), 2)));
}

TEST_F(GenericAssociation, ConformanceWithoutBlockTransferGivesOtherReasonForLongValues) {
  auto aare = acse::decode_aare(exchange(server, 16, public_aarq(0x000018, 256)));
  ASSERT_TRUE(aare && aare->accepted());
  EXPECT_EQ(get(server, 16, 15, kCurrentAssociationCode, 2),
            xdlms::GetDataResult(xdlms::DataAccessResult::other_reason));
  // No action granted: exception.
  xdlms::ActionRequestNormal action{{}, {70, kDisconnectControlCode, 1}, axdr::Data::integer(0)};
  EXPECT_TRUE(std::holds_alternative<xdlms::ExceptionResponse>(
      decode(exchange(server, 16, action.encode()))));
  // Nothing in common at all.
  EXPECT_FALSE(acse::decode_aare(exchange(server, 16, public_aarq(0x400000)))->accepted());
}

TEST_F(GenericAssociation, HlsGmacHandshakeThenCipheredGet) {
  acse::AarqParameters aarq;
  aarq.application_context = acse::ApplicationContextName::logical_name_ciphered;
  aarq.mechanism = acse::MechanismName::high_gmac;
  const auto title = client_title.bytes();
  aarq.calling_ap_title = Bytes(title.begin(), title.end());
  const Bytes ctos{'P', '6', 'w', 'R', 'J', '2', '1', 'F'};
  aarq.calling_authentication_value = ctos;
  xdlms::InitiateRequest initiate;
  initiate.proposed_conformance = xdlms::Conformance(0x00FFFF);
  initiate.client_max_receive_pdu_size = 512;
  aarq.user_information = *security::protect(initiate.encode(), client_context());
  ++client_ic;
  auto aare = acse::decode_aare(exchange(server, 1, *acse::encode_aarq(aarq)));
  ASSERT_TRUE(aare) << aare.error().message;
  ASSERT_TRUE(aare->accepted()) << acse::describe(*aare);
  EXPECT_TRUE(aare->diagnostic.is(AcseServiceUserDiagnostic::authentication_required));
  ASSERT_TRUE(aare->responding_authentication_value);
  const Bytes stoc = *aare->responding_authentication_value;
  const auto* ciphered_initiate =
      std::get_if<acse::CipheredUserInformation>(&aare->user_information);
  ASSERT_NE(ciphered_initiate, nullptr);
  auto initiate_response = security::unprotect(ciphered_initiate->apdu, client_context());
  ASSERT_TRUE(initiate_response) << initiate_response.error().message;
  EXPECT_TRUE(xdlms::InitiateResponse::decode(initiate_response->apdu));
  EXPECT_FALSE(server.authenticated());

  // Before pass 3 nothing is readable.
  EXPECT_EQ(std::get<xdlms::GetResponseNormal>(
                decode(send_ciphered(get_request(3, ObisCode(1, 0, 32, 7, 0), 2))))
                .result,
            xdlms::GetDataResult(xdlms::DataAccessResult::read_write_denied));

  const security::SecurityKeys keys{config.security.block_key, config.security.authentication_key};
  // A wrong f(StoC) is refused.
  auto bad = *security::hls_gmac_response(ctos, client_title,
                                          security::InvocationCounter(client_ic), keys);
  xdlms::ActionRequestNormal bad_reply{
      {}, {15, kCurrentAssociationCode, 1}, axdr::Data::octet_string(bad)};
  EXPECT_EQ(std::get<xdlms::ActionResponseNormal>(decode(send_ciphered(bad_reply.encode()))).result,
            xdlms::ActionResult::read_write_denied);

  auto proof = *security::hls_gmac_response(stoc, client_title,
                                            security::InvocationCounter(client_ic), keys);
  xdlms::ActionRequestNormal reply{
      {}, {15, kCurrentAssociationCode, 1}, axdr::Data::octet_string(proof)};
  const auto answer = std::get<xdlms::ActionResponseNormal>(decode(send_ciphered(reply.encode())));
  ASSERT_EQ(answer.result, xdlms::ActionResult::success);
  ASSERT_TRUE(answer.return_parameters);
  const auto* server_proof = std::get<axdr::Data>(*answer.return_parameters).as_bytes();
  ASSERT_NE(server_proof, nullptr);
  EXPECT_TRUE(
      security::verify_hls_gmac_response(*server_proof, ctos, config.security.system_title, keys));
  EXPECT_TRUE(server.authenticated());

  const auto voltage = std::get<xdlms::GetResponseNormal>(
      decode(send_ciphered(get_request(3, ObisCode(1, 0, 32, 7, 0), 2))));
  EXPECT_NEAR(static_cast<double>(*std::get<axdr::Data>(voltage.result).as_unsigned()), 23000, 300);

  // A replayed invocation counter is refused with the counter the meter expects.
  client_ic -= 1;
  const auto replay = decode(send_ciphered(get_request(3, ObisCode(1, 0, 32, 7, 0), 2)));
  ASSERT_TRUE(std::holds_alternative<xdlms::ExceptionResponse>(replay));
  EXPECT_EQ(std::get<xdlms::ExceptionResponse>(replay).service_error,
            xdlms::ServiceError::invocation_counter_error);
  // A plain request on a ciphered association is refused.
  EXPECT_TRUE(std::holds_alternative<xdlms::ExceptionResponse>(
      decode(exchange(server, 1, get_request(3, ObisCode(1, 0, 32, 7, 0), 2)))));
}

// dlms-cosem sends the HLS pass-3 ACTION as general-glo-ciphering and cannot parse a
// glo-action-response: a meter answers in the form it was asked, as the Gurux server does.
TEST_F(GenericAssociation, AnswersGeneralGloCipheringInKindAndGloWithGlo) {
  const Bytes ctos{'K', '5', 'p', 'Q', '8', 'z', 'L', '2'};
  const Bytes stoc = hls_aarq(ctos);
  ASSERT_FALSE(stoc.empty());
  const security::SecurityKeys keys{config.security.block_key, config.security.authentication_key};
  auto proof = *security::hls_gmac_response(stoc, client_title,
                                            security::InvocationCounter(client_ic), keys);
  xdlms::ActionRequestNormal reply{
      {}, {15, kCurrentAssociationCode, 1}, axdr::Data::octet_string(proof)};
  const Bytes general = send_ciphered_as(reply.encode(), security::CipheringForm::general);
  ASSERT_FALSE(general.empty());
  EXPECT_EQ(general[0], security::apdu_tag::kGeneralGloCiphering) << to_hex(general);
  auto action = security::unprotect(general, client_context());
  ASSERT_TRUE(action) << action.error().message;
  EXPECT_EQ(std::get<xdlms::ActionResponseNormal>(decode(action->apdu)).result,
            xdlms::ActionResult::success);
  ASSERT_TRUE(server.authenticated());

  const auto read = get_request(3, ObisCode(1, 0, 32, 7, 0), 2);
  const Bytes glo = send_ciphered_as(read, security::CipheringForm::service_specific);
  ASSERT_FALSE(glo.empty());
  EXPECT_EQ(glo[0], 0xCC) << to_hex(glo);  // glo-get-response
  const Bytes general_get = send_ciphered_as(read, security::CipheringForm::general);
  ASSERT_FALSE(general_get.empty());
  EXPECT_EQ(general_get[0], security::apdu_tag::kGeneralGloCiphering) << to_hex(general_get);
  auto value = security::unprotect(general_get, client_context());
  ASSERT_TRUE(value) << value.error().message;
  EXPECT_TRUE(std::holds_alternative<xdlms::GetResponseNormal>(decode(value->apdu)));
}

TEST_F(GenericAssociation, CipheredClientMustUseTheCipheredContextAndATitle) {
  auto aare = acse::decode_aare(exchange(server, 1, public_aarq()));
  ASSERT_TRUE(aare);
  EXPECT_TRUE(
      aare->diagnostic.is(AcseServiceUserDiagnostic::application_context_name_not_supported));
  acse::AarqParameters aarq;
  aarq.application_context = acse::ApplicationContextName::logical_name_ciphered;
  aarq.mechanism = acse::MechanismName::high_gmac;
  aarq.calling_authentication_value = Bytes(16, 1);
  aarq.user_information = Bytes{0x01};
  EXPECT_TRUE(acse::decode_aare(exchange(server, 1, *acse::encode_aarq(aarq)))
                  ->diagnostic.is(AcseServiceUserDiagnostic::calling_ap_title_not_recognized));
}

}  // namespace
}  // namespace dlmsgw::server
