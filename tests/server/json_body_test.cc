// Strict request-body JSON: every error names the field or the syntax problem.
#include <gtest/gtest.h>

#include "server/json_body.h"

namespace hearth::server {
namespace {

TEST(JsonBodyTest, RejectsMissingMalformedAndNonObjectBodies) {
  EXPECT_EQ(JsonBody::Parse("").status().message(), "missing request body");
  EXPECT_EQ(JsonBody::Parse(" \r\n").status().message(), "missing request body");
  EXPECT_EQ(JsonBody::Parse("[]").status().message(), "request body must be a JSON object, got array");
  EXPECT_EQ(JsonBody::Parse("\"x\"").status().message(),
            "request body must be a JSON object, got string");
  const std::string bad = JsonBody::Parse("{\"a\": tru}").status().message();
  EXPECT_EQ(bad.rfind("invalid JSON: parse error at line 1, column ", 0), 0u) << bad;
  EXPECT_NE(JsonBody::Parse("{\"a\":1} trailing").status().message().find("invalid JSON"),
            std::string::npos);
  EXPECT_NE(JsonBody::Parse("{\"a\":\"\xff\"}").status().message().find("invalid JSON"),
            std::string::npos);
  // Nesting is bounded before parsing; brackets inside strings do not count.
  const std::string deep = std::string(200, '[') + std::string(200, ']');
  EXPECT_EQ(JsonBody::Parse("{\"a\":" + deep + "}").status().message(),
            "invalid JSON: nested more than 128 levels deep");
  const std::string fine = "{\"a\":\"" + std::string(500, '[') + "\\\"\"}";
  EXPECT_TRUE(JsonBody::Parse(fine).ok());
}

TEST(JsonBodyTest, TypedGettersNameTheField) {
  auto body = JsonBody::Parse(
      R"({"s":"x","b":true,"i":42,"f":1.5,"whole":3.0,"n":null,"o":{"k":"v"},"m":{"a":"1","b":2},"big":18446744073709551615})");
  ASSERT_TRUE(body.ok());
  std::string s = "unchanged";
  EXPECT_TRUE(body->String("s", &s).ok());
  EXPECT_EQ(s, "x");
  s = "unchanged";
  EXPECT_TRUE(body->String("absent", &s).ok());
  EXPECT_TRUE(body->String("n", &s).ok());
  EXPECT_EQ(s, "unchanged");
  EXPECT_EQ(body->String("i", &s).message(), R"(invalid value for "i": expected string, got number)");
  bool b = false;
  EXPECT_TRUE(body->Bool("b", &b).ok());
  EXPECT_TRUE(b);
  EXPECT_EQ(body->Bool("s", &b).message(), R"(invalid value for "s": expected boolean, got string)");
  int64_t i = 0;
  EXPECT_TRUE(body->Int("i", &i).ok());
  EXPECT_EQ(i, 42);
  EXPECT_TRUE(body->Int("whole", &i).ok());
  EXPECT_EQ(i, 3);
  EXPECT_EQ(body->Int("f", &i).message(), R"(invalid value for "f": expected an integer, got 1.5)");
  EXPECT_EQ(body->Int("big", &i).message(), R"(invalid value for "big": out of range)");
  EXPECT_EQ(body->Int("o", &i).message(), R"(invalid value for "o": expected integer, got object)");
  const nlohmann::json* o = nullptr;
  EXPECT_TRUE(body->Object("o", &o).ok());
  ASSERT_NE(o, nullptr);
  EXPECT_EQ((*o)["k"], "v");
  std::map<std::string, std::string> m;
  EXPECT_EQ(body->StringMap("m", &m).message(), R"(invalid value for "m.b": expected string, got number)");
  EXPECT_TRUE(body->Has("s"));
  EXPECT_FALSE(body->Has("n"));
}

}  // namespace
}  // namespace hearth::server
