#include "connectors/dlms/profile_readings.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>

#include "connectors/dlms/profile_cursor_store.hpp"
#include "gateway/storage/temp_directory.hpp"

namespace dlmsgw::connectors::dlms {
namespace {

const std::vector<xdlms::CaptureObjectDefinition> kLoadProfileColumns = {
    xdlms::CaptureObjectDefinition::clock(),
    {3, ObisCode(1, 0, 1, 8, 0), 2, 0},
    {1, ObisCode(0, 0, 96, 10, 1), 2, 0}};

xdlms::ProfileEntry profile_entry(std::int64_t ms, std::uint32_t energy, std::uint8_t status = 0) {
  return xdlms::ProfileEntry{ms,
                             status,
                             {axdr::Data::null(), axdr::Data::double_long_unsigned(energy),
                              axdr::Data::unsigned_integer(8)}};
}

TEST(ProfileColumns, DefaultIsEveryCaptureObjectButTheClock) {
  ProfileConfig profile;
  profile.obis = ObisCode(1, 0, 99, 1, 0);
  auto columns = select_profile_columns(profile, kLoadProfileColumns);
  ASSERT_TRUE(columns) << columns.error().message;
  ASSERT_EQ(columns->size(), 2U);
  EXPECT_EQ((*columns)[0].index, 1U);
  EXPECT_EQ((*columns)[0].point.key, "active_energy");  // the catalog's name
  EXPECT_EQ((*columns)[1].point.key, "0-0:96.10.1");    // none: the OBIS text
}

TEST(ProfileColumns, CatalogNamesFollowTheChannelAndAreNotRepeated) {
  ProfileConfig profile;
  profile.obis = ObisCode(1, 1, 99, 1, 0);
  const std::vector<xdlms::CaptureObjectDefinition> capture = {
      xdlms::CaptureObjectDefinition::clock(),
      {3, ObisCode(1, 1, 1, 8, 0), 2, 0},   // the Microstar's B = 1
      {3, ObisCode(1, 2, 1, 8, 0), 2, 0},   // the same quantity again: its OBIS text
      {3, ObisCode(1, 1, 1, 8, 1), 2, 0},   // tariff 1: not in the catalog
      {3, ObisCode(1, 1, 3, 8, 0), 2, 0}};  // reactive energy
  auto columns = select_profile_columns(profile, capture);
  ASSERT_TRUE(columns) << columns.error().message;
  ASSERT_EQ(columns->size(), 4U);
  EXPECT_EQ((*columns)[0].point.key, "active_energy");
  EXPECT_EQ((*columns)[1].point.key, "1-2:1.8.0");
  EXPECT_EQ((*columns)[2].point.key, "1-1:1.8.1");
  EXPECT_EQ((*columns)[3].point.key, "reactive_energy");
}

// A billing profile's maximum demand (class 4) and its capture time (attribute 5): one OBIS code,
// two columns, two keys (one overwrote the other when both were keyed by the OBIS text).
TEST(ProfileColumns, AttributesOtherThanTheValueGetTheirOwnKey) {
  ProfileConfig profile;
  profile.obis = ObisCode(1, 0, 98, 1, 0);
  const ObisCode demand(1, 0, 1, 6, 0);
  const std::vector<xdlms::CaptureObjectDefinition> capture = {
      xdlms::CaptureObjectDefinition::clock(),
      {4, demand, 2, 0},
      {4, demand, 5, 0},
  };
  auto columns = select_profile_columns(profile, capture);
  ASSERT_TRUE(columns) << columns.error().message;
  ASSERT_EQ(columns->size(), 2U);
  EXPECT_NE((*columns)[0].point.key, (*columns)[1].point.key);
  EXPECT_EQ((*columns)[1].point.key, "1-0:1.6.0:5");
  // `dlmsgw profile` names its columns with the same function.
  std::set<std::string> used;
  EXPECT_EQ(default_column_key(capture[1], used), (*columns)[0].point.key);
  EXPECT_EQ(default_column_key(capture[2], used), "1-0:1.6.0:5");
}

TEST(ProfileColumns, ConfiguredColumnsMustBeCaptureObjects) {
  ProfileConfig profile;
  profile.obis = ObisCode(1, 0, 99, 1, 0);
  profile.columns = {{{3, ObisCode(1, 0, 1, 8, 0), 2}, "energy"}};
  auto columns = select_profile_columns(profile, kLoadProfileColumns);
  ASSERT_TRUE(columns);
  ASSERT_EQ(columns->size(), 1U);
  EXPECT_EQ((*columns)[0].index, 1U);
  EXPECT_EQ((*columns)[0].point.key, "energy");

  profile.columns = {{{3, ObisCode(1, 0, 2, 8, 0), 2}, "export"}};
  auto missing = select_profile_columns(profile, kLoadProfileColumns);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("column 'export'"), std::string::npos);
  EXPECT_NE(missing.error().message.find("is not one of its capture objects"), std::string::npos)
      << missing.error().message;
}

TEST(ProfileWindowPlan, FirstReadGoesBackMaxBackfillInChunks) {
  const std::int64_t now = 1'800'000'000'000;
  const auto first =
      next_profile_window(std::nullopt, std::nullopt, now, 900000, std::chrono::hours(168), 96);
  EXPECT_EQ(first.from_ms, now - 168LL * 3600000);
  EXPECT_EQ(first.to_ms, first.from_ms + 96LL * 900000 - 1000);
  EXPECT_FALSE(first.reaches_now);
}

TEST(ProfileWindowPlan, AfterTheCursorUpToNow) {
  const std::int64_t now = 1'800'000'000'000;
  const std::int64_t cursor = now - 10 * 900000;
  const auto window =
      next_profile_window(cursor, std::nullopt, now, 900000, std::chrono::hours(168), 96);
  EXPECT_EQ(window.from_ms, cursor + 1000);
  EXPECT_EQ(window.to_ms, now);
  EXPECT_TRUE(window.reaches_now);
  // An empty stretch already scanned is not asked again.
  const auto later =
      next_profile_window(cursor, cursor + 5 * 900000, now, 900000, std::chrono::hours(168), 96);
  EXPECT_EQ(later.from_ms, cursor + 5 * 900000);
  // A cursor older than maxBackfillHours: the backfill limit wins.
  const auto old = next_profile_window(now - 1000LL * 3600000, std::nullopt, now, 900000,
                                       std::chrono::hours(24), 96);
  EXPECT_EQ(old.from_ms, now - 24LL * 3600000);
}

TEST(ProfileWindowPlan, EntryAccessCoversEverythingAfterTheCursorWithAMargin) {
  const std::int64_t now = 1'800'000'000'000;
  // 10 periods since the cursor, 600 entries held: the last 12 (two of margin).
  const auto after_cursor =
      next_entry_window(now - 10 * 1000, now, 1000, std::chrono::hours(1), 600, 96);
  EXPECT_EQ(after_cursor.from_entry, 589U);
  EXPECT_EQ(after_cursor.to_entry, 600U);
  EXPECT_TRUE(after_cursor.reaches_newest);
  // No cursor: back maxBackfillHours, at most what the meter holds, in chunks from the oldest.
  const auto first = next_entry_window(std::nullopt, now, 1000, std::chrono::hours(1), 600, 96);
  EXPECT_EQ(first.from_entry, 1U);
  EXPECT_EQ(first.to_entry, 96U);
  EXPECT_FALSE(first.reaches_newest);
  const auto empty = next_entry_window(std::nullopt, now, 1000, std::chrono::hours(1), 0, 96);
  EXPECT_GT(empty.from_entry, empty.to_entry);
}

TEST(ProfileChunkReadings, MeterTimestampsAfterTheCursorOnly) {
  ProfileConfig profile;
  auto columns = select_profile_columns(profile, kLoadProfileColumns);
  ASSERT_TRUE(columns);
  (*columns)[0].scaler_unit = cosem::ScalerUnit{-1, cosem::Unit::watt_hour};
  const std::vector<xdlms::ProfileEntry> entries = {
      profile_entry(1000000, 100), profile_entry(1900000, 105), profile_entry(2800000, 111, 0x02),
      xdlms::ProfileEntry{std::nullopt, 0, {}}};
  const auto chunk = profile_readings("meter", entries, *columns, 1000000);
  EXPECT_EQ(chunk.skipped_old, 1U);
  EXPECT_EQ(chunk.skipped_untimed, 1U);
  ASSERT_EQ(chunk.readings.size(), 2U);
  EXPECT_EQ(chunk.newest_ms, 2800000);
  EXPECT_EQ(chunk.readings[0].ts.time_since_epoch().count(), 1900000);
  EXPECT_EQ(chunk.readings[0].values.at(0), (gateway::DataPoint{"active_energy", 10.5}));
  EXPECT_EQ(chunk.readings[0].values.at(1), (gateway::DataPoint{"0-0:96.10.1", std::int64_t{8}}));
  EXPECT_EQ(chunk.readings[0].values.size(), 2U);
  // Doubtful clock: published at the meter's time with the status.
  EXPECT_EQ(chunk.readings[1].values.back(), (gateway::DataPoint{"clock_status", std::int64_t{2}}));
}

// A meter clock running ahead: entries stamped after the latest time accepted are left out, so
// that the cursor never moves into the future (every later entry would look delivered).
TEST(ProfileChunkReadings, EntriesFromTheFutureAreLeftOutAndDoNotMoveTheCursor) {
  ProfileConfig profile;
  auto columns = select_profile_columns(profile, kLoadProfileColumns);
  ASSERT_TRUE(columns);
  const std::vector<xdlms::ProfileEntry> entries = {profile_entry(1900000, 105),
                                                    profile_entry(9000000, 111)};
  const auto chunk = profile_readings("meter", entries, *columns, 1000000, 2000000);
  EXPECT_EQ(chunk.skipped_future, 1U);
  ASSERT_EQ(chunk.readings.size(), 1U);
  EXPECT_EQ(chunk.newest_ms, 1900000);
}

TEST(ProfileSetBack, FirstEntryAfterTheLastPlaceTheCaptureTimeGoesBack) {
  const auto stretch = [](std::vector<std::optional<std::int64_t>> times) {
    std::vector<xdlms::ProfileEntry> entries;
    for (const auto time : times) entries.push_back({time, 0, {}});
    return entries;
  };
  constexpr std::int64_t kPeriod = 1000;
  EXPECT_EQ(first_entry_after_set_back(stretch({1000, 2000, 3000}), kPeriod), std::nullopt);
  EXPECT_EQ(first_entry_after_set_back(stretch({}), kPeriod), std::nullopt);
  EXPECT_EQ(first_entry_after_set_back(stretch({5000, 6000, 3000, 4000}), kPeriod), 2U);
  EXPECT_EQ(first_entry_after_set_back(stretch({5000, 5000, 6000}), kPeriod), 1U);  // repeated
  // Two set backs: the entries after the last one; an entry without a time is passed over.
  EXPECT_EQ(
      first_entry_after_set_back(stretch({5000, 2000, std::nullopt, 3000, 1000, 2000}), kPeriod),
      4U);
}

// An event log (capture period 0) records events, not periods: two events in the same second after
// the clock went back are no second set back, and the start stays where the clock went back.
TEST(ProfileSetBack, EventLogEventsWithTheSameTimeAreNoSetBack) {
  const auto events = [](std::vector<std::optional<std::int64_t>> times) {
    std::vector<xdlms::ProfileEntry> entries;
    for (const auto time : times) entries.push_back({time, 0, {}});
    return entries;
  };
  EXPECT_EQ(first_entry_after_set_back(events({5000, 6000, 2000, 3000, 3000}), 0), 2U);
  EXPECT_EQ(first_entry_after_set_back(events({5000, 5000, 6000}), 0), std::nullopt);
  EXPECT_EQ(first_entry_after_set_back(events({5000, 6000, 6000, 2000, 2000, 2500}), 0), 3U);
  // The same stretch read as a periodic profile: the repeated stamp is where the clock went back.
  EXPECT_EQ(first_entry_after_set_back(events({5000, 6000, 2000, 3000, 3000}), 1000), 4U);
}

TEST(ProfileCursors, FileKeepsCursorsAcrossReopenAndRefusesGarbage) {
  gateway::testing::TempDirectory dir;
  const auto file = dir.path() / "profile-cursors.json";
  const ObisCode load_profile(1, 0, 99, 1, 0);
  {
    auto store = FileProfileCursorStore::open(file);
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ((*store)->load("m1", load_profile), std::nullopt);
    ASSERT_TRUE((*store)->save("m1", load_profile, 1795525200000));
    ASSERT_TRUE((*store)->save("m2", load_profile, 5));
    ASSERT_TRUE((*store)->save("m1", load_profile, 1795525201000));
  }
  auto reopened = FileProfileCursorStore::open(file);
  ASSERT_TRUE(reopened) << reopened.error().message;
  EXPECT_EQ((*reopened)->load("m1", load_profile), 1795525201000);
  EXPECT_EQ((*reopened)->load("m2", load_profile), 5);
  EXPECT_EQ((*reopened)->load("m1", ObisCode(0, 0, 99, 98, 0)), std::nullopt);

  std::ofstream(file) << "{\"m1\": {\"1-0:99.1.0\": \"yesterday\"}}";
  auto garbage = FileProfileCursorStore::open(file);
  ASSERT_FALSE(garbage);
  EXPECT_NE(garbage.error().message.find(file.string()), std::string::npos);
  EXPECT_NE(garbage.error().message.find("move the file aside"), std::string::npos)
      << garbage.error().message;
}

}  // namespace
}  // namespace dlmsgw::connectors::dlms
