// `dlmsgw dead-letter list|requeue` (issue 15, item 3) on the database of a stopped gateway: the
// real executable against a SQLite queue the test fills, refused while another process holds it.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gateway/storage/sqlite_queue.hpp"
#include "gateway/storage/temp_directory.hpp"
#include "support/command_runner.hpp"
#include "support/dlmsgw_binary.hpp"

namespace dlmsgw {
namespace {

namespace fs = std::filesystem;

using test::kBinary;

class DeadLetterCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.path() / "tb_gateway.yaml")
        << "thingsboard:\n  host: 127.0.0.1\n  port: 9\n  security: {accessToken: t}\n"
           "storage: {type: sqlite, data_file_path: data/queue.db}\nconnectors: []\n"
           "health: {enabled: false}\n";
    // Three records, the second set aside by the uplink.
    auto queue = gateway::SqliteQueue::open(database());
    ASSERT_TRUE(queue) << queue.error().message;
    using gateway::Record;
    using gateway::RecordKind;
    using gateway::Timestamp;
    ASSERT_TRUE((*queue)->append(
        {Record{RecordKind::telemetry, "Meter 1", Timestamp(std::chrono::milliseconds(1000)),
                R"({"v":1})"},
         Record{RecordKind::telemetry, "Meter 2", Timestamp(std::chrono::milliseconds(2000)),
                R"({"note":"refused"})"},
         Record{RecordKind::telemetry, "Meter 1", Timestamp(std::chrono::milliseconds(3000)),
                R"({"v":3})"}}));
    const std::vector<gateway::RecordId> second{gateway::RecordId{2}};
    ASSERT_EQ(*(*queue)->set_aside(second, "the platform never acknowledged it"), 1U);
  }

  [[nodiscard]] fs::path database() const { return dir_.path() / "data" / "queue.db"; }

  test::CommandResult dead_letter(const std::string& arguments) {
    return test::run_command(kBinary + " dead-letter " + arguments + " -c '" +
                             dir_.path().string() + "' 2>&1");
  }

  gateway::testing::TempDirectory dir_;
};

TEST_F(DeadLetterCommand, ListsTheDeadLettersAndRequeuesThemAtTheirPlace) {
  const auto listed = dead_letter("list");
  EXPECT_EQ(listed.exit_status, 0) << listed.output;
  EXPECT_NE(listed.output.find(R"("id":2)"), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find("Meter 2"), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find("the platform never acknowledged it"), std::string::npos)
      << listed.output;
  EXPECT_NE(listed.output.find("1 dead letter in"), std::string::npos) << listed.output;

  const auto unnamed = dead_letter("requeue");
  EXPECT_EQ(unnamed.exit_status, 2) << unnamed.output;
  EXPECT_NE(unnamed.output.find("--id N"), std::string::npos) << unnamed.output;

  const auto requeued = dead_letter("requeue --id 2");
  EXPECT_EQ(requeued.exit_status, 0) << requeued.output;
  EXPECT_NE(requeued.output.find("1 record back in the queue"), std::string::npos)
      << requeued.output;

  auto queue = gateway::SqliteQueue::open(database());
  ASSERT_TRUE(queue) << queue.error().message;
  EXPECT_EQ((*queue)->stats().dead_letter_records, 0U);
  const auto all = (*queue)->peek(10, UINT64_MAX);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3U);
  EXPECT_EQ((*all)[1].id.value, 2U);
  EXPECT_EQ((*all)[1].record.device, "Meter 2");
}

// A running gateway holds the database: changing it under the uplink is refused, with the fix.
TEST_F(DeadLetterCommand, IsRefusedWhileTheGatewayHoldsTheDatabase) {
  auto holder = gateway::SqliteQueue::open(database());
  ASSERT_TRUE(holder) << holder.error().message;
  const auto refused = dead_letter("requeue --all");
  EXPECT_EQ(refused.exit_status, 2) << refused.output;
  EXPECT_NE(refused.output.find("held by another dlmsgw"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("stop"), std::string::npos) << refused.output;
  EXPECT_EQ((*holder)->stats().dead_letter_records, 1U);
}

// Before: the same id named twice counted as "1 of the ids named are not dead letters", exit 1.
TEST_F(DeadLetterCommand, AnIdNamedTwiceIsRequeuedOnce) {
  const auto requeued = dead_letter("requeue --id 2 --id 2");
  EXPECT_EQ(requeued.exit_status, 0) << requeued.output;
  EXPECT_NE(requeued.output.find("1 record back in the queue"), std::string::npos)
      << requeued.output;
  EXPECT_EQ(requeued.output.find("not dead letters"), std::string::npos) << requeued.output;
}

TEST_F(DeadLetterCommand, MemoryStorageIsExplainedNotOpened) {
  std::ofstream(dir_.path() / "tb_gateway.yaml")
      << "thingsboard:\n  host: 127.0.0.1\n  port: 9\n  security: {accessToken: t}\n"
         "storage: {type: memory}\nconnectors: []\nhealth: {enabled: false}\n";
  const auto listed = dead_letter("list");
  EXPECT_EQ(listed.exit_status, 2) << listed.output;
  EXPECT_NE(listed.output.find("storage.type is memory"), std::string::npos) << listed.output;
}

}  // namespace
}  // namespace dlmsgw
