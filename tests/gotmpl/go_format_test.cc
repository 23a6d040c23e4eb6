// Go formatting rules, checked against values Go's fmt, strconv and encoding/json produce.
#include "gotmpl/go_format.h"

#include <gtest/gtest.h>

#include "chat/parameters.h"

namespace hearth::gotmpl {
namespace {

using namespace chat;  // the chat model these templates render

TEST(GoFormatTest, FloatsPrintLikeFmtV) {
  EXPECT_EQ(GoFormatFloat(0.7), "0.7");
  EXPECT_EQ(GoFormatFloat(4096), "4096");
  EXPECT_EQ(GoFormatFloat(123456), "123456");
  EXPECT_EQ(GoFormatFloat(1e6), "1e+06");
  EXPECT_EQ(GoFormatFloat(1048576), "1.048576e+06");
  EXPECT_EQ(GoFormatFloat(0.0001), "0.0001");
  EXPECT_EQ(GoFormatFloat(0.00001), "1e-05");
  EXPECT_EQ(GoFormatFloat(-2.5), "-2.5");
  EXPECT_EQ(GoFormatFloat(1e100), "1e+100");
  EXPECT_EQ(GoFormatFloat(0), "0");
  // A float32 widened to float64 shows its binary value unless printed as float32.
  EXPECT_EQ(GoFormatFloat(static_cast<float>(0.7)), "0.699999988079071");
  EXPECT_EQ(GoFormatFloat(static_cast<float>(0.7), 32), "0.7");
}

TEST(GoFormatTest, FloatsEncodeLikeEncodingJson) {
  EXPECT_EQ(GoJsonFloat(static_cast<float>(0.7), 32), "0.7");
  EXPECT_EQ(GoJsonFloat(0.9), "0.9");
  EXPECT_EQ(GoJsonFloat(1e6), "1000000");
  EXPECT_EQ(GoJsonFloat(1e20), "100000000000000000000");
  EXPECT_EQ(GoJsonFloat(1e21), "1e+21");
  EXPECT_EQ(GoJsonFloat(0.000001), "0.000001");
  EXPECT_EQ(GoJsonFloat(1e-7), "1e-7");
  EXPECT_EQ(GoJsonFloat(-1.5e-10), "-1.5e-10");
  EXPECT_EQ(GoJsonFloat(123456789), "123456789");
}

TEST(GoFormatTest, JsonStringsAreHtmlSafe) {
  EXPECT_EQ(GoJsonString("<|im_end|>"), R"("\u003c|im_end|\u003e")");
  EXPECT_EQ(GoJsonString("a&b \"q\" \\"), R"("a\u0026b \"q\" \\")");
  EXPECT_EQ(GoJsonString("\n\t\r\b\f\x01\x7f"), "\"\\n\\t\\r\\b\\f\\u0001\x7f\"");
  EXPECT_EQ(GoJsonString("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  EXPECT_EQ(GoJsonString("\xff"), R"("\ufffd")");
  EXPECT_EQ(GoJsonString("\xe2\x80\xa8"), R"("\u2028")");
}

TEST(GoFormatTest, QuoteMatchesStrconvQuote) {
  EXPECT_EQ(GoQuote("<|im_end|>"), R"("<|im_end|>")");
  EXPECT_EQ(GoQuote("\n\n"), R"("\n\n")");
  EXPECT_EQ(GoQuote("say \"hi\"\\"), R"("say \"hi\"\\")");
  EXPECT_EQ(GoQuote("\x01\x7f"), R"("\x01\x7f")");
  EXPECT_EQ(GoQuote("\xff"), R"("\xff")");
  EXPECT_EQ(GoQuote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  EXPECT_EQ(GoQuote("\xc2\xa0"), R"("\u00a0")");
  EXPECT_EQ(GoQuote("\xf3\xb0\x80\x80"), R"("\U000f0000")");
}

TEST(ParametersTest, EveryOllamaOptionHasItsType) {
  struct Case {
    const char* name;
    ParameterType type;
    bool load_time;
  };
  const Case cases[] = {
      {"num_keep", ParameterType::kInt, false},
      {"seed", ParameterType::kInt, false},
      {"num_predict", ParameterType::kInt, false},
      {"top_k", ParameterType::kInt, false},
      {"top_p", ParameterType::kFloat, false},
      {"min_p", ParameterType::kFloat, false},
      {"typical_p", ParameterType::kFloat, false},
      {"repeat_last_n", ParameterType::kInt, false},
      {"temperature", ParameterType::kFloat, false},
      {"repeat_penalty", ParameterType::kFloat, false},
      {"presence_penalty", ParameterType::kFloat, false},
      {"frequency_penalty", ParameterType::kFloat, false},
      {"stop", ParameterType::kStringList, false},
      {"num_ctx", ParameterType::kInt, true},
      {"num_batch", ParameterType::kInt, true},
      {"num_gpu", ParameterType::kInt, true},
      {"main_gpu", ParameterType::kInt, true},
      {"use_mmap", ParameterType::kBool, true},
      {"num_thread", ParameterType::kInt, true},
      {"draft_num_predict", ParameterType::kInt, true},
  };
  for (const Case& c : cases) {
    const ParameterSpec* s = FindParameter(c.name);
    ASSERT_NE(s, nullptr) << c.name;
    EXPECT_EQ(s->type, c.type) << c.name;
    EXPECT_EQ(s->load_time, c.load_time) << c.name;
  }
  EXPECT_EQ(FindParameter("Temperature"), nullptr);  // case-sensitive, as Ollama
  EXPECT_EQ(FindParameter("mirostat"), nullptr);
  EXPECT_TRUE(IsDeprecatedParameter("mirostat"));
  EXPECT_FALSE(IsDeprecatedParameter("tfs_z"));  // removed, not deprecated: unknown
}

TEST(ParametersTest, ValuesParseWithGoRules) {
  EXPECT_EQ(ParseParameter("num_ctx", "+4096")->i, 4096);
  EXPECT_EQ(ParseParameter("seed", "-1")->i, -1);
  EXPECT_FALSE(ParseParameter("num_ctx", "4096.0").ok());
  EXPECT_FALSE(ParseParameter("num_ctx", " 1").ok());
  EXPECT_FALSE(ParseParameter("num_ctx", "99999999999999999999").ok());
  EXPECT_FLOAT_EQ(static_cast<float>(ParseParameter("temperature", ".5")->f), 0.5f);
  EXPECT_FLOAT_EQ(static_cast<float>(ParseParameter("top_p", "1e-1")->f), 0.1f);
  EXPECT_FALSE(ParseParameter("temperature", "nan").ok());
  EXPECT_FALSE(ParseParameter("temperature", "1e39").ok());  // beyond float32
  EXPECT_TRUE(ParseParameter("use_mmap", "True")->b);
  EXPECT_FALSE(ParseParameter("use_mmap", "0")->b);
  EXPECT_EQ(ParseParameter("use_mmap", "yes").status().message(),
            "invalid value for parameter use_mmap: \"yes\" is not a boolean");
  EXPECT_EQ(ParseParameter("bogus", "1").status().message(), "unknown parameter 'bogus'");
}

TEST(ParametersTest, LoadTimeValuesAreTypeCheckedBeforeFailedPrecondition) {
  GenerationOptions o;
  EXPECT_EQ(ApplyParameter(o, "num_ctx", "lots").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ApplyParameter(o, "num_ctx", "8192").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(ApplyParameter(o, "use_mmap", "false").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(ApplyParameter(o, "top_k", "3000000000").code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(ApplyParameter(o, "seed", "42").ok());
  EXPECT_EQ(o.sampling.seed, 42);
}

}  // namespace
}  // namespace hearth::gotmpl
