// Unit tests of the gateway core's pure parts: registry, session limits, process usage, records.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "gateway/device_registry.hpp"
#include "gateway/gateway_service.hpp"
#include "gateway/process_usage.hpp"
#include "gateway/storage/temp_directory.hpp"
#include "gateway/uplink_limits.hpp"

namespace dlmsgw::gateway {
namespace {

TEST(DeviceRegistry, PersistsAddsRenamesAndRemovals) {
  testing::TempDirectory dir;
  const auto path = dir.path() / "state" / "devices.json";
  {
    auto registry = DeviceRegistry::open(path);
    ASSERT_TRUE(registry) << registry.error().message;
    EXPECT_TRUE(*registry->add("Meter 1", "DLMS_Meter", "dlms"));
    EXPECT_FALSE(*registry->add("Meter 1", "DLMS_Meter", "dlms"));  // nothing new: no connect
    EXPECT_TRUE(*registry->add("Meter 1", "Other_Type", "dlms"));   // type changed: connect again
    EXPECT_TRUE(*registry->add("Meter 2", "DLMS_Meter", "dlms"));
    EXPECT_TRUE(*registry->rename("Meter 2", "Kitchen"));
    EXPECT_FALSE(*registry->rename("Nobody", "X"));
    EXPECT_TRUE(*registry->add("Meter 3", "DLMS_Meter", "dlms"));
    EXPECT_TRUE(*registry->remove("Meter 3"));
    EXPECT_FALSE(*registry->remove("Meter 3"));
  }
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 077, 0U);
  auto reopened = DeviceRegistry::open(path);
  ASSERT_TRUE(reopened);
  ASSERT_EQ(reopened->devices().size(), 2U);
  EXPECT_EQ(reopened->find("Meter 1")->type, "Other_Type");
  EXPECT_EQ(reopened->find("Kitchen")->local_name, "Meter 2");
  EXPECT_EQ(reopened->find_local("dlms", "Meter 2")->name, "Kitchen");
  EXPECT_EQ(reopened->find("Meter 2"), nullptr);
  // Adding the connector's name again does not undo the rename.
  EXPECT_FALSE(*reopened->add("Meter 2", "DLMS_Meter", "dlms"));
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));
}

// Lookups by name are indexed (every reading makes one): after removals in the middle, renames
// and a device moving to another connector, each finds what a scan of the list would.
TEST(DeviceRegistry, LookupsFindWhatAScanWouldAfterRemovalsRenamesAndMoves) {
  auto registry = DeviceRegistry::open({});
  ASSERT_TRUE(registry);
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(*registry->add("Meter " + std::to_string(i), "DLMS_Meter", "dlms"));
  }
  ASSERT_TRUE(*registry->remove("Meter 10"));
  ASSERT_TRUE(*registry->rename("Meter 20", "Kitchen"));
  ASSERT_TRUE(*registry->add("Meter 30", "DLMS_Meter", "modbus"));  // moved to another connector
  ASSERT_TRUE(*registry->add("Meter 50", "DLMS_Meter", "dlms"));
  const auto scan = [&](auto matches) -> const DeviceEntry* {
    for (const DeviceEntry& entry : registry->devices()) {
      if (matches(entry)) return &entry;
    }
    return nullptr;
  };
  for (int i = 0; i <= 50; ++i) {
    const std::string name = "Meter " + std::to_string(i);
    for (const char* connector : {"dlms", "modbus"}) {
      EXPECT_EQ(registry->find_local(connector, name), scan([&](const DeviceEntry& entry) {
                  return entry.connector == connector && entry.local_name == name;
                }))
          << connector << " " << name;
    }
    EXPECT_EQ(registry->find(name),
              scan([&](const DeviceEntry& entry) { return entry.name == name; }))
        << name;
  }
  EXPECT_EQ(registry->find_local("dlms", "Meter 10"), nullptr);
  EXPECT_EQ(registry->find_local("dlms", "Meter 20")->name, "Kitchen");
  EXPECT_EQ(registry->find("Kitchen")->local_name, "Meter 20");
  EXPECT_EQ(registry->find_local("dlms", "Meter 30"), nullptr);
  EXPECT_EQ(registry->find_local("modbus", "Meter 30")->name, "Meter 30");
  EXPECT_EQ(registry->find("Meter 50")->local_name, "Meter 50");
  // The platform names a second device like the first: the first keeps the name, as in a scan.
  ASSERT_TRUE(*registry->rename("Meter 41", "Meter 40"));
  EXPECT_EQ(registry->find("Meter 40")->local_name, "Meter 40");
  EXPECT_EQ(registry->find_local("dlms", "Meter 41")->name, "Meter 40");
}

