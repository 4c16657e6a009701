// FileInvocationCounterStore on real files in a fresh temporary folder: what it reserves, what a
// new process continues from, and that a damaged file stops it instead of lowering the counter.

#include "client/file_invocation_counter_store.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace dlmsgw::client {
namespace {

const std::string kKey = "4D4D4D0000000001-0011223344556677:tx";

class CounterFolder {
 public:
  CounterFolder() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "dlmsgw-counters-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  CounterFolder(const CounterFolder&) = delete;
  CounterFolder& operator=(const CounterFolder&) = delete;
  ~CounterFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

std::shared_ptr<FileInvocationCounterStore> open_store(const std::filesystem::path& folder,
                                                       std::uint32_t block = 100) {
  auto store = FileInvocationCounterStore::open(folder, block);
  EXPECT_TRUE(store) << store.error().message;
  return *store;
}

TEST(FileInvocationCounterStore, AFreshKeyStartsAtZeroWithABlockReservedOnDisk) {
  CounterFolder folder;
  auto store = open_store(folder.path() / "counters");
  auto next = store->load(kKey);
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(*next, 0u);
  const auto file = folder.path() / "counters" / "4D4D4D0000000001-0011223344556677.counter";
  EXPECT_EQ(store->where(kKey), file.string());
  EXPECT_NE(read_text(file).find("\nnext 100\n"), std::string::npos) << read_text(file);
}

TEST(FileInvocationCounterStore, ReservesTheNextBlockBeforeTheCeilingIsHandedOut) {
  CounterFolder folder;
  auto store = open_store(folder.path());
  ASSERT_TRUE(store->load(kKey));
  const auto file = store->file_for(kKey);
  ASSERT_TRUE(store->save(kKey, 99));  // 99 is the next to use: still below the ceiling 100
  EXPECT_NE(read_text(file).find("next 100\n"), std::string::npos);
  ASSERT_TRUE(store->save(kKey, 100));  // 100 would be used next: the file must be above it
  EXPECT_NE(read_text(file).find("next 200\n"), std::string::npos);
  ASSERT_TRUE(store->save(kKey, 50));  // never backwards
  EXPECT_EQ(*store->load(kKey), 100u);
}

TEST(FileInvocationCounterStore, ANewProcessContinuesFromTheReservedCeiling) {
  CounterFolder folder;
  {
    auto store = open_store(folder.path());
    ASSERT_TRUE(store->load(kKey));
    for (std::uint32_t used = 1; used <= 150; ++used) ASSERT_TRUE(store->save(kKey, used));
  }  // gone without a word, as after kill -9: only the file is left
  auto store = open_store(folder.path());
  auto next = store->load(kKey);
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(*next, 200u);  // above every value the first one could have used
}

TEST(FileInvocationCounterStore, AFileRaisedByHandIsFollowed) {
  CounterFolder folder;
  {
    auto store = open_store(folder.path());
    ASSERT_TRUE(store->load(kKey));
  }
  write_text(open_store(folder.path())->file_for(kKey), "next 123456\n");
  EXPECT_EQ(*open_store(folder.path())->load(kKey), 123456u);
}

TEST(FileInvocationCounterStore, ACorruptFileIsAnErrorNamingItAndTheFix) {
  CounterFolder folder;
  auto first = open_store(folder.path());
  const auto file = first->file_for(kKey);
  first.reset();
  for (const std::string text :
       {"next 12x\n", "", "# only a comment\n", "next 1\nnext 2\n", "next 99999999999\n"}) {
    write_text(file, text);
    auto store = open_store(folder.path());
    auto next = store->load(kKey);
    ASSERT_FALSE(next) << "'" << text << "' gave " << next->value_or(0);
    EXPECT_EQ(next.error().code, ErrorCode::malformed);
    EXPECT_NE(next.error().message.find(file.string()), std::string::npos) << next.error().message;
    EXPECT_NE(next.error().message.find("above the last counter the meter accepted"),
              std::string::npos)
        << next.error().message;
    // Nothing was written over it: the operator's evidence stays as it was.
    EXPECT_EQ(read_text(file), text);
  }
}

// A failed reservation must not keep the key's lock: the same store then works once the operator
// mended the file, instead of calling itself "another dlmsgw process" until a restart.
TEST(FileInvocationCounterStore, AFailedReservationLeavesTheKeyFreeForTheNextAttempt) {
  CounterFolder folder;
  auto store = open_store(folder.path());
  const auto file = store->file_for(kKey);
  write_text(file, "next 12x\n");
  ASSERT_FALSE(store->load(kKey));
  write_text(file, "next 500\n");
  auto next = store->load(kKey);
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->value_or(0), 500U);
}

TEST(FileInvocationCounterStore, ASecondProcessOnTheSameKeyIsRefused) {
  CounterFolder folder;
  auto first = open_store(folder.path());
  ASSERT_TRUE(first->load(kKey));
  auto second = open_store(folder.path());
  auto next = second->load(kKey);
  ASSERT_FALSE(next);
  EXPECT_NE(next.error().message.find("in use by another dlmsgw process"), std::string::npos)
      << next.error().message;
  first.reset();
  EXPECT_TRUE(second->load(kKey));
}

TEST(FileInvocationCounterStore, WaitsForTheOtherProcessWhenAskedTo) {
  CounterFolder folder;
  auto first = open_store(folder.path());
  ASSERT_TRUE(first->load(kKey));
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    first.reset();
  });
  auto second = FileInvocationCounterStore::open(folder.path(), 100, std::chrono::seconds(5));
  ASSERT_TRUE(second);
  auto next = (*second)->load(kKey);
  release.join();
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(*next, 100u);  // after the first one's reserved block
}

TEST(FileInvocationCounterStore, TheMetersCounterStaysInMemory) {
  CounterFolder folder;
  auto store = open_store(folder.path());
  ASSERT_TRUE(store->save("4D4D4D0000BC614E:rx", 7));
  EXPECT_EQ(*store->load("4D4D4D0000BC614E:rx"), 7u);
  EXPECT_FALSE(std::filesystem::exists(folder.path() / "4D4D4D0000BC614E.counter"));
}

TEST(FileInvocationCounterStore, AFolderThatIsAFileIsRefused) {
  CounterFolder folder;
  write_text(folder.path() / "plain", "x");
  auto store = FileInvocationCounterStore::open(folder.path() / "plain");
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("not a folder"), std::string::npos);
}

}  // namespace
}  // namespace dlmsgw::client
