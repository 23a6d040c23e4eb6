// Tool calls and thinking through llama.cpp's common chat API, with real models' Jinja templates
// (from the llama.cpp build's share/hearth/templates) on the tiny shared models.
#include <gtest/gtest.h>

#include "engine/chat_fixtures.h"
#include "engine/engine.h"
#include "engine/sampling.h"

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
using Mode = chat::ToolChoice::Mode;

TEST(ToolTemplateTest, AutoGivesALazyGrammarWithTriggers) {
  ModelPtr m = Load("vocab/ggml-vocab-qwen2.gguf", true);
  auto t = Template(m, kQwen25);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->supports_tools());
  RenderOptions o;
  o.tools = Tools();
  auto r = t->Render(Ask(), o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->prompt.find("get_weather"), std::string::npos);
  EXPECT_NE(r->prompt.find("<tools>"), std::string::npos);
  ASSERT_FALSE(r->grammar.empty());
  EXPECT_TRUE(r->grammar.lazy);
  ASSERT_FALSE(r->grammar.triggers.empty());
  bool tool_call_trigger = false;
  for (const auto& tr : r->grammar.triggers)
    if (tr.value.find("<tool_call>") != std::string::npos) tool_call_trigger = true;
  EXPECT_TRUE(tool_call_trigger);
  EXPECT_NE(std::find(r->grammar.preserved_tokens.begin(), r->grammar.preserved_tokens.end(),
                      "<tool_call>"),
            r->grammar.preserved_tokens.end());
  EXPECT_TRUE(r->syntax);
}

TEST(ToolTemplateTest, RequiredAndNamedAreEnforcedEverywhere) {
  ModelPtr m = Load("vocab/ggml-vocab-qwen2.gguf", true);
  auto t = Template(m, kQwen25);
  ASSERT_TRUE(t);
  RenderOptions o;
  o.tools = Tools();
  o.tool_choice.mode = Mode::kRequired;
  auto req = t->Render(Ask(), o);
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  ASSERT_FALSE(req->grammar.empty());
  EXPECT_FALSE(req->grammar.lazy);
  EXPECT_NE(req->grammar.gbnf.find("get_time"), std::string::npos);
  // The root rule starts the calls right after the generation prompt: no free text first.
  const size_t root = req->grammar.gbnf.find("root ::= ");
  ASSERT_NE(root, std::string::npos);
  const std::string root_line =
      req->grammar.gbnf.substr(root, req->grammar.gbnf.find('\n', root) - root);
  EXPECT_EQ(root_line.find("until"), std::string::npos) << root_line;
  EXPECT_NE(root_line.find("tool-calls"), std::string::npos) << root_line;

  o.tool_choice = {Mode::kFunction, "get_weather"};
  auto named = t->Render(Ask(), o);
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  EXPECT_FALSE(named->grammar.lazy);
  EXPECT_NE(named->grammar.gbnf.find("get_weather"), std::string::npos);
  EXPECT_EQ(named->grammar.gbnf.find("get_time"), std::string::npos);
  EXPECT_EQ(named->prompt.find("get_time"), std::string::npos);
}

TEST(ToolTemplateTest, NoneHidesTheTools) {
  ModelPtr m = Load("vocab/ggml-vocab-qwen2.gguf", true);
  auto t = Template(m, kQwen25);
  ASSERT_TRUE(t);
  RenderOptions o;
  o.tools = Tools();
  o.tool_choice.mode = Mode::kNone;
  auto r = t->Render(Ask(), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->prompt.find("get_weather"), std::string::npos);
  EXPECT_TRUE(r->grammar.empty());
}

TEST(ToolTemplateTest, BadToolChoicesAreClearErrors) {
  ModelPtr m = Load("vocab/ggml-vocab-qwen2.gguf", true);
  auto t = Template(m, kQwen25);
  ASSERT_TRUE(t);
  RenderOptions o;
  o.tool_choice.mode = Mode::kRequired;
  auto no_tools = t->Render(Ask(), o);
  ASSERT_FALSE(no_tools.ok());
  EXPECT_EQ(no_tools.status().code(), StatusCode::kInvalidArgument);
  o.tools = Tools();
  o.tool_choice = {Mode::kFunction, "launch_rocket"};
  auto missing = t->Render(Ask(), o);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("launch_rocket"), std::string::npos);
  o.tool_choice = {};
  o.tools[1].parameters_json = "{not json";
  auto bad = t->Render(Ask(), o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("get_time"), std::string::npos);
}

