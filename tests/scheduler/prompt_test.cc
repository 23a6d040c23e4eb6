#include "scheduler/prompt.h"

#include <gtest/gtest.h>

#include "scheduler/scheduler_fixture.h"

namespace hearth::scheduler {
namespace {

using chat::Message;

class PromptTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto m = engine::Model::Load(hearth::testing::SharedModel(testing::kStories));
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    model_ = new engine::ModelPtr(std::move(m).value());
  }
  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
  }

  std::unique_ptr<ModelPrompting> Make(const std::string& tmpl, const std::string& system = "",
                                       const std::string& messages = "") {
    auto p = ModelPrompting::Create("m", *model_, tmpl, system, messages);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? std::move(p).value() : nullptr;
  }

  static engine::ModelPtr* model_;
};
engine::ModelPtr* PromptTest::model_ = nullptr;

constexpr char kTemplate[] =
    "{{ if .System }}<S>{{ .System }}{{ end }}{{ range .Messages }}<{{ .Role }}>{{ .Content }}"
    "{{ end }}<assistant>";

TEST_F(PromptTest, ChatUsesTheGoTemplateWithModelSystemAndMessages) {
  auto m = Make(kTemplate, "Be brief.",
                R"([{"role":"user","content":"hello"},)"
                R"({"role":"assistant","content":"hi"}])");
  chat::Request r = testing::ChatRequest("m", {Message{"user", "Once upon a time"}});
  auto p = BuildPrompt(*m, r, 512);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  // ChatMessages puts the model's SYSTEM first as a system message; the template's .System is
  // the joined system messages.
  EXPECT_EQ(p->text,
            "<S>Be brief.<system>Be brief.<user>hello<assistant>hi<user>Once upon a time"
            "<assistant>");
  EXPECT_EQ(p->tokens, (*model_)->Tokenize(p->text, true, true));
  EXPECT_FALSE(p->truncated);
  EXPECT_EQ(p->original_tokens, static_cast<int32_t>(p->tokens.size()));
  ASSERT_NE(p->parser, nullptr);
}

TEST_F(PromptTest, RequestSystemReplacesTheModels) {
  auto m = Make("{{ range .Messages }}<{{ .Role }}>{{ .Content }}{{ end }}", "model sys");
  chat::Request r = testing::ChatRequest("m", {Message{"user", "x"}});
  r.system = "request sys";
  auto p = BuildPrompt(*m, r, 512);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->text, "<system>request sys<user>x");
}

TEST_F(PromptTest, WithoutTemplatesTheTextGoesAsIs) {
  auto m = Make("");  // stories has no chat template
  chat::Request g = testing::GenerateRequest("m", "Once upon a time");
  auto p = BuildPrompt(*m, g, 512);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->text, "Once upon a time");
  EXPECT_EQ(p->tokens, (std::vector<engine::Token>{1, 403, 407, 261, 378}));
}

TEST_F(PromptTest, RawAndTemplateOverride) {
  auto m = Make("<T>{{ .Prompt }}</T>");
  chat::Request g = testing::GenerateRequest("m", "Once");
  auto templated = BuildPrompt(*m, g, 512);
  ASSERT_TRUE(templated.ok()) << templated.status().ToString();
  EXPECT_EQ(templated->text, "<T>Once</T>");
  g.raw = true;
  auto raw = BuildPrompt(*m, g, 512);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->text, "Once");
  g.raw = false;
  g.template_override = "[{{ .Prompt }}]";
  auto over = BuildPrompt(*m, g, 512);
  ASSERT_TRUE(over.ok());
  EXPECT_EQ(over->text, "[Once]");
  g.template_override = "{{ .Prompt";
  auto bad = BuildPrompt(*m, g, 512);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(PromptTest, FillInTheMiddle) {
  auto fim = Make("<PRE>{{ .Prompt }}<SUF>{{ .Suffix }}<MID>");
  chat::Request g = testing::GenerateRequest("m", "def f(");
  g.suffix = "return x";
  auto p = BuildPrompt(*fim, g, 512);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->text, "<PRE>def f(<SUF>return x<MID>");

  auto plain = Make("");  // no .Suffix and no FIM tokens
  auto no = BuildPrompt(*plain, g, 512);
  ASSERT_FALSE(no.ok());
  EXPECT_EQ(no.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(no.status().message(), "\"m\" does not support insert");

  g.raw = true;
  EXPECT_FALSE(BuildPrompt(*fim, g, 512).ok());
}

