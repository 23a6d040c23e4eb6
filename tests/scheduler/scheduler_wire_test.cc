// The scheduler's wiring of tool calls, logprobs and embeddings (stories260K in a temp store).

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "scheduler/scheduler_fixture.h"

namespace hearth::scheduler {
namespace {

using chat::Message;
using Json = nlohmann::json;
using testing::ChatRequest;
using testing::Collector;
using testing::GenerateRequest;

// ChatML with tools, as the integration tests' 'chatty' model (no tool-call block: tag "{").
constexpr char kChatML[] =
    "TEMPLATE \"\"\"{{- if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}"
    "{{- if .Tools }}<|im_start|>system\nTools: {{ range .Tools }}{{ json .Function }}{{ end }}"
    "<|im_end|>\n{{ end }}"
    "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}"
    "<|im_start|>assistant\n\"\"\"\n";

// The same with a tool-call block: tag "<tool_call>".
constexpr char kTagged[] =
    "TEMPLATE \"\"\"{{ if .Tools }}Tools: {{ range .Tools }}{{ json .Function }}{{ end }}{{ end }}"
    "{{ range .Messages }}{{ .Role }}: {{ .Content }}"
    "{{ if .ToolCalls }}<tool_call>{{ range .ToolCalls }}{{ json .Function }}{{ end }}"
    "</tool_call>{{ end }}{{ end }}assistant: \"\"\"\n";

chat::Tool Weather() {
  return {"get_weather", "Weather for a city",
          R"({"type":"object","properties":{"city":{"type":"string","maxLength":12}},)"
          R"("required":["city"]})"};
}
chat::Tool Time() {
  return {"get_time", "Time in a zone",
          R"({"type":"object","properties":{"zone":{"type":"string","maxLength":8}},)"
          R"("required":["zone"]})"};
}

class WireTest : public testing::RouterTest {};

void ExpectOneCall(Collector& c, const std::string& name, const std::string& arg) {
  ASSERT_TRUE(c.Wait());
  const chat::Chunk f = c.final_chunk();
  ASSERT_TRUE(f.error.ok()) << f.error.ToString();
  EXPECT_EQ(f.done_reason, chat::DoneReason::kStop);
  const auto calls = c.tool_calls();
  ASSERT_EQ(calls.size(), 1u) << "content: " << c.text();
  EXPECT_EQ(calls[0].name, name);
  EXPECT_EQ(calls[0].id.rfind("call_", 0), 0u) << calls[0].id;
  const Json args = Json::parse(calls[0].arguments_json, nullptr, false);
  ASSERT_TRUE(args.is_object()) << calls[0].arguments_json;
  ASSERT_TRUE(args.contains(arg)) << calls[0].arguments_json;
  EXPECT_TRUE(args[arg].is_string());
}

TEST_F(WireTest, RequiredToolChoiceOnAGoTemplateYieldsACall) {
  CreateModel("chatty", kChatML);
  auto s = Make(TestOptions());
  chat::Request r = ChatRequest("chatty", {Message{"user", "Weather in Paris?"}}, 200);
  r.tools = {Weather()};
  r.tool_choice.mode = chat::ToolChoice::Mode::kRequired;
  r.options.push_back(testing::IntOption("num_ctx", 512));  // the tools make a long prompt
  Collector c;
  const Status started = s->Generate(r, c.Sink());
  ASSERT_TRUE(started.ok()) << started.ToString();
  ExpectOneCall(c, "get_weather", "city");
}

TEST_F(WireTest, NamedToolChoiceWithATaggedTemplateCallsThatTool) {
  CreateModel("tagged", kTagged);
  auto s = Make(TestOptions());
  chat::Request r = ChatRequest("tagged", {Message{"user", "Anything"}}, 200);
  r.tools = {Weather(), Time()};
  r.tool_choice.mode = chat::ToolChoice::Mode::kFunction;
  r.tool_choice.function = "get_time";
  r.options.push_back(testing::IntOption("num_ctx", 512));
  Collector c;
  const Status started = s->Generate(r, c.Sink());
  ASSERT_TRUE(started.ok()) << started.ToString();
  ExpectOneCall(c, "get_time", "zone");
  EXPECT_EQ(c.text(), "");  // the tag and the call are not content
}

TEST_F(WireTest, BadToolChoicesAreRefusedBeforeAnyChunk) {
  CreateModel("chatty", kChatML);
  CreateModel("stories");
  auto s = Make(TestOptions());
  chat::Request r = ChatRequest("chatty", {Message{"user", "x"}}, 4);
  r.tools = {Weather()};
  r.tool_choice.mode = chat::ToolChoice::Mode::kFunction;
  r.tool_choice.function = "nope";
  Collector c;
  EXPECT_EQ(s->Generate(r, c.Sink()).code(), StatusCode::kInvalidArgument);
  r.model = "stories";  // no template: no tools
  r.tool_choice.mode = chat::ToolChoice::Mode::kRequired;
  EXPECT_EQ(s->Generate(r, c.Sink()).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.chunks(), 0);
}

TEST_F(WireTest, AutoToolChoiceOnAGoTemplateIsNotForced) {
  CreateModel("chatty", kChatML);
  auto s = Make(TestOptions());
  chat::Request r = ChatRequest("chatty", {Message{"user", "Tell me a story"}}, 12);
  r.tools = {Weather()};
  r.options.push_back(testing::IntOption("num_ctx", 512));
  Collector c;
  const Status started = s->Generate(r, c.Sink());
  ASSERT_TRUE(started.ok()) << started.ToString();
  ASSERT_TRUE(c.Wait());
  // stories260K tells stories: free text, no call, and the length limit ends it.
  EXPECT_TRUE(c.tool_calls().empty());
  EXPECT_FALSE(c.text().empty());
  EXPECT_EQ(c.final_chunk().done_reason, chat::DoneReason::kLength);
}

TEST_F(WireTest, LogprobsComeWithTheirTokens) {
  CreateModel("stories");
  auto s = Make(TestOptions());
  chat::Request r = GenerateRequest("stories", "Once upon a time", 6);
  r.logprobs = true;
  r.top_logprobs = 3;
  Collector c;
  const Status started = s->Generate(r, c.Sink());
  ASSERT_TRUE(started.ok()) << started.ToString();
  ASSERT_TRUE(c.Wait());
  const auto lps = c.logprobs();
  ASSERT_EQ(lps.size(), 6u);
  EXPECT_EQ(c.final_chunk().usage.completion_tokens, 6);
  std::string joined;
  for (const auto& l : lps) {
    joined += l.token;
    EXPECT_LE(l.logprob, 0.0);
    ASSERT_EQ(l.top.size(), 3u);
    EXPECT_GE(l.top[0].logprob, l.top[1].logprob);
    // Greedy: the chosen token is the most likely one.
    EXPECT_EQ(l.top[0].token, l.token);
  }
  EXPECT_EQ(joined, c.text());

  Collector none;
  r.logprobs = false;
  ASSERT_TRUE(s->Generate(r, none.Sink()).ok());
  ASSERT_TRUE(none.Wait());
  EXPECT_TRUE(none.logprobs().empty());
}

double Norm(const std::vector<float>& v) {
  double sum = 0;
  for (float x : v) sum += static_cast<double>(x) * x;
  return std::sqrt(sum);
}

TEST_F(WireTest, EmbedGivesUnitVectorsIndependentOfTheBatch) {
  CreateModel("stories");
  auto s = Make(TestOptions());
  chat::EmbedRequest e;
  e.model = "stories";
  e.inputs = {"Once upon a time", "The cat sat on the mat"};
  auto batch = s->Embed(e);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_EQ(batch->embeddings.size(), 2u);
  EXPECT_EQ(batch->model, "stories:latest");
  EXPECT_GT(batch->usage.prompt_tokens, 4);
  EXPECT_GT(batch->usage.load.count(), 0);
  EXPECT_GE(batch->usage.total, batch->usage.load);
  for (const auto& v : batch->embeddings) {
    ASSERT_FALSE(v.empty());
    EXPECT_NEAR(Norm(v), 1.0, 1e-4);
  }
  EXPECT_NE(batch->embeddings[0], batch->embeddings[1]);
  EXPECT_EQ(s->Running().size(), 1u);

  e.inputs = {"The cat sat on the mat"};
  auto single = s->Embed(e);
  ASSERT_TRUE(single.ok()) << single.status().ToString();
  ASSERT_EQ(single->embeddings.size(), 1u);
  ASSERT_EQ(single->embeddings[0].size(), batch->embeddings[1].size());
  for (size_t i = 0; i < single->embeddings[0].size(); ++i)
    EXPECT_NEAR(single->embeddings[0][i], batch->embeddings[1][i], 1e-4) << i;
  EXPECT_EQ(single->usage.load.count(), 0);  // loaded already
  EXPECT_EQ(s->Stats().loads, 1u);
  int load_lines = 0;  // the integration tests count these
  for (const std::string& line : Logs())
    load_lines += line.rfind("loaded model stories:latest ", 0) == 0;
  EXPECT_EQ(load_lines, 1);

  e.dimensions = 8;
  auto cut = s->Embed(e);
  ASSERT_TRUE(cut.ok()) << cut.status().ToString();
  ASSERT_EQ(cut->embeddings[0].size(), 8u);
  EXPECT_NEAR(Norm(cut->embeddings[0]), 1.0, 1e-4);
}

TEST_F(WireTest, EmbedErrors) {
  CreateModel("stories");
  auto s = Make(TestOptions());
  chat::EmbedRequest e;
  e.model = "missing";
  e.inputs = {"x"};
  EXPECT_EQ(s->Embed(e).status().code(), StatusCode::kNotFound);

  e.model = "stories";
  std::string lng;
  for (int i = 0; i < 400; ++i) lng += "once upon a time ";
  e.inputs = {"short", lng};
  e.truncate = false;
  auto refused = s->Embed(e);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("input 1"), std::string::npos)
      << refused.status().ToString();
  e.truncate = true;
  auto cut = s->Embed(e);
  ASSERT_TRUE(cut.ok()) << cut.status().ToString();
  EXPECT_EQ(cut->embeddings.size(), 2u);

  // num_ctx applies per request: 12 tokens fit 64 but not 8.
  e.inputs = {"Once upon a time there was a little girl named Lily"};
  e.truncate = false;
  e.options = {testing::IntOption("num_ctx", 64)};
  auto fits = s->Embed(e);
  ASSERT_TRUE(fits.ok()) << fits.status().ToString();
  e.options = {testing::IntOption("num_ctx", 8)};
  auto small = s->Embed(e);
  EXPECT_EQ(small.status().code(), StatusCode::kInvalidArgument) << small.status().ToString();
  e.truncate = true;
  auto cut_small = s->Embed(e);
  ASSERT_TRUE(cut_small.ok()) << cut_small.status().ToString();
  EXPECT_EQ(cut_small->usage.prompt_tokens, 8);

  e.inputs.clear();
  EXPECT_EQ(s->Embed(e).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hearth::scheduler
