#include "scheduler/options_merge.h"

#include <gtest/gtest.h>

namespace hearth::scheduler {
namespace {

chat::OptionSetting Int(const char* name, int64_t v) {
  chat::ParameterValue p;
  p.type = chat::ParameterType::kInt;
  p.i = v;
  return {name, p};
}
chat::OptionSetting Float(const char* name, double v) {
  chat::ParameterValue p;
  p.type = chat::ParameterType::kFloat;
  p.f = v;
  return {name, p};
}
chat::OptionSetting Str(const char* name, const char* v) {
  chat::ParameterValue p;
  p.type = chat::ParameterType::kStringList;
  p.s = v;
  return {name, p};
}
chat::OptionSetting Bool(const char* name, bool v) {
  chat::ParameterValue p;
  p.type = chat::ParameterType::kBool;
  p.b = v;
  return {name, p};
}

TEST(OptionsMergeTest, DefaultsThenModelThenRequest) {
  auto m = MergeOptions(R"({"temperature":0.2,"top_k":7,"stop":["<a>","<b>"],"num_ctx":8192})",
                        {Float("temperature", 0.5), Int("num_predict", 12)});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_FLOAT_EQ(m->generation.sampling.temperature, 0.5f);  // request wins
  EXPECT_EQ(m->generation.sampling.top_k, 7);                 // model layer
  EXPECT_FLOAT_EQ(m->generation.sampling.top_p, 0.9f);        // default
  EXPECT_EQ(m->generation.num_predict, 12);
  EXPECT_EQ(m->generation.stop, (std::vector<std::string>{"<a>", "<b>"}));
  EXPECT_EQ(m->load.num_ctx, 8192);
}

TEST(OptionsMergeTest, RequestStopReplacesTheModels) {
  auto m = MergeOptions(R"({"stop":["<a>","<b>"]})", {Str("stop", "x"), Str("stop", "y")});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->generation.stop, (std::vector<std::string>{"x", "y"}));
}

TEST(OptionsMergeTest, LoadTimeOptionsAreSeparate) {
  auto m = MergeOptions(R"({"num_ctx":2048})",
                        {Int("num_ctx", 16384), Int("num_batch", 256), Int("num_thread", 2)});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->load.num_ctx, 16384);
  EXPECT_EQ(m->load.num_batch, 256);
  EXPECT_EQ(m->load.num_thread, 2);
}

TEST(OptionsMergeTest, ContinuesOptionsAreAccepted) {
  // What Continue sends on every request.
  auto m = MergeOptions("{}", {Float("temperature", 0.01), Float("top_p", 0.9), Int("top_k", 40),
                               Int("num_predict", 600), Str("stop", "```"), Int("num_ctx", 8192),
                               Int("mirostat", 0), Int("num_thread", 4), Bool("use_mmap", true),
                               Float("min_p", 0.05), Int("num_gpu", 99)});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->load.num_ctx, 8192);
  EXPECT_EQ(m->generation.num_predict, 600);
  EXPECT_NEAR(m->generation.sampling.min_p, 0.05, 1e-6);
}

TEST(OptionsMergeTest, ErrorsNameTheOption) {
  chat::ParameterValue wrong;
  wrong.type = chat::ParameterType::kFloat;
  wrong.f = 1.5;
  auto m = MergeOptions("{}", {{"top_k", wrong}});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("top_k"), std::string::npos) << m.status().message();

  auto unknown = MergeOptions("{}", {Int("bogus", 1)});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("bogus"), std::string::npos);

  auto layer = MergeOptions(R"({"top_k":"many"})", {});
  ASSERT_FALSE(layer.ok());
  EXPECT_NE(layer.status().message().find("params layer"), std::string::npos);
  EXPECT_FALSE(MergeOptions("[1,2]", {}).ok());
  EXPECT_FALSE(MergeOptions(R"({"num_ctx":-5})", {}).ok());
}

}  // namespace
}  // namespace hearth::scheduler
