// BuildPrompt on a Jinja (GGUF) template with tools: the render's grammar, stops and output
// syntax reach the Prompt. A vocab-only Qwen2 model with Qwen2.5's real template.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "scheduler/prompt.h"
#include "scheduler/scheduler_fixture.h"

namespace hearth::scheduler {
namespace {

std::unique_ptr<ModelPrompting> Qwen25() {
  engine::LoadOptions lo;
  lo.vocab_only = true;
  auto model = engine::Model::Load(hearth::testing::SharedModel("vocab/ggml-vocab-qwen2.gguf"), lo);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  if (!model.ok()) return nullptr;
  std::ifstream in(std::string(HEARTH_TEMPLATES_DIR) + "/Qwen-Qwen2.5-7B-Instruct.jinja");
  EXPECT_TRUE(in.good());
  std::stringstream source;
  source << in.rdbuf();
  auto m = std::make_unique<ModelPrompting>();
  m->name = "qwen";
  auto jinja = engine::ChatTemplate::Create((*model)->raw(), source.str());
  EXPECT_TRUE(jinja.ok()) << jinja.status().ToString();
  if (!jinja.ok()) return nullptr;
  m->jinja = std::move(jinja).value();
  m->model = std::move(model).value();
  return m;
}

chat::Request WithTools(chat::ToolChoice::Mode mode) {
  chat::Request r = testing::ChatRequest("qwen", {chat::Message{"user", "Weather in Paris?"}});
  r.tools = {{"get_weather", "Weather for a city",
              R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})"}};
  r.tool_choice.mode = mode;
  return r;
}

TEST(PromptJinjaToolsTest, ToolChoiceSetsTheGrammarAndTheParserReadsCalls) {
  auto m = Qwen25();
  ASSERT_NE(m, nullptr);
  auto autop = BuildPrompt(*m, WithTools(chat::ToolChoice::Mode::kAuto), 4096);
  ASSERT_TRUE(autop.ok()) << autop.status().ToString();
  EXPECT_NE(autop->text.find("get_weather"), std::string::npos);
  EXPECT_FALSE(autop->tool_grammar.empty());
  EXPECT_TRUE(autop->tool_grammar.lazy);

  auto req = BuildPrompt(*m, WithTools(chat::ToolChoice::Mode::kRequired), 4096);
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  EXPECT_FALSE(req->tool_grammar.empty());
  EXPECT_FALSE(req->tool_grammar.lazy);
  chat::Chunk c;
  req->parser->Add("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": ", c);
  req->parser->Add("{\"city\": \"Paris\"}}\n</tool_call>", c);
  req->parser->Finish(c);
  EXPECT_EQ(c.content, "");
  ASSERT_EQ(c.tool_calls.size(), 1u);
  EXPECT_EQ(c.tool_calls[0].name, "get_weather");
  EXPECT_EQ(c.tool_calls[0].arguments_json, R"({"city":"Paris"})");
  EXPECT_EQ(c.tool_calls[0].id.rfind("call_", 0), 0u);

  auto none = BuildPrompt(*m, WithTools(chat::ToolChoice::Mode::kNone), 4096);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->tool_grammar.empty());
  EXPECT_EQ(none->text.find("get_weather"), std::string::npos);

  chat::Request bad = WithTools(chat::ToolChoice::Mode::kFunction);
  bad.tool_choice.function = "nope";
  EXPECT_EQ(BuildPrompt(*m, bad, 4096).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hearth::scheduler