TEST(ToolTemplateTest, FormatWinsOverActiveTools) {
  ModelPtr m = Load("vocab/ggml-vocab-qwen2.gguf", true);
  auto t = Template(m, kQwen25);
  ASSERT_TRUE(t);
  RenderOptions o;
  o.tools = Tools();
  o.format = {
      chat::OutputFormat::Kind::kJsonSchema,
      R"({"type":"object","properties":{"answer":{"type":"integer"}},"required":["answer"]})"};
  auto r = t->Render(Ask(), o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_FALSE(r->grammar.empty());
  EXPECT_FALSE(r->grammar.lazy);
  EXPECT_NE(r->grammar.gbnf.find("answer"), std::string::npos);
  EXPECT_EQ(r->grammar.gbnf.find("get_weather"), std::string::npos);
  ChatOutputParser p(r->syntax);
  OutputDelta all = Feed(&p, R"({"answer": 4})", 2);
  EXPECT_EQ(all.content, R"({"answer": 4})");
  EXPECT_TRUE(all.tool_calls.empty());

  o.format = {chat::OutputFormat::Kind::kGrammar, "root ::= \"x\""};
  auto g = t->Render(Ask(), o);
  EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
  o.tool_choice.mode = Mode::kNone;  // no active tools: the engine applies the format itself
  auto none = t->Render(Ask(), o);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->grammar.empty());
}

TEST(ToolTemplateTest, ApplyRenderedFillsTheRequest) {
  ModelPtr m = Load("vocab/ggml-vocab-qwen2.gguf", true);
  auto t = Template(m, kQwen25);
  ASSERT_TRUE(t);
  RenderOptions o;
  o.tools = Tools();
  o.tool_choice.mode = Mode::kRequired;
  auto r = t->Render(Ask(), o);
  ASSERT_TRUE(r.ok());
  r->additional_stops = {"<|im_end|>", "STOP"};
  GenerateRequest req;
  req.options.stop = {"STOP"};
  ApplyRendered(*m, *r, &req);
  EXPECT_EQ(req.prompt, TokenizePrompt(*m, r->prompt, false));
  // Special-token text became single tokens.
  EXPECT_EQ(req.prompt.front(), m->Tokenize("<|im_start|>", false, true).front());
  EXPECT_EQ(req.tool_grammar.gbnf, r->grammar.gbnf);
  EXPECT_EQ(req.options.stop, (std::vector<std::string>{"STOP", "<|im_end|>"}));
}

TEST(ToolTemplateTest, RendersToolResultsInHistory) {
  ModelPtr m = Load("vocab/ggml-vocab-qwen2.gguf", true);
  auto t = Template(m, kQwen25);
  ASSERT_TRUE(t);
  std::vector<chat::Message> msgs = Ask();
  chat::Message call{"assistant", "", "", {{"call_1", "get_weather", R"({"city":"Paris"})"}},
                     "",          ""};
  msgs.push_back(call);
  msgs.push_back({"tool", "18 degrees", "", {}, "get_weather", "call_1"});
  RenderOptions o;
  o.tools = Tools();
  auto r = t->Render(msgs, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->prompt.find("<tool_response>\n18 degrees\n</tool_response>"), std::string::npos);
  EXPECT_NE(r->prompt.find(R"("city": "Paris")"), std::string::npos) << r->prompt;
}

TEST(ToolTemplateTest, PreservedTokensAreShownAsText) {
  ModelPtr m = Load("vocab/ggml-vocab-qwen2.gguf", true);
  auto t = Template(m, kQwen25);
  ASSERT_TRUE(t);
  RenderOptions o;
  o.tools = Tools();
  auto r = t->Render(Ask(), o);
  ASSERT_TRUE(r.ok());
  // This vocabulary has no <tool_call> token (a multi-token text is never "preserved"); a
  // special token it does have stands in for it.
  GrammarConstraint g = r->grammar;
  g.preserved_tokens.push_back("<|im_start|>");
  auto s = Sampler::Create(*m, {}, "", 512, g);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const auto start = m->Tokenize("<|im_start|>", false, true);
  ASSERT_EQ(start.size(), 1u);
  EXPECT_TRUE((*s)->IsPreserved(start[0]));
  EXPECT_EQ(m->TokenPiece(start[0], true), "<|im_start|>");
  EXPECT_EQ(m->TokenPiece(start[0], false), "");  // what the stream would show unpreserved
  const auto im_end = m->Tokenize("<|im_end|>", false, true);
  ASSERT_EQ(im_end.size(), 1u);
  EXPECT_FALSE((*s)->IsPreserved(im_end[0]));
  for (Token id : m->Tokenize("<tool_call>", false, true)) EXPECT_FALSE((*s)->IsPreserved(id));
  // A bad trigger pattern is refused, not thrown.
  GrammarConstraint bad = r->grammar;
  bad.triggers = {{GrammarTrigger::Kind::kPattern, "([unclosed", -1}};
  EXPECT_EQ(Sampler::Create(*m, {}, "", 512, bad).status().code(), StatusCode::kInvalidArgument);
}