// The indexes are kept in place, not rebuilt: a long random run of adds, moves, renames (also to
// names in use) and removals, each lookup checked against a scan after every step.
TEST(DeviceRegistry, IndexesKeptInPlaceAgreeWithAScanThroughRandomChanges) {
  auto registry = DeviceRegistry::open({});
  ASSERT_TRUE(registry);
  std::mt19937 random(20261207);  // fixed: the same run every time
  const auto pick = [&](int n) { return std::to_string(random() % static_cast<unsigned>(n)); };
  for (int step = 0; step < 2000; ++step) {
    const auto op = random() % 4;
    const std::string name = "M" + pick(12);
    const std::string connector = random() % 2 == 0 ? "dlms" : "modbus";
    if (op == 0 || op == 1) {
      ASSERT_TRUE(registry->add(name, "DLMS_Meter", connector));
    } else if (op == 2) {
      ASSERT_TRUE(registry->rename(name, "M" + pick(12)));
    } else {
      ASSERT_TRUE(registry->remove(name));
    }
    for (int i = 0; i < 12; ++i) {
      const std::string key = "M" + std::to_string(i);
      const DeviceEntry* by_name = nullptr;
      for (const DeviceEntry& entry : registry->devices()) {
        if (entry.name == key) {
          by_name = &entry;
          break;
        }
      }
      ASSERT_EQ(registry->find(key), by_name) << "step " << step << ", " << key;
      for (const char* owner : {"dlms", "modbus"}) {
        const DeviceEntry* by_local = nullptr;
        for (const DeviceEntry& entry : registry->devices()) {
          if (entry.connector == owner && entry.local_name == key) {
            by_local = &entry;
            break;
          }
        }
        ASSERT_EQ(registry->find_local(owner, key), by_local) << "step " << step << ", " << key;
      }
    }
  }
}

// Readings stored before a rename carry the old name: the uplink asks for the current one.
TEST(DeviceRegistry, AFormerNameLeadsToTheCurrentOneThroughChainsAndBack) {
  auto registry = DeviceRegistry::open({});
  ASSERT_TRUE(registry);
  ASSERT_TRUE(*registry->add("Meter 1", "DLMS_Meter", "dlms"));
  EXPECT_EQ(registry->current_name("Meter 1"), "Meter 1");
  ASSERT_TRUE(*registry->rename("Meter 1", "Kitchen"));
  EXPECT_EQ(registry->current_name("Meter 1"), "Kitchen");
  ASSERT_TRUE(*registry->rename("Kitchen", "Hall"));
  EXPECT_EQ(registry->current_name("Meter 1"), "Hall");
  EXPECT_EQ(registry->current_name("Kitchen"), "Hall");
  ASSERT_TRUE(*registry->rename("Hall", "Meter 1"));  // back: no loop
  EXPECT_EQ(registry->current_name("Meter 1"), "Meter 1");
  EXPECT_EQ(registry->current_name("Kitchen"), "Meter 1");
  EXPECT_EQ(registry->current_name("Nobody"), "Nobody");
}

TEST(DeviceRegistry, AMalformedFileIsAnErrorAndLeftAlone) {
  testing::TempDirectory dir;
  const auto path = dir.path() / "devices.json";
  std::ofstream(path) << "{not json";
  auto registry = DeviceRegistry::open(path);
  ASSERT_FALSE(registry);
  EXPECT_NE(registry.error().message.find(path.string()), std::string::npos);
  std::ofstream(path) << R"({"devices":[{"name":"x"}]})";
  EXPECT_FALSE(DeviceRegistry::open(path));
  auto memory = DeviceRegistry::open("");
  ASSERT_TRUE(memory);
  EXPECT_TRUE(*memory->add("a", "t", "c"));
}

