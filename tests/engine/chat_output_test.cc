// engine::ChatOutputParser: generated text back into content / thinking / tool calls, with the
// syntax llama.cpp derives from real models' templates.
#include "engine/chat_output.h"

#include <gtest/gtest.h>

#include "engine/chat_fixtures.h"

namespace hearth::engine {
namespace {

using chat_testing::Ask;
using chat_testing::Feed;
using chat_testing::kQwen25;
using chat_testing::kQwen3;
using chat_testing::Load;
using chat_testing::ReadTemplate;
using chat_testing::Template;
using chat_testing::Tools;

TEST(ChatOutputTest, ForcedOpenThinkingOfDeepSeekR1) {
  ModelPtr m = Load("vocab/ggml-vocab-qwen2.gguf", true);
  auto t = Template(m, "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja");
  ASSERT_TRUE(t);
  auto r = t->Render(Ask(), {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ChatOutputParser p(r->syntax);
  // The template ends its prompt inside <think>: the output starts with the reasoning.
  const bool opened =
      r->prompt.size() >= 8 && r->prompt.find("<think>", r->prompt.size() - 9) != std::string::npos;
  const std::string out = std::string(opened ? "" : "<think>\n") + "Two plus two.\n</think>\n\n4";
  OutputDelta all = Feed(&p, out, 3);
  EXPECT_EQ(all.thinking, "Two plus two.");
  EXPECT_EQ(all.content, "4");
}

TEST(ChatOutputTest, ParsesHermesToolCallsAcrossAnySplit) {
  ModelPtr m = Load("vocab/ggml-vocab-qwen2.gguf", true);
  auto t = Template(m, kQwen25);
  ASSERT_TRUE(t);
  RenderOptions o;
  o.tools = Tools();
  auto r = t->Render(Ask(), o);
  ASSERT_TRUE(r.ok());
  const std::string out =
      "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n"
      "</tool_call>\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"zone\": \"CET\"}}\n"
      "</tool_call>";
  for (size_t step : {1, 3, 7, 1000}) {
    ChatOutputParser p(r->syntax);
    OutputDelta all = Feed(&p, out, step);
    EXPECT_EQ(all.content, "") << "step " << step;
    ASSERT_EQ(all.tool_calls.size(), 2u) << "step " << step;
    EXPECT_EQ(all.tool_calls[0].name, "get_weather");
    EXPECT_EQ(all.tool_calls[0].arguments_json, R"({"city":"Paris"})");
    EXPECT_EQ(all.tool_calls[1].name, "get_time");
    EXPECT_EQ(all.tool_calls[1].arguments_json, R"({"zone":"CET"})");
    EXPECT_EQ(p.tool_calls().size(), 2u);
  }
}

TEST(ChatOutputTest, HoldsBackAPossibleToolCallStart) {
  ModelPtr m = Load("vocab/ggml-vocab-qwen2.gguf", true);
  auto t = Template(m, kQwen25);
  ASSERT_TRUE(t);
  RenderOptions o;
  o.tools = Tools();
  auto r = t->Render(Ask(), o);
  ASSERT_TRUE(r.ok());
  ChatOutputParser p(r->syntax);
  std::string shown = p.Push("It is sunny. <tool").content;
  EXPECT_EQ(shown.find("<tool"), std::string::npos) << shown;
  OutputDelta rest =
      p.Push("_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}");
  shown += rest.content;
  OutputDelta end = p.Finish();
  shown += end.content;
  EXPECT_EQ(shown.find("<tool_call>"), std::string::npos) << shown;
  EXPECT_NE(shown.find("It is sunny."), std::string::npos);
  ASSERT_EQ(rest.tool_calls.size() + end.tool_calls.size(), 1u);
  EXPECT_EQ(p.tool_calls()[0].arguments_json, R"({"city":"Rome"})");
}

TEST(ChatOutputTest, PlainTextIsContentAndNothingIsLost) {
  ModelPtr m = Load("vocab/ggml-vocab-qwen2.gguf", true);
  auto t = Template(m, kQwen25);
  ASSERT_TRUE(t);
  auto r = t->Render(Ask(), {});
  ASSERT_TRUE(r.ok());
  const std::string text = "Once upon a time, héllo <b>world</b> {\"a\": 1}";
  ChatOutputParser p(r->syntax);
  EXPECT_EQ(Feed(&p, text, 2).content, text);
  ChatOutputParser raw(nullptr);
  EXPECT_EQ(Feed(&raw, text, 5).content, text);
}

TEST(ChatOutputTest, BrokenCallsAndJunkAreNeverLost) {
  ModelPtr m = Load("vocab/ggml-vocab-qwen2.gguf", true);
  auto t = Template(m, kQwen25);
  ASSERT_TRUE(t);
  RenderOptions o;
  o.tools = Tools();
  auto r = t->Render(Ask(), o);
  ASSERT_TRUE(r.ok());
  ChatOutputParser p(r->syntax);
  OutputDelta all =
      Feed(&p, "Hi <tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": oops", 4);
  EXPECT_TRUE(all.tool_calls.empty());
  EXPECT_NE(all.content.find("Hi"), std::string::npos);
  EXPECT_NE(all.content.find("oops"), std::string::npos) << all.content;
  std::string junk;
  for (int i = 0; i < 3000; ++i) junk += static_cast<char>((i * 37) % 256);
  ChatOutputParser q(r->syntax);
  Feed(&q, junk, 13);                     // no crash, no hang
  EXPECT_EQ(q.Push("more").content, "");  // after Finish nothing more is read
}

TEST(ChatOutputTest, ThinkingIsSeparatedFromContent) {
  ModelPtr m = Load("vocab/ggml-vocab-qwen2.gguf", true);
  auto t = Template(m, kQwen3);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->supports_thinking());
  RenderOptions o;
  o.think = {true, true, ""};
  auto r = t->Render(Ask(), o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->thinking);
  ChatOutputParser p(r->syntax);
  OutputDelta all = Feed(&p, "<think>\nIt is Paris.\n</think>\n\nSunny.", 3);
  EXPECT_EQ(all.thinking, "It is Paris.");
  EXPECT_EQ(all.content, "Sunny.");

  o.think = {true, false, ""};
  auto off = t->Render(Ask(), o);
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->thinking);
  EXPECT_NE(off->prompt, r->prompt);  // Qwen3 closes an empty think block when off
}

TEST(ChatOutputTest, ThinkingThenToolCall) {
  ModelPtr m = Load("vocab/ggml-vocab-qwen2.gguf", true);
  auto t = Template(m, kQwen3);
  ASSERT_TRUE(t);
  RenderOptions o;
  o.tools = Tools();
  o.think = {true, true, ""};
  auto r = t->Render(Ask(), o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ChatOutputParser p(r->syntax);
  OutputDelta all = Feed(&p,
                         "<think>\nNeed weather.\n</think>\n\n<tool_call>\n{\"name\": "
                         "\"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>",
                         4);
  EXPECT_EQ(all.thinking, "Need weather.");
  EXPECT_EQ(all.content, "");
  ASSERT_EQ(all.tool_calls.size(), 1u);
  EXPECT_EQ(all.tool_calls[0].name, "get_weather");
}

}  // namespace
}  // namespace hearth::engine
