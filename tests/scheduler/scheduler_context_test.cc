// The scheduler's token-level answers on the real stories model: a generate request's `context`
// (prompt + answer ids, and fed back as the next request's context), and CountTokens (the prompt
// as Generate renders it, never truncated).
#include <gtest/gtest.h>

#include "engine/model.h"
#include "scheduler/scheduler.h"
#include "scheduler/scheduler_fixture.h"

namespace hearth::scheduler {
namespace {

using chat::Message;
using testing::ChatRequest;
using testing::Collector;
using testing::GenerateRequest;

// ChatML with tools, as the integration tests' 'chatty' model.
constexpr char kChatML[] =
    "TEMPLATE \"\"\"{{- if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}"
    "{{- if .Tools }}<|im_start|>system\nTools: {{ range .Tools }}{{ json .Function }}{{ end }}"
    "<|im_end|>\n{{ end }}"
    "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}"
    "<|im_start|>assistant\n\"\"\"\n";

class SchedulerContextTest : public testing::RouterTest {
 protected:
  engine::ModelPtr Tokenizer() {
    auto m = engine::Model::Load(hearth::testing::SharedModel(testing::kStories));
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? *m : nullptr;
  }

  chat::Chunk Run(Scheduler& s, const chat::Request& r, std::string* text = nullptr) {
    Collector c;
    const Status started = s.Generate(r, c.Sink());
    EXPECT_TRUE(started.ok()) << started.ToString();
    if (!started.ok()) return {};
    EXPECT_TRUE(c.Wait());
    if (text != nullptr) *text = c.text();
    return c.final_chunk();
  }
};

TEST_F(SchedulerContextTest, GenerateContextIsThePromptAndTheAnswer) {
  CreateModel("plain");
  auto s = Make(TestOptions());
  auto model = Tokenizer();
  ASSERT_TRUE(s && model);
  const std::string prompt = "Once upon a time";
  std::string text;
  const chat::Chunk f = Run(*s, GenerateRequest("plain", prompt, 8), &text);
  ASSERT_EQ(f.done_reason, chat::DoneReason::kLength);  // 8 tokens, no end-of-generation token
  ASSERT_FALSE(text.empty());
  ASSERT_EQ(static_cast<int32_t>(f.context.size()),
            f.usage.prompt_tokens + f.usage.completion_tokens);
  const std::vector<engine::Token> prompt_ids = model->Tokenize(prompt, true, true);
  ASSERT_GE(f.context.size(), prompt_ids.size());
  EXPECT_TRUE(std::equal(prompt_ids.begin(), prompt_ids.end(), f.context.begin()));
  // The ids decode to the prompt followed by the answer.
  EXPECT_EQ(model->Detokenize(f.context), model->Detokenize(prompt_ids) + text);

  // Fed back, the context comes before the new prompt (whose own BOS is dropped).
  chat::Request next = GenerateRequest("plain", " and then", 4);
  next.context = f.context;
  const chat::Chunk g = Run(*s, next);
  ASSERT_TRUE(g.error.ok()) << g.error.ToString();
  const size_t more = model->Tokenize(" and then", true, true).size() - 1;
  EXPECT_EQ(static_cast<size_t>(g.usage.prompt_tokens), f.context.size() + more);
  ASSERT_GE(g.context.size(), f.context.size());
  EXPECT_TRUE(std::equal(f.context.begin(), f.context.end(), g.context.begin()));

  // Raw: no context, as Ollama.
  chat::Request raw = GenerateRequest("plain", prompt, 2);
  raw.raw = true;
  const chat::Chunk rf = Run(*s, raw);
  EXPECT_GT(rf.usage.completion_tokens, 0);
  EXPECT_TRUE(rf.context.empty());
}

TEST_F(SchedulerContextTest, ContextErrorsAndChatHasNone) {
  CreateModel("plain");
  CreateModel("chatty", kChatML);
  auto s = Make(TestOptions());
  ASSERT_TRUE(s);
  chat::Request bad = GenerateRequest("plain", "x");
  bad.context = {1, 999999};
  Collector c;
  Status st = s->Generate(bad, c.Sink());
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("context[1]"), std::string::npos) << st.message();
  chat::Request on_chat = ChatRequest("chatty", {Message{"user", "Hi"}});
  on_chat.context = {1};
  st = s->Generate(on_chat, c.Sink());
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.chunks(), 0);
  const chat::Chunk f = Run(*s, ChatRequest("chatty", {Message{"user", "Hi"}}));
  EXPECT_TRUE(f.context.empty());
}

TEST_F(SchedulerContextTest, CountTokensMatchesWhatGenerateEvaluates) {
  CreateModel("chatty", kChatML + std::string("SYSTEM You are a storyteller.\n"));
  auto s = Make(TestOptions());
  ASSERT_TRUE(s);
  chat::Request r = ChatRequest("chatty", {Message{"user", "Tell me a story"}});
  auto count = s->CountTokens(r);
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  const chat::Chunk f = Run(*s, r);
  EXPECT_EQ(*count, f.usage.prompt_tokens);

  // Tools are rendered too.
  chat::Request with_tools = r;
  with_tools.tools = {{"get_weather", "Weather for a city",
                       R"({"type":"object","properties":{"city":{"type":"string"}}})"}};
  auto more = s->CountTokens(with_tools);
  ASSERT_TRUE(more.ok()) << more.status().ToString();
  EXPECT_GT(*more, *count);

  // A prompt longer than the context is counted in full, not truncated or refused.
  std::string long_text;
  for (int i = 0; i < 200; ++i) long_text += "Once upon a time ";
  chat::Request big = ChatRequest("chatty", {Message{"user", "Hi"}, Message{"assistant", "Hello"},
                                             Message{"user", long_text}});
  auto big_count = s->CountTokens(big);
  ASSERT_TRUE(big_count.ok()) << big_count.status().ToString();
  EXPECT_GT(*big_count, 512);  // past the model's whole training context

  // A generate request counts as Generate renders it.
  auto gen = s->CountTokens(GenerateRequest("chatty", "Once upon a time"));
  ASSERT_TRUE(gen.ok()) << gen.status().ToString();
  EXPECT_EQ(*gen, Run(*s, GenerateRequest("chatty", "Once upon a time")).usage.prompt_tokens);

  EXPECT_EQ(s->CountTokens(ChatRequest("ghost", {Message{"user", "x"}})).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(s->CountTokens(ChatRequest("chatty", {})).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hearth::scheduler