// A real model under a tool template: tool_choice required forces a call that parses, whatever
// the model would rather say; auto leaves it free (stories260K tells a story).
class ToolGenerateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = Load("stories260K-f32.gguf", false);
    ASSERT_TRUE(model_);
    auto t = ChatTemplate::Create(model_->raw(), ReadTemplate(kQwen25));
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    tmpl_ = std::move(t).value();
    EngineOptions eo;
    eo.n_parallel = 1;
    eo.n_ctx = 512;
    auto e = Engine::Create(model_, eo);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value();
  }

  // Renders, generates greedily and parses; returns the folded output.
  OutputDelta Run(const RenderOptions& o, Completion* done) {
    // Keep the prompt short: the tiny model's context is 512 tokens.
    std::vector<chat::Message> msgs = {{"user", "Paris?", "", {}, "", ""}};
    auto r = tmpl_->Render(msgs, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    GenerateRequest req;
    req.prompt = model_->Tokenize("Once upon a time", true, false);
    req.options.sampling.temperature = 0;
    req.options.num_predict = 120;
    req.tool_grammar = r->grammar;
    for (const auto& s : r->additional_stops) req.options.stop.push_back(s);
    Engine::Output out = engine_->Generate(std::move(req));
    *done = out.completion;
    ChatOutputParser p(r->syntax);
    return Feed(&p, out.text, 5);
  }

  ModelPtr model_;
  std::unique_ptr<ChatTemplate> tmpl_;
  EnginePtr engine_;
};

TEST_F(ToolGenerateTest, RequiredForcesAParsableCall) {
  RenderOptions o;
  o.tools = Tools();
  o.tool_choice.mode = Mode::kRequired;
  Completion done;
  OutputDelta out = Run(o, &done);
  ASSERT_TRUE(done.status.ok()) << done.status.ToString();
  ASSERT_GE(out.tool_calls.size(), 1u) << "content: " << out.content;
  const auto& c = out.tool_calls[0];
  EXPECT_TRUE(c.name == "get_weather" || c.name == "get_time") << c.name;
  if (c.name == "get_weather") {
    EXPECT_TRUE(c.arguments_json == R"({"city":"Paris"})" ||
                c.arguments_json == R"({"city":"Rome"})")
        << c.arguments_json;
  }
}

TEST_F(ToolGenerateTest, NamedFunctionIsTheOneCalled) {
  RenderOptions o;
  o.tools = Tools();
  o.tool_choice = {Mode::kFunction, "get_weather"};
  Completion done;
  OutputDelta out = Run(o, &done);
  ASSERT_TRUE(done.status.ok()) << done.status.ToString();
  ASSERT_GE(out.tool_calls.size(), 1u) << "content: " << out.content;
  for (const auto& c : out.tool_calls) {
    EXPECT_EQ(c.name, "get_weather");
    EXPECT_TRUE(c.arguments_json == R"({"city":"Paris"})" ||
                c.arguments_json == R"({"city":"Rome"})")
        << c.arguments_json;
  }
}

TEST_F(ToolGenerateTest, AutoLeavesTheModelFree) {
  RenderOptions o;
  o.tools = Tools();
  Completion done;
  OutputDelta out = Run(o, &done);
  ASSERT_TRUE(done.status.ok()) << done.status.ToString();
  EXPECT_TRUE(out.tool_calls.empty());
  // The same story as without any grammar.
  GenerateRequest plain;
  plain.prompt = model_->Tokenize("Once upon a time", true, false);
  plain.options.sampling.temperature = 0;
  plain.options.num_predict = 120;
  EXPECT_EQ(out.content, engine_->Generate(std::move(plain)).text);
}

// A lazy grammar is free until its trigger, then constrains from the trigger on: the greedy
// story runs as usual up to "Lily", then must read "Lily was here." and end.
TEST_F(ToolGenerateTest, LazyGrammarWakesOnItsTrigger) {
  for (auto kind : {GrammarTrigger::Kind::kWord, GrammarTrigger::Kind::kPattern}) {
    GenerateRequest req;
    req.prompt = model_->Tokenize("Once upon a time", true, false);
    req.options.sampling.temperature = 0;
    req.options.num_predict = 60;
    req.tool_grammar.gbnf = "root ::= \"Lily was here.\"";
    req.tool_grammar.lazy = true;
    req.tool_grammar.triggers = {
        {kind, kind == GrammarTrigger::Kind::kWord ? "Lily" : "L[i]ly", -1}};
    Engine::Output out = engine_->Generate(std::move(req));
    ASSERT_TRUE(out.completion.status.ok()) << out.completion.status.ToString();
    EXPECT_EQ(out.text, ", there was a little girl named Lily was here.");
    EXPECT_EQ(out.completion.done_reason, chat::DoneReason::kStop);
  }
}

TEST_F(ToolGenerateTest, LazyGrammarWithoutTriggersIsRefused) {
  GenerateRequest req;
  req.prompt = model_->Tokenize("Once", true, false);
  req.tool_grammar.gbnf = "root ::= \"x\"";
  req.tool_grammar.lazy = true;
  Status s = engine_->Submit(std::move(req), {});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  GenerateRequest bad;
  bad.prompt = model_->Tokenize("Once", true, false);
  bad.tool_grammar.gbnf = "root ::= ";
  bad.tool_grammar.gbnf += "(((";
  EXPECT_EQ(engine_->Submit(std::move(bad), {}).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hearth::engine