TEST_F(PromptTest, CapabilitiesAreChecked) {
  auto m = Make("{{ range .Messages }}{{ .Content }}{{ end }}");
  chat::Request r = testing::ChatRequest("m", {Message{"user", "x"}});
  r.images = {"\x89PNG"};
  auto vision = BuildPrompt(*m, r, 512);
  ASSERT_FALSE(vision.ok());
  EXPECT_EQ(vision.status().message(), "\"m\" does not support vision");
  r.images.clear();
  r.tools = {chat::Tool{"get_weather", "weather", R"({"type":"object"})"}};
  auto tools = BuildPrompt(*m, r, 512);
  ASSERT_FALSE(tools.ok());
  EXPECT_EQ(tools.status().message(), "\"m\" does not support tools");
  r.tool_choice.mode = chat::ToolChoice::Mode::kNone;  // tools hidden: fine
  EXPECT_TRUE(BuildPrompt(*m, r, 512).ok());
  r.tools.clear();
  r.think.set = r.think.enabled = true;
  auto think = BuildPrompt(*m, r, 512);
  ASSERT_FALSE(think.ok());
  EXPECT_EQ(think.status().message(), "\"m\" does not support thinking");

  auto with_tools = Make("{{ if .Tools }}T{{ end }}{{ range .Messages }}{{ .Content }}{{ end }}");
  r.think = {};
  r.tools = {chat::Tool{"get_weather", "weather", R"({"type":"object"})"}};
  r.tool_choice.mode = chat::ToolChoice::Mode::kAuto;
  auto ok = BuildPrompt(*with_tools, r, 512);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->text, "Tx");
}

std::vector<Message> LongConversation(int turns) {
  std::vector<Message> msgs = {Message{"system", "SYS"}};
  for (int i = 0; i < turns; ++i) {
    msgs.push_back(Message{"user", "question " + std::to_string(i) + " about the little dog"});
    msgs.push_back(Message{"assistant", "answer " + std::to_string(i) + " about a big red ball"});
  }
  msgs.push_back(Message{"user", "LAST"});
  return msgs;
}

TEST_F(PromptTest, TruncationDropsOldestNonSystemMessages) {
  auto m = Make("{{ range .Messages }}<{{ .Role }}>{{ .Content }}{{ end }}");
  chat::Request r = testing::ChatRequest("m", LongConversation(20));
  auto full = BuildPrompt(*m, r, 4096);
  ASSERT_TRUE(full.ok());
  const size_t full_tokens = full->tokens.size();
  ASSERT_GT(full_tokens, 128u);

  auto p = BuildPrompt(*m, r, 128);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_TRUE(p->truncated);
  EXPECT_EQ(p->original_tokens, static_cast<int32_t>(full_tokens));
  EXPECT_LE(p->tokens.size(), 127u);
  EXPECT_GT(p->dropped_messages, 0);
  // The system message and the last user message stay; the oldest turns went first.
  EXPECT_EQ(p->text.rfind("<system>SYS", 0), 0u) << p->text;
  EXPECT_NE(p->text.find("<user>LAST"), std::string::npos);
  EXPECT_EQ(p->text.find("question 0 "), std::string::npos);
  EXPECT_NE(p->text.find("answer 19 "), std::string::npos) << p->text;
  // It drops no more than needed: one message fewer does not fit, the same number does.
  auto keep_from = [&](int k) {
    std::vector<Message> kept = {r.messages[0]};
    kept.insert(kept.end(), r.messages.begin() + 1 + k, r.messages.end());
    chat::Request strict = r;
    strict.messages = kept;
    strict.truncate = false;
    return BuildPrompt(*m, strict, 128);
  };
  EXPECT_FALSE(keep_from(p->dropped_messages - 1).ok());
  auto exact = keep_from(p->dropped_messages);
  ASSERT_TRUE(exact.ok()) << exact.status().ToString();
  EXPECT_EQ(exact->text, p->text);

  r.truncate = false;
  auto err = BuildPrompt(*m, r, 128);
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(err.status().message(),
            "prompt is " + std::to_string(full_tokens) + " tokens, context is 128 tokens");
}

