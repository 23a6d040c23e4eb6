#include "base/utf8.h"

#include <gtest/gtest.h>

#include "base/status.h"

namespace hearth {
namespace {

TEST(Utf8Test, CompletePrefixHoldsSplitSequences) {
  const std::string euro = "\xE2\x82\xAC";  // €
  EXPECT_EQ(Utf8CompletePrefix("abc"), 3u);
  EXPECT_EQ(Utf8CompletePrefix("a" + euro), 4u);
  EXPECT_EQ(Utf8CompletePrefix("a" + euro.substr(0, 1)), 1u);
  EXPECT_EQ(Utf8CompletePrefix("a" + euro.substr(0, 2)), 1u);
  EXPECT_EQ(Utf8CompletePrefix("\xF0\x9F\x98"), 0u);       // 3 of 4 bytes of 😀
  EXPECT_EQ(Utf8CompletePrefix("\xF0\x9F\x98\x80"), 4u);   // whole 😀
  EXPECT_EQ(Utf8CompletePrefix("x\x80"), 2u);  // a stray continuation byte is not held forever
  EXPECT_EQ(Utf8CompletePrefix(""), 0u);
}

TEST(Utf8Test, Validation) {
  EXPECT_TRUE(IsValidUtf8("héllo €😀"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // > U+10FFFF
}

TEST(StatusTest, ResultCarriesValueOrError) {
  Result<int> ok = 3;
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 3);
  Result<int> bad = InvalidArgument("field 'x' is wrong");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().ToString(), "invalid_argument: field 'x' is wrong");
  EXPECT_EQ(bad.status().WithContext("req").message(), "req: field 'x' is wrong");
}

}  // namespace
}  // namespace hearth
