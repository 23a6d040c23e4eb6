// The one strict request-JSON reader: every error names the field (by its full path) or the
// syntax problem, in the wording every route answers with.
#include "api/fields.h"

#include <gtest/gtest.h>

namespace hearth::api {
namespace {

TEST(RequestBodyTest, RejectsMissingMalformedAndNonObjectBodies) {
  EXPECT_EQ(ParseRequestBody("").status().message(), "missing request body");
  EXPECT_EQ(ParseRequestBody(" \r\n").status().message(), "missing request body");
  EXPECT_EQ(ParseRequestBody("[]").status().message(),
            "request body must be a JSON object, got array");
  EXPECT_EQ(ParseRequestBody("\"x\"").status().message(),
            "request body must be a JSON object, got string");
  const std::string bad = ParseRequestBody("{\"a\": tru}").status().message();
  EXPECT_EQ(bad.rfind("invalid JSON: parse error at line 1, column ", 0), 0u) << bad;
  EXPECT_NE(ParseRequestBody("{\"a\":1} trailing").status().message().find("invalid JSON"),
            std::string::npos);
  EXPECT_NE(ParseRequestBody("{\"a\":\"\xff\"}").status().message().find("invalid JSON"),
            std::string::npos);
  // Nesting is bounded before parsing; brackets inside strings do not count.
  const std::string deep = std::string(200, '[') + std::string(200, ']');
  EXPECT_EQ(ParseRequestBody("{\"a\":" + deep + "}").status().message(),
            "invalid JSON: nested more than 128 levels deep");
  const std::string fine = "{\"a\":\"" + std::string(500, '[') + "\\\"\"}";
  auto ok = ParseRequestBody(fine);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(Fields::Of(*ok, "").ok());
}

TEST(FieldsTest, TypedGettersNameTheFieldByPath) {
  auto j = ParseRequestBody(
      R"({"s":"x","b":true,"i":42,"f":1.5,"whole":3.0,"n":null,"o":{"k":"v","deep":{"x":1}},)"
      R"("m":{"a":"1","b":2},"big":18446744073709551615,"i32":4294967296})");
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  auto body = Fields::Of(*j, "");
  ASSERT_TRUE(body.ok());
  std::string s = "unchanged";
  EXPECT_TRUE(body->String("s", &s).ok());
  EXPECT_EQ(s, "x");
  s = "unchanged";
  EXPECT_TRUE(body->String("absent", &s).ok());
  EXPECT_TRUE(body->String("n", &s).ok());
  EXPECT_EQ(s, "unchanged");
  EXPECT_EQ(body->String("i", &s).message(),
            "invalid type for field 'i': expected string, got number");
  bool b = false;
  EXPECT_TRUE(body->Bool("b", &b).ok());
  EXPECT_TRUE(b);
  EXPECT_EQ(body->Bool("s", &b).message(),
            "invalid type for field 's': expected boolean, got string");
  int64_t i = 0;
  EXPECT_TRUE(body->Int("i", &i).ok());
  EXPECT_EQ(i, 42);
  EXPECT_TRUE(body->Int("whole", &i).ok());
  EXPECT_EQ(i, 3);
  EXPECT_EQ(body->Int("f", &i).message(),
            "invalid type for field 'f': expected integer, got number");
  EXPECT_EQ(body->Int("big", &i).message(), "invalid value for field 'big': out of range");
  EXPECT_EQ(body->Int("o", &i).message(),
            "invalid type for field 'o': expected integer, got object");
  int32_t i32 = 7;
  EXPECT_EQ(body->Int32("i32", &i32).message(), "invalid value for field 'i32': out of range");
  EXPECT_EQ(i32, 7);
  Fields o = *body;
  EXPECT_TRUE(body->Object("o", &o).ok());
  EXPECT_EQ(o.path(), "o");
  std::string k;
  EXPECT_TRUE(o.String("k", &k).ok());
  EXPECT_EQ(k, "v");
  Fields deep = o;
  ASSERT_TRUE(o.Object("deep", &deep).ok());
  EXPECT_EQ(deep.String("x", &k).message(),
            "invalid type for field 'o.deep.x': expected string, got number");
  EXPECT_EQ(body->Object("s", &o).message(),
            "invalid type for field 's': expected object, got string");
  std::map<std::string, std::string> m;
  EXPECT_EQ(body->StringMap("m", &m).message(),
            "invalid type for field 'm.b': expected string, got number");
  EXPECT_EQ(body->StringMap("s", &m).message(),
            "invalid type for field 's': expected object, got string");
  m.clear();
  EXPECT_TRUE(body->StringMap("absent", &m).ok());
  EXPECT_TRUE(m.empty());
  EXPECT_TRUE(body->Has("s"));
  EXPECT_FALSE(body->Has("n"));
}

TEST(FieldsTest, StringMapReadsEveryEntry) {
  auto j = ParseRequestBody(R"({"files":{"a.gguf":"sha256:1","b.gguf":"sha256:2"}})");
  ASSERT_TRUE(j.ok());
  std::map<std::string, std::string> m;
  ASSERT_TRUE(Fields::Of(*j, "").value().StringMap("files", &m).ok());
  EXPECT_EQ(m, (std::map<std::string, std::string>{{"a.gguf", "sha256:1"},
                                                   {"b.gguf", "sha256:2"}}));
}

}  // namespace
}  // namespace hearth::api
