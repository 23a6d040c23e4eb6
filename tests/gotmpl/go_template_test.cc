// Go text/template semantics: every expected string below is what Go's text/template produces for
// the same template and data (derived by hand from Go's documented rules and its source).
#include "gotmpl/go_template.h"

#include <gtest/gtest.h>

namespace hearth::gotmpl {
namespace {


TemplateValue Data() {
  auto m = TemplateValue::FromJson(R"({"b":"<x>","a":[1,2.5,true,null]})");
  TemplateValue::Entries e = {
      {"Name", TemplateValue::String("World")},
      {"S", TemplateValue::String("b")},
      {"N", TemplateValue::Int(2)},
      {"L", TemplateValue::List({TemplateValue::String("a"), TemplateValue::String("b")})},
      {"L5", TemplateValue::List({TemplateValue::String("a"), TemplateValue::String("b"),
                                  TemplateValue::String("c"), TemplateValue::String("d"),
                                  TemplateValue::String("e")})},
      {"Empty", TemplateValue::List({})},
      {"M", *m},
      {"Sep", TemplateValue::String("-")},
      {"Guest", TemplateValue::String("g")},
  };
  return TemplateValue::Map(std::move(e));
}

std::string Render(const std::string& text, const TemplateValue& data = Data(),
                   const ExecOptions& options = {}) {
  auto t = GoTemplate::Parse(text);
  if (!t.ok()) return "PARSE: " + t.status().message();
  auto out = t->Execute(data, options);
  if (!out.ok()) return "EXEC: " + out.status().message();
  return *out;
}

TEST(GoTemplateTest, FieldsTextAndMissingKeys) {
  EXPECT_EQ(Render("Hello {{ .Name }}! {{ .Missing }}"), "Hello World! <no value>");
  EXPECT_EQ(Render("{{ .M.b }} {{ .M.zz }}"), "<x> <no value>");
  EXPECT_EQ(Render("{{ . }}", TemplateValue::String("dot")), "dot");
  EXPECT_EQ(Render("{{ .L }} {{ .M }}"), "[a b] map[a:[1 2.5 true <nil>] b:<x>]");
  EXPECT_EQ(
      Render("{{ 42 }} {{ -1.5 }} {{ 0x1F }} {{ 'a' }} {{ true }} {{ `raw\\n` }} {{ \"q\\n\" }}"),
      "42 -1.5 31 97 true raw\\n q\n");
}

TEST(GoTemplateTest, TrimMarkersAndComments) {
  EXPECT_EQ(Render("a  \n {{- .S -}} \n  b"), "abb");
  EXPECT_EQ(Render("a {{- /* comment */ -}} b"), "ab");
  EXPECT_EQ(Render("{{/* a\nmultiline comment */}}x"), "x");
  EXPECT_EQ(Render("{{- .S }}  {{ .S -}}  \n"), "b  b");
  EXPECT_EQ(Render("{{-3}}"), "-3");  // "-3" is a number, not a trim marker
}

TEST(GoTemplateTest, Conditionals) {
  const std::string t = "{{ if eq .N 1 }}one{{ else if eq .N 2 }}two{{ else }}many{{ end }}";
  EXPECT_EQ(Render(t), "two");
  EXPECT_EQ(Render(t, TemplateValue::Map({{"N", TemplateValue::Int(5)}})), "many");
  EXPECT_EQ(Render("{{ with .User }}{{ .Name }}{{ else with .Guest }}guest {{ . }}{{ else }}"
                   "nobody{{ end }}"),
            "guest g");
  EXPECT_EQ(Render("{{ if .Empty }}x{{ else }}empty list is false{{ end }}"),
            "empty list is false");
  EXPECT_EQ(Render("{{ if and .S (not .Missing) }}yes{{ end }}"), "yes");
}

TEST(GoTemplateTest, Ranges) {
  EXPECT_EQ(Render("{{ range $i, $e := .L }}{{ $i }}={{ $e }};{{ end }}"), "0=a;1=b;");
  EXPECT_EQ(Render("{{ range $e := .L }}{{ $e }}{{ end }}"), "ab");
  EXPECT_EQ(Render("{{ range $k, $v := .M }}{{ $k }}:{{ $v }} {{ end }}"),
            "a:[1 2.5 true <nil>] b:<x> ");
  EXPECT_EQ(Render("{{ range 3 }}{{ . }}{{ end }}"), "012");
  EXPECT_EQ(Render("{{ range .Empty }}x{{ else }}empty{{ end }}|{{ range .Missing }}x{{ else "
                   "}}nil{{ end }}"),
            "empty|nil");
  EXPECT_EQ(Render("{{ range .L5 }}{{ if eq . \"b\" }}{{ continue }}{{ end }}{{ if eq . \"d\" }}"
                   "{{ break }}{{ end }}{{ . }}{{ end }}"),
            "ac");
  EXPECT_EQ(Render("{{ range .L }}{{ $.Sep }}{{ . }}{{ end }}"), "-a-b");
  EXPECT_EQ(Render("{{ $n := 0 }}{{ range .L }}{{ $n = . }}{{ end }}{{ $n }}"), "b");
  EXPECT_EQ(Render("{{ range $i, $_ := .L }}{{ $last := eq (len (slice $.L $i)) 1 }}"
                   "{{ if $last }}last{{ else }}{{ $i }},{{ end }}{{ end }}"),
            "0,last");
}

TEST(GoTemplateTest, PipelinesAndLogic) {
  EXPECT_EQ(Render("{{ \"x\" | printf \"%s-%s\" \"a\" }}"), "a-x");
  EXPECT_EQ(Render("{{ printf \"%d\" (len .L) }}"), "2");
  EXPECT_EQ(Render("{{ and 1 0 }} {{ and 1 \"x\" }} {{ or \"\" \"b\" }} {{ or .Missing \"d\" }}"),
            "0 x b d");
  EXPECT_EQ(Render("{{ not .Missing }} {{ not 1 }}"), "true false");
  // and/or short-circuit: the nil-pointer field after a false operand is never evaluated.
  EXPECT_EQ(Render("{{ and .Missing .Missing.Foo }}"), "<no value>");
  EXPECT_EQ(Render("{{ .S | eq \"b\" }}"), "true");
}

TEST(GoTemplateTest, Comparisons) {
  EXPECT_EQ(Render("{{ eq .S \"a\" \"b\" }} {{ ne .S \"a\" }} {{ eq .Missing \"x\" }}"),
            "true true false");
  EXPECT_EQ(Render("{{ lt 1 2 }} {{ lt \"a\" \"b\" }} {{ ge 2 2 }} {{ gt 1.5 2.5 }} {{ le 3 3 }}"),
            "true true true false true");
  EXPECT_EQ(
      Render("{{ eq 1 1.0 }}"),
      "EXEC: template: line 1, column 4: error calling eq: incompatible types for comparison");
  EXPECT_EQ(
      Render("{{ eq .S 1 }}"),
      "EXEC: template: line 1, column 4: error calling eq: incompatible types for comparison");
  EXPECT_EQ(Render("{{ lt true false }}"),
            "EXEC: template: line 1, column 4: error calling lt: invalid type for comparison");
  EXPECT_EQ(Render("{{ eq .S }}"),
            "EXEC: template: line 1, column 4: error calling eq: missing argument for comparison");
  EXPECT_EQ(Render("{{ ne 1 }}"),
            "EXEC: template: line 1, column 4: wrong number of args for ne: want 2 got 1");
}

TEST(GoTemplateTest, LenIndexSlice) {
  EXPECT_EQ(Render("{{ len .L }} {{ len \"h\xc3\xa9llo\" }} {{ len .M }}"), "2 6 2");
  EXPECT_EQ(
      Render("{{ index .L 1 }} {{ index .M \"b\" }} {{ index .M \"zz\" }} {{ index \"abc\" 1 }}"),
      "b <x> <no value> 98");
  EXPECT_EQ(
      Render("{{ slice \"hello\" 1 3 }} {{ slice .L 1 }} {{ slice .L }} {{ len (slice .L 1) }}"),
      "el [b] [a b] 1");
  EXPECT_EQ(Render("{{ len 3 }}"),
            "EXEC: template: line 1, column 4: error calling len: len of type int");
  EXPECT_EQ(Render("{{ index .L 5 }}"),
            "EXEC: template: line 1, column 4: error calling index: index out of range: 5");
  EXPECT_EQ(Render("{{ slice .L 2 1 }}"),
            "EXEC: template: line 1, column 4: error calling slice: invalid slice index: 2 > 1");
  EXPECT_EQ(Render("{{ index .Missing 0 }}"),
            "EXEC: template: line 1, column 4: error calling index: index of untyped nil");
}

TEST(GoTemplateTest, PrintFunctions) {
  EXPECT_EQ(Render("{{ print \"a\" 1 2 \"b\" }}|{{ println \"a\" 1 }}|"), "a1 2b|a 1\n|");
  EXPECT_EQ(Render("{{ printf \"%s|%d|%v|%q|%5d|%-4s|%x|%t|%%|%05d|%.2f|%.1s\" \"s\" 42 1.5 "
                   "\"q\\\"\" 7 \"ab\" 255 true -42 3.14159 \"xyz\" }}"),
            "s|42|1.5|\"q\\\"\"|    7|ab  |ff|true|%|-0042|3.14|x");
  EXPECT_EQ(Render("{{ printf \"%d %s\" 1 }}"), "1 %!s(MISSING)");
  EXPECT_EQ(Render("{{ printf \"x\" 1 \"a\" }}"), "x%!(EXTRA int=1, string=a)");
  EXPECT_EQ(Render("{{ printf \"%d\" \"a\" }}"), "%!d(string=a)");
  EXPECT_EQ(Render("{{ printf \"%v %s\" .Missing .L }}"), "<nil> [a b]");
  EXPECT_EQ(Render("{{ json .M }} {{ json .S }} {{ json .L }}"),
            R"({"a":[1,2.5,true,null],"b":"\u003cx\u003e"} "b" ["a","b"])");
}

TEST(GoTemplateTest, OllamaDateFunctions) {
  ExecOptions o;
  // 2024-03-15 12:00:00 UTC: the same local date in every timezone from UTC-12 to UTC+11.
  o.now = std::chrono::system_clock::from_time_t(1710504000);
  EXPECT_EQ(Render("{{ currentDate }} {{ yesterdayDate }} {{ currentDate \"fmt\" }}", Data(), o),
            "2024-03-15 2024-03-14 2024-03-15");
}

struct ErrorCase {
  const char* text;
  const char* error;
};

TEST(GoTemplateTest, HostileTemplatesFailClearly) {
  const ErrorCase cases[] = {
      {"{{ foo }}", "PARSE: template: line 1, column 4: function \"foo\" not defined"},
      {"hi\n{{ .X ", "PARSE: template: line 2, column 1: unclosed action"},
      {"{{ if .X }}", "PARSE: template: line 1, column 12: unexpected EOF"},
      {"{{ end }}", "PARSE: template: line 1, column 4: unexpected {{end}}"},
      {"{{ else }}", "PARSE: template: line 1, column 4: unexpected {{else}}"},
      {"{{ break }}", "PARSE: template: line 1, column 4: {{break}} outside {{range}}"},
      {"{{/* x }}", "PARSE: template: line 1, column 1: unclosed comment"},
      {"{{ /* x */ }}",
       "PARSE: template: line 1, column 4: unrecognized character in action: U+002F '/'"},
      {"{{ 3x }}", "PARSE: template: line 1, column 4: bad number syntax: \"3x\""},
      {"{{ .S | \"s\" }}",
       "PARSE: template: line 1, column 9: non executable command in pipeline stage 2"},
      {"{{ template \"x\" }}",
       "PARSE: template: line 1, column 4: {{template}} is not supported in model templates"},
      {"{{ define \"x\" }}{{ end }}",
       "PARSE: template: line 1, column 4: {{define}} is not supported in model templates"},
      {"{{ \"unterminated }}", "PARSE: template: line 1, column 4: unterminated quoted string"},
      {"{{ if true }}{{ $x := 1 }}{{ end }}{{ $x }}",
       "PARSE: template: line 1, column 39: undefined variable \"$x\""},
      {"{{ $y = 1 }}", "PARSE: template: line 1, column 4: undefined variable \"$y\""},
      {"{{ ( .S }}", "PARSE: template: line 1, column 9: unclosed left paren"},
      {"{{ .S ) }}", "PARSE: template: line 1, column 7: unexpected right paren"},
      {"{{ range .S }}x{{ end }}", "EXEC: template: line 1, column 10: range can't iterate over b"},
      {"{{ .S.Foo }}", "EXEC: template: line 1, column 4: can't evaluate field Foo in type string"},
      {"{{ .Missing.Foo }}",
       "EXEC: template: line 1, column 4: nil pointer evaluating interface {}.Foo"},
      {"{{ .S | .L }}", "EXEC: template: line 1, column 9: L is not a method but has arguments"},
      {"{{ len }}", "EXEC: template: line 1, column 4: wrong number of args for len: want 1 got 0"},
      {"{{ nil }}", "EXEC: template: line 1, column 4: nil is not a command"},
      {"{{ \"a\" \"b\" }}",
       "EXEC: template: line 1, column 4: can't give argument to non-function \"a\""},
      {"{{ range $i, $e := 3 }}{{ end }}",
       "EXEC: template: line 1, column 4: can't use 3 to iterate over more than one variable"},
      {"{{ printf \"%999999999d\" 1 }}",
       "EXEC: template: line 1, column 4: error calling printf: width or precision too large"},
  };
  for (const ErrorCase& c : cases) EXPECT_EQ(Render(c.text), c.error) << c.text;
}

TEST(GoTemplateTest, LimitsStopRunawayTemplates) {
  ExecOptions o;
  o.limits.max_steps = 10000;
  auto t = GoTemplate::Parse("{{ range 1000000000 }}x{{ end }}");
  ASSERT_TRUE(t.ok());
  auto r = t->Execute(Data(), o);
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << r.status().message();
  ExecOptions small;
  small.limits.max_output_bytes = 1000;
  auto big = GoTemplate::Parse("{{ range 100 }}0123456789-{{ end }}");
  EXPECT_EQ(big->Execute(Data(), small).status().message(), "template: output exceeds 1000 bytes");
  auto printf_bomb = GoTemplate::Parse("{{ printf \"%900000d\" 1 }}");
  EXPECT_EQ(printf_bomb->Execute(Data(), small).status().code(), StatusCode::kResourceExhausted);

  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "{{ if true }}";
  EXPECT_EQ(GoTemplate::Parse(deep).status().message(),
            "template: line 1, column 1304: template nesting too deep");
  std::string parens = "{{ " + std::string(300, '(') + "1" + std::string(300, ')') + " }}";
  EXPECT_NE(GoTemplate::Parse(parens).status().message().find("template nesting too deep"),
            std::string::npos);
}

TEST(GoTemplateTest, HostileInputNeverCrashes) {
  const std::string base =
      "{{- range $i, $m := .Messages }}{{ if eq $m.Role \"user\" }}{{ printf \"%s\" $m.Content }}"
      "{{ else if and $m.ToolCalls (gt (len $m.ToolCalls) 0) }}{{ json $m.ToolCalls }}{{ end }}"
      "{{ $.System | print }}{{/* c */}}{{ end -}}";
  for (size_t n = 0; n <= base.size(); ++n) {
    auto t = GoTemplate::Parse(base.substr(0, n));
    if (t.ok()) (void)t->Execute(Data());
  }
  uint32_t x = 7;
  const std::string alphabet = "{}()$.|-\"` :=,abc1 \n/*";
  for (int round = 0; round < 2000; ++round) {
    std::string s;
    for (int i = 0; i < 40; ++i) {
      x = x * 1103515245u + 12345u;
      s += alphabet[(x >> 16) % alphabet.size()];
    }
    auto t = GoTemplate::Parse(s);
    if (t.ok()) (void)t->Execute(Data());
  }
}

TEST(GoTemplateTest, OllamaTreeHelpers) {
  auto t = GoTemplate::Parse(
      "{{ .System }}{{ range $i, $m := .Messages }}{{ $m.Role }}{{ end }}"
      "{{ (index .Messages 0).Content }}");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->Vars(), (std::vector<std::string>{"$m", "messages", "role", "system"}));

