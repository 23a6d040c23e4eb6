#include "gotmpl/tool_parser.h"

#include <gtest/gtest.h>

#include "gotmpl/go_template.h"
#include "gotmpl/output_parser.h"

namespace hearth::gotmpl {
namespace {

using namespace chat;  // the chat model these templates render

std::vector<Tool> Tools() {
  return {{"get_weather", "",
           R"({"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string"}},)"
           R"("required":["city"]})"},
          {"get_weather_forecast", "",
           R"({"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},)"
           R"("required":["city","days"]})"},
          {"ping", "", R"({"type":"object","properties":{}})"}};
}

std::string Tag(const std::string& source) {
  auto t = GoTemplate::Parse(source);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? ToolCallTag(*t) : "";
}

TEST(ToolCallTagTest, InferredFromTheToolCallsBlock) {
  EXPECT_EQ(Tag("{{ range .Messages }}{{ if .ToolCalls }}<tool_call>\n{{ range .ToolCalls }}"
                "{\"name\": \"{{ .Function.Name }}\"}{{ end }}</tool_call>{{ end }}{{ end }}"),
            "<tool_call>");
  EXPECT_EQ(Tag("{{ if .Messages }}{{ range .Messages }}{{- if .ToolCalls }} [TOOL_CALLS] [{{ "
                "range .ToolCalls }}{{ end }}]{{ end }}{{ end }}{{ end }}"),
            "[TOOL_CALLS] [");
  EXPECT_EQ(Tag("{{ range .Messages }}{{ if .ToolCalls }}{{ range .ToolCalls }}{\"name\": 1}"
                "{{ end }}{{ end }}{{ end }}"),
            "{");  // the first text is inside the range but starts at '{'
  EXPECT_EQ(Tag("{{ .Prompt }}"), "{");
  EXPECT_EQ(Tag("{{ if .ToolCalls }}{{ .Content }}<call>{{ end }}"), "{");  // an action first
}

struct Folded {
  std::vector<ToolCall> calls;
  std::string content;
};

Folded FeedAll(ToolCallParser* p, const std::string& text, size_t step) {
  Folded f;
  for (size_t i = 0; i < text.size(); i += step) {
    auto out = p->Add(text.substr(i, step));
    f.content += out.content;
    for (auto& c : out.calls) f.calls.push_back(std::move(c));
  }
  f.content += p->Finish();
  return f;
}

TEST(ToolCallParserTest, TaggedCallsInAnySplit) {
  const std::string out =
      "Sure. <tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n"
      "</tool_call><tool_call>{\"name\": \"get_weather_forecast\", \"parameters\": "
      "{\"city\": \"Rome\", \"days\": 3}}</tool_call>";
  for (size_t step : {1, 2, 5, 1000}) {
    ToolCallParser p(Tools(), "<tool_call>");
    Folded f = FeedAll(&p, out, step);
    EXPECT_EQ(f.content, "Sure. ") << step;
    ASSERT_EQ(f.calls.size(), 2u) << step;
    EXPECT_EQ(f.calls[0].name, "get_weather");
    EXPECT_EQ(f.calls[0].arguments_json, R"({"city":"Paris"})");
    EXPECT_EQ(f.calls[1].name, "get_weather_forecast");  // the longest name wins
    EXPECT_EQ(f.calls[1].arguments_json, R"({"city":"Rome","days":3})");
  }
}

TEST(ToolCallParserTest, HoldsBackATagPrefix) {
  ToolCallParser p(Tools(), "[TOOL_CALLS]");
  auto a = p.Add("Hello [TOOL");
  EXPECT_EQ(a.content, "Hello ");
  auto b = p.Add("_CALLS] [{\"name\": \"ping\", \"arguments\": {}}]");
  EXPECT_EQ(b.content, "");
  ASSERT_EQ(b.calls.size(), 1u);
  EXPECT_EQ(b.calls[0].name, "ping");
  EXPECT_EQ(b.calls[0].arguments_json, "{}");
  // A false alarm: the held-back text is content.
  ToolCallParser q(Tools(), "[TOOL_CALLS]");
  EXPECT_EQ(q.Add("a [TOO").content, "a ");
  EXPECT_EQ(q.Add("K] b").content, "[TOOK] b");
}

TEST(ToolCallParserTest, BareJsonOnlyAtTheStart) {
  ToolCallParser p(Tools(), "{");
  Folded f = FeedAll(&p, "  {\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}", 3);
  ASSERT_EQ(f.calls.size(), 1u);
  EXPECT_EQ(f.calls[0].arguments_json, R"({"city":"Oslo"})");
  ToolCallParser prose(Tools(), "{");
  Folded g = FeedAll(&prose, "The JSON {\"name\": \"get_weather\", \"city\": \"x\"}", 4);
  EXPECT_TRUE(g.calls.empty());
  EXPECT_EQ(g.content, "The JSON {\"name\": \"get_weather\", \"city\": \"x\"}");
  // JSON that is not a call is given back when its braces close.
  ToolCallParser other(Tools(), "{");
  Folded h = FeedAll(&other, "{\"answer\": 42} done", 2);
  EXPECT_TRUE(h.calls.empty());
  EXPECT_EQ(h.content, "{\"answer\": 42} done");
}