TEST_F(PromptTest, TruncationKeepsTheLastMessageWhateverItsRole) {
  auto m = Make("{{ range .Messages }}<{{ .Role }}>{{ .Content }}{{ end }}");
  std::vector<Message> msgs = LongConversation(20);
  msgs.push_back(Message{"assistant", "PREFILL"});  // the output continues this message
  chat::Request r = testing::ChatRequest("m", msgs);
  auto p = BuildPrompt(*m, r, 128);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_TRUE(p->truncated);
  EXPECT_NE(p->text.find("<user>LAST<assistant>PREFILL"), std::string::npos) << p->text;
  EXPECT_EQ(p->text.rfind("<system>SYS", 0), 0u);
}

TEST_F(PromptTest, TooLongEvenAfterDroppingIsAnError) {
  auto m = Make("{{ range .Messages }}<{{ .Role }}>{{ .Content }}{{ end }}");
  std::string huge;
  for (int i = 0; i < 200; ++i) huge += "the little dog ";
  chat::Request r = testing::ChatRequest("m", {Message{"user", "old"}, Message{"user", huge}});
  auto p = BuildPrompt(*m, r, 64);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().message().find("context is 64 tokens"), std::string::npos);

  chat::Request g = testing::GenerateRequest("m", huge);
  auto gen = BuildPrompt(*m, g, 64);
  ASSERT_FALSE(gen.ok());
  EXPECT_NE(gen.status().message().find("context is 64 tokens"), std::string::npos);
}

TEST_F(PromptTest, BadModelLayersAreErrors) {
  EXPECT_FALSE(ModelPrompting::Create("m", *model_, "{{ .Broken", "", "").ok());
  EXPECT_FALSE(ModelPrompting::Create("m", *model_, "", "", "{}").ok());
  EXPECT_FALSE(ModelPrompting::Create("m", *model_, "", "", R"([{"content":"x"}])").ok());
}

}  // namespace
}  // namespace hearth::scheduler

namespace hearth::scheduler {
namespace {

// The GGUF's Jinja template renders when the manifest has no Go template (qwen2's ChatML).
TEST(PromptJinjaTest, GgufTemplateRendersWithoutAGoTemplate) {
  engine::LoadOptions lo;
  lo.vocab_only = true;
  auto model = engine::Model::Load(hearth::testing::SharedModel("vocab/ggml-vocab-qwen2.gguf"), lo);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto m = ModelPrompting::Create("q", *model, "", "You are kind.", "");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  chat::Request r = testing::ChatRequest("q", {chat::Message{"user", "hi"}});
  auto p = BuildPrompt(**m, r, 4096);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->text,
            "<|im_start|>system\nYou are kind.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n"
            "<|im_start|>assistant\n");
  // Special-token text becomes the special tokens.
  EXPECT_LT(p->tokens.size(), 20u);

  chat::Request g = testing::GenerateRequest("q", "hello");
  auto pg = BuildPrompt(**m, g, 4096);
  ASSERT_TRUE(pg.ok()) << pg.status().ToString();
  EXPECT_EQ(pg->text,
            "<|im_start|>system\nYou are kind.<|im_end|>\n<|im_start|>user\nhello<|im_end|>\n"
            "<|im_start|>assistant\n");
}

}  // namespace
}  // namespace hearth::scheduler