  auto cut = GoTemplate::Parse("A{{ .Prompt }}B{{ .Response }}C{{ if .X }}D{{ end }}");
  TemplateValue v = TemplateValue::Map({{"Prompt", TemplateValue::String("p")},
                                        {"Response", TemplateValue::String("r")},
                                        {"X", TemplateValue::Bool(true)}});
  EXPECT_EQ(*cut->Execute(v), "ApBrCD");
  EXPECT_EQ(*cut->CutAfterResponse().Execute(v), "ApBr");
  auto nested = GoTemplate::Parse("{{ if .Prompt }}[{{ .Prompt }}]{{ .Response }}E{{ end }}F");
  EXPECT_EQ(*nested->CutAfterResponse().Execute(v), "[p]r");
  auto appended = GoTemplate::Parse("{{ .Prompt }}")->WithResponseAppended();
  EXPECT_EQ(*appended.Execute(v), "pr");

  auto think = GoTemplate::Parse(
      "{{ range .Messages }}{{ if .Thinking }}<think>{{ .Thinking }}</think>{{ end }}"
      "{{ .Content }}{{ end }}");
  EXPECT_EQ(think->InferThinkingTags(),
            (std::pair<std::string, std::string>{"<think>", "</think>"}));
  EXPECT_EQ(GoTemplate::Parse("{{ .Thinking }}")->InferThinkingTags(),
            (std::pair<std::string, std::string>{"", ""}));
}

}  // namespace
}  // namespace hearth::gotmpl