TEST(ToolCallParserTest, ArgumentsMustMatchTheTool) {
  ToolCallParser p(Tools(), "<tool_call>");
  // Missing required "days", unknown key "x": neither is a call.
  Folded f = FeedAll(&p,
                     "<tool_call>{\"name\": \"get_weather_forecast\", \"arguments\": {\"city\": "
                     "\"Rome\", \"x\": 1}}",
                     7);
  EXPECT_TRUE(f.calls.empty());
  EXPECT_EQ(f.content,
            "<tool_call>{\"name\": \"get_weather_forecast\", \"arguments\": {\"city\": "
            "\"Rome\", \"x\": 1}}");
}

TEST(ToolCallParserTest, BracesInsideStringsDoNotConfuse) {
  ToolCallParser p(Tools(), "<tool_call>");
  Folded f =
      FeedAll(&p, "<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"a}b{\"}}", 1);
  ASSERT_EQ(f.calls.size(), 1u);
  EXPECT_EQ(f.calls[0].arguments_json, R"({"city":"a}b{"})");
}

TEST(ToolCallParserTest, HostileInputNeverCrashes) {
  ToolCallParser p(Tools(), "<tool_call>");
  std::string junk = "<tool_call>";
  for (int i = 0; i < 2000; ++i) junk += "{\"get_weather\":[";
  Folded f = FeedAll(&p, junk, 97);
  EXPECT_TRUE(f.calls.empty());
  ToolCallParser broken({{"x", "", "not json"}}, "");
  Folded g = FeedAll(&broken, "{\"name\": \"x\"}", 3);
  ASSERT_EQ(g.calls.size(), 1u);  // no parameters: the name is enough
  EXPECT_EQ(g.calls[0].arguments_json, "{}");
}

ThinkingParser::Output Think(const std::string& text, size_t step) {
  ThinkingParser p("<think>", "</think>");
  ThinkingParser::Output all;
  for (size_t i = 0; i < text.size(); i += step) {
    auto o = p.Add(text.substr(i, step));
    all.thinking += o.thinking;
    all.content += o.content;
  }
  auto o = p.Finish();
  all.thinking += o.thinking;
  all.content += o.content;
  return all;
}

TEST(ThinkingParserTest, SplitsThinkingFromContentInAnySplit) {
  for (size_t step : {1, 2, 3, 100}) {
    auto o = Think("  <think>\nLet me see.\nYes.  </think>\n\nThe answer is 4.", step);
    EXPECT_EQ(o.thinking, "Let me see.\nYes.") << step;
    EXPECT_EQ(o.content, "The answer is 4.") << step;
  }
}

TEST(ThinkingParserTest, NoOpenTagMeansAllContent) {
  auto o = Think("Hello <think>not thinking</think>", 2);
  EXPECT_EQ(o.thinking, "");
  EXPECT_EQ(o.content, "Hello <think>not thinking</think>");
  auto partial = Think("<thi", 1);
  EXPECT_EQ(partial.content, "<thi");
  auto unclosed = Think("<think>still going", 4);
  EXPECT_EQ(unclosed.thinking, "still going");
  EXPECT_EQ(unclosed.content, "");
}

}  // namespace
}  // namespace hearth::gotmpl

namespace hearth::gotmpl {
namespace {

ParsedOutput Fold(OllamaOutputParser* p, const std::string& text, size_t step) {
  ParsedOutput all;
  auto add = [&all](ParsedOutput o) {
    all.content += o.content;
    all.thinking += o.thinking;
    for (auto& c : o.tool_calls) all.tool_calls.push_back(std::move(c));
  };
  for (size_t i = 0; i < text.size(); i += step) add(p->Add(text.substr(i, step)));
  add(p->Finish());
  return all;
}

TEST(OllamaOutputParserTest, ThinkingThenToolCallFromATemplate) {
  auto t = GoTemplate::Parse(
      "{{ range .Messages }}{{ if .Thinking }}<think>{{ .Thinking }}</think>{{ end }}"
      "{{ if .ToolCalls }}<tool_call>{{ range .ToolCalls }}{\"name\": \"{{ .Function.Name }}\"}"
      "{{ end }}</tool_call>{{ end }}{{ .Content }}{{ end }}");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  auto [open, close] = t->InferThinkingTags();
  EXPECT_EQ(open, "<think>");
  EXPECT_EQ(close, "</think>");
  for (size_t step : {1, 4, 100}) {
    OllamaOutputParser p(open, close, Tools(), ToolCallTag(*t));
    ParsedOutput o =
        Fold(&p,
             "<think>Need the weather.</think>\n<tool_call>{\"name\": \"get_weather\", "
             "\"arguments\": {\"city\": \"Oslo\"}}</tool_call>",
             step);
    EXPECT_EQ(o.thinking, "Need the weather.") << step;
    EXPECT_EQ(o.content, "") << step;
    ASSERT_EQ(o.tool_calls.size(), 1u) << step;
    EXPECT_EQ(o.tool_calls[0].arguments_json, R"({"city":"Oslo"})");
  }
  OllamaOutputParser plain("", "", {}, "");
  EXPECT_EQ(Fold(&plain, "<think>x</think> y", 3).content, "<think>x</think> y");
}

}  // namespace
}  // namespace hearth::gotmpl
