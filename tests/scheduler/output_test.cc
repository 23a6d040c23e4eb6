#include "scheduler/output.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gotmpl/ollama_template.h"

namespace hearth::scheduler {
namespace {

using Json = nlohmann::json;

gotmpl::OllamaTemplate Parse(const std::string& source) {
  auto t = gotmpl::OllamaTemplate::Parse(source);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return std::move(t).value();
}

constexpr char kToolTemplate[] =
    "{{ if .Tools }}Tools: {{ range .Tools }}{{ json .Function }}{{ end }}{{ end }}"
    "{{ range .Messages }}{{ .Role }}: {{ .Content }}"
    "{{ if .ToolCalls }}<tool_call>{{ range .ToolCalls }}{{ json .Function }}{{ end }}"
    "</tool_call>{{ end }}{{ end }}assistant: ";

constexpr char kThinkTemplate[] =
    "{{ range .Messages }}{{ .Role }}: {{ if .Thinking }}<think>{{ .Thinking }}</think>{{ end }}"
    "{{ .Content }}{{ end }}assistant: ";

chat::Tool Weather() {
  return {"get_weather", "Weather for a city",
          R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})"};
}

chat::Chunk Feed(OutputParser& p, const std::vector<std::string>& pieces) {
  chat::Chunk all;
  for (const std::string& piece : pieces) {
    chat::Chunk c;
    p.Add(piece, c);
    all.content += c.content;
    all.thinking += c.thinking;
    for (auto& t : c.tool_calls) all.tool_calls.push_back(t);
  }
  chat::Chunk f;
  p.Finish(f);
  all.content += f.content;
  all.thinking += f.thinking;
  for (auto& t : f.tool_calls) all.tool_calls.push_back(t);
  return all;
}

TEST(OutputTest, PlainPassesTextThrough) {
  auto p = MakePlainParser();
  chat::Chunk c = Feed(*p, {"<think>a", "</think>{\"x\":1}"});
  EXPECT_EQ(c.content, "<think>a</think>{\"x\":1}");
  EXPECT_TRUE(c.tool_calls.empty());
}

TEST(OutputTest, JinjaWithoutSyntaxIsPlain) {
  auto p = MakeJinjaParser(nullptr);
  EXPECT_EQ(Feed(*p, {"a", "b"}).content, "ab");
}

TEST(OutputTest, GoParserFindsToolCallsAfterTheTemplatesTagAndGivesThemIds) {
  auto p = MakeGoParser(Parse(kToolTemplate), {Weather()}, false);
  chat::Chunk c = Feed(*p, {"<tool_", "call>{\"name\": \"get_weather\", \"argu",
                            "ments\": {\"city\": \"Paris\"}}</tool_call>"});
  ASSERT_EQ(c.tool_calls.size(), 1u) << c.content;
  EXPECT_EQ(c.tool_calls[0].name, "get_weather");
  EXPECT_EQ(Json::parse(c.tool_calls[0].arguments_json), Json::parse(R"({"city":"Paris"})"));
  EXPECT_EQ(c.tool_calls[0].id.rfind("call_", 0), 0u) << c.tool_calls[0].id;
  EXPECT_EQ(c.tool_calls[0].id.size(), 21u);
}

TEST(OutputTest, GoParserWithoutToolsKeepsCallLikeTextAsContent) {
  auto p = MakeGoParser(Parse(kToolTemplate), {}, false);
  const std::string text = "<tool_call>{\"name\": \"get_weather\"}";
  chat::Chunk c = Feed(*p, {text});
  EXPECT_EQ(c.content, text);
  EXPECT_TRUE(c.tool_calls.empty());
}

TEST(OutputTest, GoParserSplitsThinkingWhenOn) {
  auto on = MakeGoParser(Parse(kThinkTemplate), {}, true);
  chat::Chunk c = Feed(*on, {"<thi", "nk>Let me see</th", "ink>\n\nThe answer"});
  EXPECT_EQ(c.thinking, "Let me see");
  EXPECT_EQ(c.content, "The answer");
  auto off = MakeGoParser(Parse(kThinkTemplate), {}, false);
  EXPECT_EQ(Feed(*off, {"<think>x</think>y"}).content, "<think>x</think>y");
}

TEST(OutputTest, AssignToolCallIdsKeepsExistingOnesAndMakesDistinctNewOnes) {
  std::vector<chat::ToolCall> calls(3);
  calls[1].id = "mine";
  AssignToolCallIds(calls);
  EXPECT_EQ(calls[1].id, "mine");
  EXPECT_EQ(calls[0].id.rfind("call_", 0), 0u);
  EXPECT_EQ(calls[2].id.rfind("call_", 0), 0u);
  EXPECT_NE(calls[0].id, calls[2].id);
}

TEST(OutputTest, GoToolGrammarPutsTheTagFirstAndNamesOnlyTheChosenTool) {
  chat::Tool other{"get_time", "", R"({"type":"object","properties":{}})"};
  auto g = GoToolGrammar(Parse(kToolTemplate), {Weather(), other}, "get_weather");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_FALSE(g->lazy);
  EXPECT_EQ(g->gbnf.rfind("root ::= \"<tool_call>\"", 0), 0u) << g->gbnf;
  EXPECT_NE(g->gbnf.find("get_weather"), std::string::npos);
  EXPECT_EQ(g->gbnf.find("get_time"), std::string::npos) << g->gbnf;

  auto any = GoToolGrammar(Parse(kToolTemplate), {Weather(), other}, "");
  ASSERT_TRUE(any.ok()) << any.status().ToString();
  EXPECT_NE(any->gbnf.find("get_time"), std::string::npos);

  // No tool-call block in the template: the tag is "{" and the call starts the output.
  auto bare = GoToolGrammar(Parse("{{ .Prompt }}"), {Weather()}, "");
  ASSERT_TRUE(bare.ok()) << bare.status().ToString();
  EXPECT_EQ(bare->gbnf.rfind("root ::= hearth-tool-call", 0), 0u) << bare->gbnf;
}

TEST(OutputTest, GoToolGrammarRejectsUnknownFunctionsAndBadSchemas) {
  EXPECT_EQ(GoToolGrammar(Parse(kToolTemplate), {Weather()}, "nope").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(GoToolGrammar(Parse(kToolTemplate), {}, "").status().code(),
            StatusCode::kInvalidArgument);
  chat::Tool bad{"bad", "", "[1, 2"};
  auto s = GoToolGrammar(Parse(kToolTemplate), {bad}, "");
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find("bad"), std::string::npos) << s.status().ToString();
}

}  // namespace
}  // namespace hearth::scheduler
