#include "connectors/dlms/profile_cursor_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "gateway/storage/temp_directory.hpp"

namespace dlmsgw::connectors::dlms {
namespace {

using namespace std::chrono_literals;

nlohmann::json cursor_file_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in, nullptr, false);
}

const ObisCode kCursorLoadProfile(1, 0, 99, 1, 0);
const ObisCode kCursorEventLog(0, 0, 99, 98, 0);

TEST(ProfileCursorStore, SavesWithinTheIntervalAreWrittenTogetherAtTheNextFlush) {
  gateway::testing::TempDirectory dir;
  const auto file = dir.path() / "profile-cursors.json";
  // An interval no test outlives: only flush() writes after the first write.
  auto store = FileProfileCursorStore::open(file, std::chrono::hours(1));
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_TRUE((*store)->save("m0", kCursorLoadProfile, 1000));
  ASSERT_TRUE((*store)->flush());
  EXPECT_EQ((*store)->writes(), 1U);
  EXPECT_EQ(cursor_file_json(file)["m0"]["1-0:99.1.0"], 1000);

  // 1,000 meters, two profiles, several chunks each: in memory at once, on disk in one write.
  for (std::int64_t chunk = 1; chunk <= 3; ++chunk) {
    for (int meter = 0; meter < 1000; ++meter) {
      const auto name = "m" + std::to_string(meter);
      ASSERT_TRUE((*store)->save(name, kCursorLoadProfile, 1000 + chunk * 900'000));
      ASSERT_TRUE((*store)->save(name, kCursorEventLog, 2000 + chunk));
    }
  }
  EXPECT_EQ((*store)->load("m999", kCursorLoadProfile), 1000 + 3 * 900'000);
  EXPECT_EQ((*store)->load("m0", kCursorEventLog), 2003);
  // The file lags (the entries since would be read again after a crash), never leads.
  EXPECT_EQ(cursor_file_json(file)["m0"]["1-0:99.1.0"], 1000);
  EXPECT_EQ((*store)->writes(), 1U);

  ASSERT_TRUE((*store)->flush());
  EXPECT_EQ((*store)->writes(), 2U);
  const auto written = cursor_file_json(file);
  ASSERT_EQ(written.size(), 1000U);
  EXPECT_EQ(written["m999"]["1-0:99.1.0"], 1000 + 3 * 900'000);
  EXPECT_EQ(written["m500"]["0-0:99.98.0"], 2003);
  ASSERT_TRUE((*store)->flush());  // nothing new: no write
  EXPECT_EQ((*store)->writes(), 2U);
}

// A set back in progress and the meter's clock offset are kept beside the cursor, so that a
// restart goes on where it was; a cursor alone stays a bare number (the format older binaries
// read).
TEST(ProfileCursorStore, SetBackStateAndClockOffsetSurviveAReopen) {
  gateway::testing::TempDirectory dir;
  const auto file = dir.path() / "profile-cursors.json";
  ProfileCursor during{1795525200000};
  during.clock_offset_ms = -3600'000;
  during.set_back_until_ms = 1795525200000;
  during.set_back_delivered_ms = 1795522500000;
  during.set_back_floor_ms = 1795521000000;
  {
    auto store = FileProfileCursorStore::open(file);
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE((*store)->save("kitchen", kCursorLoadProfile, during));
    ASSERT_TRUE((*store)->save("cellar", kCursorLoadProfile, 1795525200000));
  }
  // The cursor file in the format older binaries read (a rollback starts); the state beside it.
  const auto written = cursor_file_json(file);
  EXPECT_EQ(written["kitchen"]["1-0:99.1.0"], 1795525200000) << written;
  EXPECT_EQ(written["cellar"]["1-0:99.1.0"], 1795525200000) << written;
  const auto state = cursor_file_json(clock_state_file(file));
  EXPECT_EQ(state["kitchen"]["1-0:99.1.0"]["setBackDelivered"], 1795522500000) << state;
  EXPECT_EQ(state["kitchen"]["1-0:99.1.0"]["setBackFloor"], 1795521000000) << state;
  EXPECT_EQ(state["kitchen"]["1-0:99.1.0"]["clockOffsetMs"], -3600'000) << state;
  EXPECT_FALSE(state.contains("cellar")) << state;
  auto reopened = FileProfileCursorStore::open(file);
  ASSERT_TRUE(reopened) << reopened.error().message;
  EXPECT_EQ((*reopened)->load("kitchen", kCursorLoadProfile), during);
  EXPECT_EQ((*reopened)->load("cellar", kCursorLoadProfile), 1795525200000);

  // The object form one release wrote in the cursor file itself is read too.
  std::filesystem::remove(clock_state_file(file));
  std::ofstream(file) << R"({"kitchen": {"1-0:99.1.0": {"newest": 5, "setBackFloor": 3}}})";
  auto object_form = FileProfileCursorStore::open(file);
  ASSERT_TRUE(object_form) << object_form.error().message;
  const auto loaded = (*object_form)->load("kitchen", kCursorLoadProfile);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->newest_ms, 5);
  EXPECT_EQ(loaded->set_back_floor_ms, 3);
  object_form->reset();

  std::ofstream(file) << R"({"kitchen": {"1-0:99.1.0": {"newest": 5, "setBackUntil": "now"}}})";
  auto garbage = FileProfileCursorStore::open(file);
  ASSERT_FALSE(garbage);
  EXPECT_NE(garbage.error().message.find("'kitchen' 1-0:99.1.0"), std::string::npos)
      << garbage.error().message;
}

TEST(ProfileCursorStore, ClosingWritesWhatWaitsWithoutWaitingForTheInterval) {
  gateway::testing::TempDirectory dir;
  const auto file = dir.path() / "profile-cursors.json";
  {
    auto store = FileProfileCursorStore::open(file, std::chrono::hours(1));
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE((*store)->save("kitchen", kCursorLoadProfile, 1795525200000));
    ASSERT_TRUE((*store)->flush());
    ASSERT_TRUE((*store)->save("kitchen", kCursorLoadProfile, 1795526100000));
    ASSERT_TRUE((*store)->save("cellar", kCursorEventLog, 1795520000000));
  }
  auto reopened = FileProfileCursorStore::open(file);
  ASSERT_TRUE(reopened) << reopened.error().message;
  EXPECT_EQ((*reopened)->load("kitchen", kCursorLoadProfile), 1795526100000);
  EXPECT_EQ((*reopened)->load("cellar", kCursorEventLog), 1795520000000);
  EXPECT_EQ((*reopened)->writes(), 0U);
}

// Storage in memory: a write waits for the gate (every record stored before it has left
// storage); a gate answering no (storage stopped first) leaves that write out, and a gate that
// never answers holds neither flush nor closing once the store goes. The directory is made if
// missing.
TEST(ProfileCursorStore, WithAGateCursorsAreWrittenOnlyOnceItOpens) {
  gateway::testing::TempDirectory dir;
  const auto file = dir.path() / "data" / "profile-cursors.json";
  std::mutex mutex;
  std::vector<std::function<void(bool)>> asked;
  const auto next_question = [&](std::size_t n) {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard lock(mutex);
        if (asked.size() >= n) return asked[n - 1];
      }
      std::this_thread::sleep_for(10ms);
    }
    ADD_FAILURE() << "the gate was not asked a " << n << "th time";
    return std::function<void(bool)>([](bool) {});
  };
  {
    auto store = FileProfileCursorStore::open(file);
    ASSERT_TRUE(store) << store.error().message;
    (*store)->set_gate([&](std::function<void(bool)> opened) {
      std::lock_guard lock(mutex);
      asked.push_back(std::move(opened));
    });
    ASSERT_TRUE((*store)->save("m", kCursorLoadProfile, 1000));
    const auto first = next_question(1);
    std::this_thread::sleep_for(50ms);
    EXPECT_FALSE(std::filesystem::exists(file)) << "written before the gate opened";
    first(true);
    ASSERT_TRUE((*store)->flush());
    EXPECT_EQ(cursor_file_json(file)["m"]["1-0:99.1.0"], 1000);
    ASSERT_TRUE((*store)->save("m", kCursorLoadProfile, 2000));
    next_question(2)(false);
    ASSERT_TRUE((*store)->flush());
    EXPECT_EQ(cursor_file_json(file)["m"]["1-0:99.1.0"], 1000) << "written past a closed gate";
    ASSERT_TRUE((*store)->save("m", kCursorLoadProfile, 3000));
    next_question(3);  // never answered: closing must not wait for it
  }
  auto reopened = FileProfileCursorStore::open(file);
  ASSERT_TRUE(reopened) << reopened.error().message;
  EXPECT_EQ((*reopened)->load("m", kCursorLoadProfile), 1000);
}

TEST(ProfileCursorStore, AFailedWriteKeepsTheCursorsAndIsReportedByFlush) {
  gateway::testing::TempDirectory dir;
  // A file where its directory should be: neither made nor written into.
  const auto file = dir.path() / "in-the-way" / "profile-cursors.json";
  std::ofstream(file.parent_path()) << "not a directory\n";
  auto store = FileProfileCursorStore::open(file, 0ms);
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_TRUE((*store)->save("kitchen", kCursorLoadProfile, 42));
  const auto flushed = (*store)->flush();
  ASSERT_FALSE(flushed);
  // Names the file it could not write (the clock state, written first, in the same directory).
  EXPECT_NE(flushed.error().message.find(file.parent_path().string()), std::string::npos)
      << flushed.error().message;
  EXPECT_EQ((*store)->load("kitchen", kCursorLoadProfile), 42);

  // The file out of the way: the next save writes every cursor.
  std::filesystem::remove(file.parent_path());
  ASSERT_TRUE((*store)->save("cellar", kCursorLoadProfile, 43));
  ASSERT_TRUE((*store)->flush());
  const auto written = cursor_file_json(file);
  EXPECT_EQ(written["kitchen"]["1-0:99.1.0"], 42);
  EXPECT_EQ(written["cellar"]["1-0:99.1.0"], 43);
}

}  // namespace
}  // namespace dlmsgw::connectors::dlms