TEST(DeviceRegistry, WritesInTheBackgroundAndTheFileIsAlwaysWhole) {
  testing::TempDirectory dir;
  const auto path = dir.path() / "devices.json";
  auto registry = DeviceRegistry::open(path);
  ASSERT_TRUE(registry) << registry.error().message;
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!done) {
      std::ifstream in(path);
      if (!in) continue;  // not written yet
      std::stringstream text;
      text << in.rdbuf();
      const auto document = nlohmann::json::parse(text.str(), nullptr, false);
      if (document.is_discarded() || !document.contains("devices")) ++torn;
      ++reads;
    }
  });
  for (int n = 0; n < 300; ++n) {
    ASSERT_TRUE(*registry->add("Meter " + std::to_string(n), "DLMS_Meter", "dlms"));
  }
  ASSERT_TRUE(registry->flush());
  done = true;
  reader.join();
  EXPECT_EQ(torn, 0);
  auto reopened = DeviceRegistry::open(path);
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->devices().size(), 300U);
}

TEST(DeviceRegistry, AFailedWriteIsReportedByFlushAndTheNextChangeWritesEverything) {
  testing::TempDirectory dir;
  const auto blocker = dir.path() / "state";
  std::ofstream(blocker) << "a file where the directory should be";
  const auto path = blocker / "devices.json";
  auto registry = DeviceRegistry::open(path);
  ASSERT_TRUE(registry) << registry.error().message;
  // The change is made (in memory) even though it cannot be saved.
  ASSERT_TRUE(*registry->add("Meter 1", "DLMS_Meter", "dlms"));
  EXPECT_NE(registry->find("Meter 1"), nullptr);
  auto failed = registry->flush();
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find(path.string()), std::string::npos)
      << failed.error().message;
  std::filesystem::remove(blocker);
  std::filesystem::create_directory(blocker);
  ASSERT_TRUE(*registry->add("Meter 2", "DLMS_Meter", "dlms"));
  ASSERT_TRUE(registry->flush());
  auto reopened = DeviceRegistry::open(path);
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->devices().size(), 2U);
}

TEST(SessionLimits, ReplaceConfiguredLimitsAndShrinkThePayload) {
  UplinkLimits limits;
  limits.messages = *RateLimit::parse("100:1");
  limits.max_payload_bytes = 8196;
  const auto response = nlohmann::json::parse(R"({
    "maxPayloadSize": 4096, "maxInflightMessages": 100,
    "rateLimits": {"messages": "20:1", "telemetryMessages": "10:1,300:60",
                   "telemetryDataPoints": "200:1"},
    "gatewayRateLimits": {"messages": "50:1", "telemetryMessages": "40:1",
                          "telemetryDataPoints": "400:1"}})");
  auto changes = apply_session_limits(limits, response);
  ASSERT_TRUE(changes) << changes.error().message;
  EXPECT_EQ(changes->size(), 7U);
  EXPECT_EQ(limits.messages.to_string(), "50:1");
  EXPECT_EQ(limits.telemetry_data_points.to_string(), "400:1");
  EXPECT_EQ(limits.device_telemetry_messages.to_string(), "10:1,300:60");
  EXPECT_EQ(limits.max_payload_bytes, 4096U);
  // A larger server maximum does not raise ours.
  ASSERT_TRUE(apply_session_limits(limits, {{"maxPayloadSize", 1 << 20}}));
  EXPECT_EQ(limits.max_payload_bytes, 4096U);
}

TEST(SessionLimits, AMalformedResponseChangesNothing) {
  UplinkLimits limits;
  limits.messages = *RateLimit::parse("100:1");
  for (const char* bad :
       {R"([1])", R"({"gatewayRateLimits":{"messages":"oops"}})", R"({"rateLimits":[]})",
        R"({"maxPayloadSize":"big"})", R"({"gatewayRateLimits":{"messages":5}})"}) {
    EXPECT_FALSE(apply_session_limits(limits, nlohmann::json::parse(bad))) << bad;
    EXPECT_EQ(limits.messages.to_string(), "100:1");
  }
}

TEST(ProcessUsage, ParsesStatWithAwkwardCommandNames) {
  const std::string stat =
      "1234 (dl) (msgw x) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 1 0 0";
  auto cpu = parse_cpu_seconds(stat, 100);
  ASSERT_TRUE(cpu) << cpu.error().message;
  EXPECT_DOUBLE_EQ(*cpu, 3.0);
  EXPECT_FALSE(parse_cpu_seconds("1234 (x) S 1 2", 100));
  EXPECT_FALSE(parse_cpu_seconds("no parenthesis", 100));
  EXPECT_FALSE(parse_cpu_seconds("1 (x) S 1 1 1 0 -1 4 1 0 0 0 abc 5", 100));
  auto usage = read_process_usage();
  ASSERT_TRUE(usage) << usage.error().message;
  EXPECT_GT(usage->rss_bytes, 0U);
}

