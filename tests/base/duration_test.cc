#include "base/duration.h"

#include <gtest/gtest.h>

namespace hearth {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

nanoseconds Go(const char* s) {
  auto d = ParseGoDuration(s);
  EXPECT_TRUE(d.ok()) << s << ": " << d.status().ToString();
  return d.ok() ? *d : nanoseconds(-12345);
}

TEST(DurationTest, GoSyntax) {
  EXPECT_EQ(Go("5m"), minutes(5));
  EXPECT_EQ(Go("1h30m"), minutes(90));
  EXPECT_EQ(Go("1.5h"), minutes(90));
  EXPECT_EQ(Go("300ms"), milliseconds(300));
  EXPECT_EQ(Go("-1s"), seconds(-1));
  EXPECT_EQ(Go("+2s"), seconds(2));
  EXPECT_EQ(Go("0"), nanoseconds(0));
  EXPECT_EQ(Go("1us"), nanoseconds(1000));
  EXPECT_EQ(Go("1\xC2\xB5s"), nanoseconds(1000));
  EXPECT_EQ(Go(".5s"), milliseconds(500));
  EXPECT_EQ(Go("2h45m30.5s"), hours(2) + minutes(45) + milliseconds(30500));
}

TEST(DurationTest, GoSyntaxErrors) {
  for (const char* bad : {"", "5", "-", "abc", "1x", "5 m", "1.s.", "m", ".s", "9999999999h"}) {
    auto d = ParseGoDuration(bad);
    EXPECT_FALSE(d.ok()) << bad;
    if (!d.ok()) {
      EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
      EXPECT_NE(d.status().message().find("time: "), std::string::npos) << d.status().message();
    }
  }
  EXPECT_EQ(ParseGoDuration("5").status().message(), "time: missing unit in duration \"5\"");
  EXPECT_EQ(ParseGoDuration("1x").status().message(),
            "time: unknown unit \"x\" in duration \"1x\"");
}

TEST(DurationTest, KeepAliveAcceptsSeconds) {
  EXPECT_EQ(*ParseKeepAlive("300"), seconds(300));
  EXPECT_EQ(*ParseKeepAlive("-1"), seconds(-1));
  EXPECT_EQ(*ParseKeepAlive("0"), seconds(0));
  EXPECT_EQ(*ParseKeepAlive("10m"), minutes(10));
  EXPECT_EQ(*ParseKeepAlive("-1m"), minutes(-1));
  EXPECT_FALSE(ParseKeepAlive("forever").ok());
  EXPECT_FALSE(ParseKeepAlive("").ok());
  EXPECT_FALSE(ParseKeepAlive("12a").ok());
  // The largest number of seconds int64 nanoseconds hold; one more is an error, not a wrap.
  EXPECT_EQ(*ParseKeepAlive("9223372036"), seconds(9223372036));
  EXPECT_EQ(ParseKeepAlive("9223372037").status().message(),
            "time: invalid duration \"9223372037\"");
  EXPECT_FALSE(ParseKeepAlive("999999999999").ok());
}

}  // namespace
}  // namespace hearth
