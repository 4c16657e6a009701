#include "core/text_excerpt.hpp"

#include <gtest/gtest.h>

namespace dlmsgw {
namespace {

TEST(TextExcerpt, ShortTextIsUnchanged) {
  EXPECT_EQ(excerpt("abc", 3), "abc");
  EXPECT_EQ(excerpt("", 0), "");
}

TEST(TextExcerpt, LongTextIsCutAndSaysHowMuchIsLeftOut) {
  const std::string big(20 << 20, 'a');
  const auto cut = excerpt(big);
  EXPECT_EQ(cut,
            std::string(200, 'a') + "... (" + std::to_string((20 << 20) - 200) + " more bytes)");
}

TEST(TextExcerpt, NeverSplitsAUtf8Character) {
  // "é" is two bytes: a cut after 3 bytes would split the second one.
  EXPECT_EQ(excerpt("\xc3\xa9\xc3\xa9\xc3\xa9", 3), "\xc3\xa9... (4 more bytes)");
}

}  // namespace
}  // namespace dlmsgw