TEST(Records, ReadingsAndAttributesBecomeJsonObjects) {
  const Reading reading{
      "Meter 1",
      Timestamp{std::chrono::milliseconds(5)},
      {{"v", 230.5}, {"n", std::int64_t{7}}, {"ok", true}, {"s", std::string("x")}}};
  const auto record = to_record(reading, "Kitchen");
  EXPECT_EQ(record.kind, RecordKind::telemetry);
  EXPECT_EQ(record.device, "Kitchen");
  EXPECT_EQ(record.ts, reading.ts);
  EXPECT_EQ(nlohmann::json::parse(record.payload),
            (nlohmann::json{{"v", 230.5}, {"n", 7}, {"ok", true}, {"s", "x"}}));
  const auto attributes = to_record(AttributeSet{"Meter 1", {{"serial", std::string("A")}}}, "M");
  EXPECT_EQ(attributes.kind, RecordKind::attributes);
  EXPECT_EQ(attributes.payload, R"({"serial":"A"})");
}

TEST(Records, APollIsOneRecordEachValueWithItsAnswersTs) {
  const auto at = [](std::int64_t ms) { return Timestamp{std::chrono::milliseconds(ms)}; };
  const std::vector<Reading> poll{{"Meter 1", at(10), {{"a", std::int64_t{1}}, {"b", 2.5}}},
                                  {"Meter 1", at(13), {{"c", true}}},
                                  {"Meter 1", at(17), {{"d", std::string("x")}}}};
  const auto records = to_records(poll, "Kitchen", 8196);
  ASSERT_EQ(records.size(), 1U);
  EXPECT_EQ(records[0].kind, RecordKind::telemetry_series);
  EXPECT_EQ(records[0].device, "Kitchen");
  EXPECT_EQ(records[0].ts, at(10));
  EXPECT_EQ(records[0].payload,
            R"([{"ts":10,"values":{"a":1,"b":2.5}},{"ts":13,"values":{"c":true}},)"
            R"({"ts":17,"values":{"d":"x"}}])");
  // One ts: a plain telemetry record, as a GET-with-list gives.
  const std::vector<Reading> same{{"Meter 1", at(5), {{"a", std::int64_t{1}}}},
                                  {"Meter 1", at(5), {{"b", std::int64_t{2}}}}};
  const auto plain = to_records(same, "Kitchen", 8196);
  ASSERT_EQ(plain.size(), 1U);
  EXPECT_EQ(plain[0].kind, RecordKind::telemetry);
  EXPECT_EQ(plain[0].payload, R"({"a":1,"b":2})");
  EXPECT_TRUE(to_records({}, "Kitchen", 8196).empty());
}

TEST(Records, APollLargerThanAMessageIsSplitIntoRecordsThatFit) {
  std::vector<Reading> poll;
  for (std::int64_t i = 1; i <= 10; ++i) {
    poll.push_back({"Meter 1", Timestamp{std::chrono::milliseconds(i)}, {{"value", i}}});
  }
  // {"Kitchen":[..]} is 14 bytes around the entries; each entry {"ts":N,"values":{"value":N}} is
  // 29 bytes (30 for 10), plus a comma between two: 3 entries fit in 14 + 89 = 103, 4 do not.
  const auto records = to_records(poll, "Kitchen", 110);
  ASSERT_EQ(records.size(), 4U);
  std::size_t entries = 0;
  std::int64_t next = 1;
  for (const auto& record : records) {
    const auto items =
        record.kind == RecordKind::telemetry_series
            ? nlohmann::json::parse(record.payload)
            : nlohmann::json::array({{{"ts", record.ts.time_since_epoch().count()},
                                      {"values", nlohmann::json::parse(record.payload)}}});
    EXPECT_LE(14 + items.dump().size() - 2, 110U) << record.payload;
    for (const auto& item : items) {
      EXPECT_EQ(item["ts"], next);
      EXPECT_EQ(item["values"]["value"], next);
      ++next;
      ++entries;
    }
  }
  EXPECT_EQ(entries, 10U);
}

}  // namespace
}  // namespace dlmsgw::gateway
