// Golden renders of Ollama-style model templates. The templates are hearth's own, written in
// Ollama's template syntax with the structure of popular library models' templates (ChatML with
// tools, Llama 3 legacy and 3.1 with tools, Mistral with tools, Gemma, Phi-3, Llama 2 chat,
// CodeLlama FIM, StarCoder2 FIM, Command-R tools, Zephyr). Each expected string was derived by
// hand from Go's text/template rules and Ollama's data model (template/template.go).
#include "gotmpl/ollama_template.h"

#include <gtest/gtest.h>

namespace hearth::gotmpl {
namespace {

using namespace chat;  // the chat model these templates render

Tool Weather() {
  return Tool{
      "get_weather", "Get the weather",
      R"({"type":"object","required":["city"],"properties":{"unit":{"enum":["c","f"],"type":"string","default":"c"},"city":{"description":"City name","type":"string"}}})"};
}

// {"type":"function","function":{...}}: templateTool's JSON (unknown schema keys such as
// "default" are dropped, properties sorted, ToolProperty fields in Ollama's order).
const char kWeatherJson[] =
    R"({"type":"function","function":{"name":"get_weather","description":"Get the weather",)"
    R"("parameters":{"type":"object","required":["city"],"properties":{"city":{"type":"string",)"
    R"("description":"City name"},"unit":{"type":"string","enum":["c","f"]}}}}})";

Message Msg(std::string role, std::string content) { return Message{role, content}; }

std::vector<Message> PlainChat() {
  return {Msg("system", "Be brief."), Msg("user", "Hi"), Msg("assistant", "Hello!"),
          Msg("user", "Bye?")};
}

std::vector<Message> ToolChat() {
  Message call = Msg("assistant", "");
  call.tool_calls.push_back(ToolCall{"call_1", "get_weather", R"({"city":"Paris"})"});
  Message result = Msg("tool", "18C");
  result.tool_name = "get_weather";
  return {Msg("system", "You are helpful."), Msg("user", "Weather in Paris?"), call, result};
}

TemplateInput Chat(std::vector<Message> messages, std::vector<Tool> tools = {}) {
  TemplateInput in;
  in.messages = std::move(messages);
  in.tools = std::move(tools);
  return in;
}

TemplateInput Generate(const std::string& system = "") {
  return GenerateInput("Why is the sky blue?", "", system, "Be brief.", {});
}

TemplateInput Fim() { return GenerateInput("def add(a, b):\n", "\n    return c", "", "", {}); }

std::string Render(const char* tmpl, const TemplateInput& in) {
  auto t = OllamaTemplate::Parse(tmpl);
  if (!t.ok()) return "PARSE: " + t.status().message();
  auto out = t->Execute(in);
  if (!out.ok()) return "EXEC: " + out.status().message();
  return *out;
}

// 1. ChatML with tools (Qwen 2.5 structure).
const char kChatMl[] = R"T({{- if .Messages }}
{{- if or .System .Tools }}<|im_start|>system
{{ if .System }}{{ .System }}{{ end }}
{{- if .Tools }}

You can call these functions. Their signatures are inside <tools></tools>:
<tools>
{{- range .Tools }}
{{ json .Function }}
{{- end }}
</tools>
Answer a call as <tool_call>{"name": ..., "arguments": ...}</tool_call>.
{{- end }}<|im_end|>
{{ end }}
{{- range $i, $m := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 }}
{{- if eq $m.Role "user" }}<|im_start|>user
{{ $m.Content }}<|im_end|>
{{ else if eq $m.Role "assistant" }}<|im_start|>assistant
{{ if $m.Content }}{{ $m.Content }}{{ else if $m.ToolCalls }}
{{- range $m.ToolCalls }}<tool_call>
{"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}
</tool_call>{{ end }}
{{- end }}{{ if not $last }}<|im_end|>
{{ end }}
{{- else if eq $m.Role "tool" }}<|im_start|>user
<tool_response>
{{ $m.Content }}
</tool_response><|im_end|>
{{ end }}
{{- if and (ne $m.Role "assistant") $last }}<|im_start|>assistant
{{ end }}
{{- end }}
{{- else }}
{{- if .System }}<|im_start|>system
{{ .System }}<|im_end|>
{{ end }}{{ if .Prompt }}<|im_start|>user
{{ .Prompt }}<|im_end|>
{{ end }}<|im_start|>assistant
{{ end }}{{ .Response }}{{ if .Response }}<|im_end|>{{ end }})T";

TEST(OllamaTemplateGoldenTest, ChatMlWithTools) {
  EXPECT_EQ(Render(kChatMl, Chat(PlainChat())),
            "<|im_start|>system\nBe brief.<|im_end|>\n"
            "<|im_start|>user\nHi<|im_end|>\n"
            "<|im_start|>assistant\nHello!<|im_end|>\n"
            "<|im_start|>user\nBye?<|im_end|>\n"
            "<|im_start|>assistant\n");
  EXPECT_EQ(Render(kChatMl, Generate()),
            "<|im_start|>system\nBe brief.<|im_end|>\n"
            "<|im_start|>user\nWhy is the sky blue?<|im_end|>\n"
            "<|im_start|>assistant\n");
  EXPECT_EQ(
      Render(kChatMl, Chat(ToolChat(), {Weather()})),
      "<|im_start|>system\nYou are helpful.\n\n"
      "You can call these functions. Their signatures are inside <tools></tools>:\n<tools>\n"
      R"({"name":"get_weather","description":"Get the weather","parameters":{"type":"object",)"
      R"("required":["city"],"properties":{"city":{"type":"string","description":"City name"},)"
      R"("unit":{"type":"string","enum":["c","f"]}}}})"
      "\n</tools>\nAnswer a call as <tool_call>{\"name\": ..., \"arguments\": ...}</tool_call>."
      "<|im_end|>\n"
      "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
      "<|im_start|>assistant\n<tool_call>\n"
      "{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Paris\"}}\n</tool_call><|im_end|>\n"
      "<|im_start|>user\n<tool_response>\n18C\n</tool_response><|im_end|>\n"
      "<|im_start|>assistant\n");
  // A trailing assistant message is a prefill: no end token, the model continues it.
  EXPECT_EQ(Render(kChatMl, Chat({Msg("user", "Hi"), Msg("assistant", "Sure")})),
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nSure");
}

// 2. Llama 3 in the legacy form (.System/.Prompt/.Response, no .Messages).
const char kLlama3[] = R"T({{ if .System }}<|start_header_id|>system<|end_header_id|>

{{ .System }}<|eot_id|>{{ end }}{{ if .Prompt }}<|start_header_id|>user<|end_header_id|>

{{ .Prompt }}<|eot_id|>{{ end }}<|start_header_id|>assistant<|end_header_id|>

{{ .Response }}<|eot_id|>)T";

TEST(OllamaTemplateGoldenTest, Llama3LegacyTurns) {
  // One execution per completed turn, then the last turn cut after .Response.
  EXPECT_EQ(Render(kLlama3, Chat(PlainChat())),
            "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nBye?<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(Render(kLlama3, Generate()),
            "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nWhy is the sky blue?<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  // The request's system prompt replaces the model's.
  EXPECT_EQ(Render(kLlama3, Generate("Talk like a pirate.")),
            "<|start_header_id|>system<|end_header_id|>\n\nTalk like a pirate.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nWhy is the sky blue?<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

// 3. Llama 3.1 with tools: tools described in the last user turn, tool results as ipython.
const char kLlama31[] = R"T({{- if or .System .Tools }}<|start_header_id|>system<|end_header_id|>

{{ if .System }}{{ .System }}{{ end }}
{{- if .Tools }}

Reply with a JSON function call {"name": function name, "parameters": {argument: value}} when a tool helps.
{{- end }}<|eot_id|>
{{- end }}
{{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 }}
{{- if eq .Role "user" }}<|start_header_id|>user<|end_header_id|>

{{- if and $.Tools $last }}

Functions you can call:
{{ range $.Tools }}
{{- json . }}
{{ end }}
{{- end }}

{{ .Content }}<|eot_id|>{{ if $last }}<|start_header_id|>assistant<|end_header_id|>

{{ end }}
{{- else if eq .Role "assistant" }}<|start_header_id|>assistant<|end_header_id|>

{{- if .ToolCalls }}
{{ range .ToolCalls }}{"name": "{{ .Function.Name }}", "parameters": {{ .Function.Arguments }}}{{ end }}
{{- else }}

{{ .Content }}
{{- end }}{{ if not $last }}<|eot_id|>{{ end }}
{{- else if eq .Role "tool" }}<|start_header_id|>ipython<|end_header_id|>

{{ .Content }}<|eot_id|>{{ if $last }}<|start_header_id|>assistant<|end_header_id|>

{{ end }}
{{- end }}
{{- end }})T";

TEST(OllamaTemplateGoldenTest, Llama31WithTools) {
  const std::string system_with_tools = "<|start_header_id|>system<|end_header_id|>\n\n";
  const std::string tool_hint =
      "\n\nReply with a JSON function call {\"name\": function name, \"parameters\": {argument: "
      "value}} when a tool helps.<|eot_id|>";
  EXPECT_EQ(Render(kLlama31, Chat(ToolChat(), {Weather()})),
            system_with_tools + "You are helpful." + tool_hint +
                "<|start_header_id|>user<|end_header_id|>\n\nWeather in Paris?<|eot_id|>"
                "<|start_header_id|>assistant<|end_header_id|>\n"
                "{\"name\": \"get_weather\", \"parameters\": {\"city\":\"Paris\"}}<|eot_id|>"
                "<|start_header_id|>ipython<|end_header_id|>\n\n18C<|eot_id|>"
                "<|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(
      Render(kLlama31, Chat({Msg("user", "Weather in Paris?")}, {Weather()})),
      system_with_tools + tool_hint +
          "<|start_header_id|>user<|end_header_id|>\n\nFunctions you can call:\n" + kWeatherJson +
          "\n\n\nWeather in Paris?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(Render(kLlama31, Chat(PlainChat())),
            "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nBye?<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

// 4. Mistral instruct with tools: [AVAILABLE_TOOLS] before the last user turn, {{ $.Tools }}
// printed through its String() (JSON).
const char kMistral[] = R"T({{- range $i, $_ := .Messages }}
{{- if eq .Role "user" }}
{{- if and $.Tools (le (len (slice $.Messages $i)) 2) }}[AVAILABLE_TOOLS] {{ $.Tools }}[/AVAILABLE_TOOLS]
{{- end }}[INST] {{ if and $.System (eq (len (slice $.Messages $i)) 1) }}{{ $.System }}

{{ end }}{{ .Content }}[/INST]
{{- else if eq .Role "assistant" }}
{{- if .Content }} {{ .Content }}
{{- if not (eq (len (slice $.Messages $i)) 1) }}</s>
{{- end }}
{{- else if .ToolCalls }}[TOOL_CALLS] [
{{- range .ToolCalls }}{"name": "{{ .Function.Name }}", "arguments": {{ json .Function.Arguments }}}
{{- end }}]</s>
{{- end }}
{{- else if eq .Role "tool" }}[TOOL_RESULTS] {"content": {{ .Content }}} [/TOOL_RESULTS]
{{- end }}
{{- end }})T";

TEST(OllamaTemplateGoldenTest, MistralWithTools) {
  EXPECT_EQ(Render(kMistral, Chat(PlainChat())),
            "[INST] Hi[/INST] Hello!</s>[INST] Be brief.\n\nBye?[/INST]");
  EXPECT_EQ(
      Render(kMistral, Chat({Msg("system", "You are helpful."), Msg("user", "Weather in Paris?")},
                            {Weather()})),
      std::string("[AVAILABLE_TOOLS] [") + kWeatherJson +
          "][/AVAILABLE_TOOLS][INST] You are helpful.\n\nWeather in Paris?[/INST]");
  EXPECT_EQ(Render(kMistral, Chat(ToolChat(), {Weather()})),
            "[INST] Weather in Paris?[/INST]"
            "[TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Paris\"}}]</s>"
            "[TOOL_RESULTS] {\"content\": 18C} [/TOOL_RESULTS]");
}

// 5. Gemma: system folded into user turns, "model" role, consecutive turns merged by Ollama.
const char kGemma[] = R"T({{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 }}
{{- if or (eq .Role "user") (eq .Role "system") }}<start_of_turn>user
{{ .Content }}<end_of_turn>
{{ if $last }}<start_of_turn>model
{{ end }}
{{- else if eq .Role "assistant" }}<start_of_turn>model
{{ .Content }}{{ if not $last }}<end_of_turn>
{{ end }}
{{- end }}
{{- end }})T";

TEST(OllamaTemplateGoldenTest, Gemma) {
  EXPECT_EQ(Render(kGemma, Chat(PlainChat())),
            "<start_of_turn>user\nBe brief.<end_of_turn>\n"
            "<start_of_turn>user\nHi<end_of_turn>\n"
            "<start_of_turn>model\nHello!<end_of_turn>\n"
            "<start_of_turn>user\nBye?<end_of_turn>\n<start_of_turn>model\n");
  EXPECT_EQ(Render(kGemma, Chat({Msg("user", "Hi"), Msg("user", "Are you there?")})),
            "<start_of_turn>user\nHi\n\nAre you there?<end_of_turn>\n<start_of_turn>model\n");
}

// 6. Phi-3.
const char kPhi3[] = R"T({{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 -}}
<|{{ .Role }}|>
{{ .Content }}<|end|>
{{ if and (ne .Role "assistant") $last }}<|assistant|>
{{ end }}
{{- end }})T";

TEST(OllamaTemplateGoldenTest, Phi3) {
  EXPECT_EQ(Render(kPhi3, Chat(PlainChat())),
            "<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello!<|end|>\n"
            "<|user|>\nBye?<|end|>\n<|assistant|>\n");
  EXPECT_EQ(Render(kPhi3, Generate()),
            "<|system|>\nBe brief.<|end|>\n<|user|>\nWhy is the sky blue?<|end|>\n<|assistant|>\n");
}

// 7. Llama 2 chat, legacy form with text after .Response.
const char kLlama2[] = R"T([INST] {{ if .System }}<<SYS>>
{{ .System }}
<</SYS>>

{{ end }}{{ .Prompt }} [/INST] {{ .Response }}</s>)T";

TEST(OllamaTemplateGoldenTest, Llama2ChatLegacy) {
  EXPECT_EQ(Render(kLlama2, Chat(PlainChat())),
            "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello!</s>[INST] Bye? [/INST] ");
  // An assistant message at the end is continued, not closed.
  EXPECT_EQ(Render(kLlama2, Chat({Msg("user", "Hi"), Msg("assistant", "Sure,")})),
            "[INST] Hi [/INST] Sure,");
  EXPECT_EQ(Render(kLlama2, Generate()),
            "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nWhy is the sky blue? [/INST] ");
}

// 8. CodeLlama: fill-in-the-middle with .Suffix, instruct otherwise; no .Response, so Ollama
// appends one.
const char kCodeLlama[] = R"T({{- if .Suffix }}<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>
{{- else }}[INST] {{ if .System }}{{ .System }}

{{ end }}{{ .Prompt }} [/INST]
{{- end }})T";

TEST(OllamaTemplateGoldenTest, CodeLlamaFim) {
  EXPECT_EQ(Render(kCodeLlama, Fim()), "<PRE> def add(a, b):\n <SUF>\n    return c <MID>");
  EXPECT_EQ(Render(kCodeLlama, Generate()), "[INST] Be brief.\n\nWhy is the sky blue? [/INST]");
  EXPECT_EQ(Render(kCodeLlama, GenerateInput("Sort a list", "", "", "", {})),
            "[INST] Sort a list [/INST]");
}

// 9. StarCoder2: FIM tokens, instruct turns with .Response inside the else branch.
const char kStarCoder2[] =
    R"T({{- if .Suffix }}<fim_prefix>{{ .Prompt }}<fim_suffix>{{ .Suffix }}<fim_middle>
{{- else }}{{ if .System }}{{ .System }}

{{ end }}{{ if .Prompt }}### Instruction
{{ .Prompt }}

{{ end }}### Response
{{ .Response }}<|endoftext|>
{{- end }})T";

TEST(OllamaTemplateGoldenTest, StarCoder2Fim) {
  EXPECT_EQ(Render(kStarCoder2, Fim()),
            "<fim_prefix>def add(a, b):\n<fim_suffix>\n    return c<fim_middle>");
  EXPECT_EQ(Render(kStarCoder2, GenerateInput("Say hi", "", "", "", {})),
            "### Instruction\nSay hi\n\n### Response\n");
  EXPECT_EQ(Render(kStarCoder2, Chat({Msg("user", "Write hello"), Msg("assistant", "print('hi')"),
                                      Msg("user", "In C?")})),
            "### Instruction\nWrite hello\n\n### Response\nprint('hi')<|endoftext|>"
            "### Instruction\nIn C?\n\n### Response\n");
}

// 10. Command-R style: tools listed by ranging over parameter properties.
const char kCommandR[] =
    R"T({{- if or .System .Tools }}<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>{{ .System }}
{{- if .Tools }}

## Available Tools
{{- range .Tools }}

### {{ .Function.Name }}
{{ .Function.Description }}
{{- range $name, $p := .Function.Parameters.Properties }}
- {{ $name }} ({{ toTypeScriptType $p }}{{ if $p.Enum }}, one of {{ $p.Enum }}{{ end }}): {{ or $p.Description "no description" }}
{{- end }}
{{- end }}
{{- end }}<|END_OF_TURN_TOKEN|>
{{- end }}
{{- range .Messages }}
{{- if eq .Role "system" }}
{{- else if eq .Role "user" }}<|START_OF_TURN_TOKEN|><|USER_TOKEN|>{{ .Content }}<|END_OF_TURN_TOKEN|>
{{- else if eq .Role "assistant" }}<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>
{{- if .ToolCalls }}Action: {{ json .ToolCalls }}{{ else }}{{ .Content }}{{ end }}<|END_OF_TURN_TOKEN|>
{{- else if eq .Role "tool" }}<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|><results>{{ .Content }}</results><|END_OF_TURN_TOKEN|>
{{- end }}
{{- end }}<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>)T";

TEST(OllamaTemplateGoldenTest, CommandRTools) {
  EXPECT_EQ(
      Render(kCommandR, Chat(ToolChat(), {Weather()})),
      "<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>You are helpful.\n\n## Available Tools"
      "\n\n### get_weather\nGet the weather"
      "\n- city (string): City name"
      "\n- unit (string, one of [c f]): no description<|END_OF_TURN_TOKEN|>"
      "<|START_OF_TURN_TOKEN|><|USER_TOKEN|>Weather in Paris?<|END_OF_TURN_TOKEN|>"
      "<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>Action: "
      R"([{"ID":"call_1","Function":{"Index":0,"Name":"get_weather","Arguments":{"city":"Paris"}}}])"
      "<|END_OF_TURN_TOKEN|>"
      "<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|><results>18C</results><|END_OF_TURN_TOKEN|>"
      "<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>");
}

// 11. Zephyr.
const char kZephyr[] = R"T({{- range .Messages }}<|{{ .Role }}|>
{{ .Content }}</s>
{{ end }}<|assistant|>
)T";

TEST(OllamaTemplateGoldenTest, Zephyr) {
  EXPECT_EQ(Render(kZephyr, Chat(PlainChat())),
            "<|system|>\nBe brief.</s>\n<|user|>\nHi</s>\n<|assistant|>\nHello!</s>\n"
            "<|user|>\nBye?</s>\n<|assistant|>\n");
}

TEST(OllamaTemplateTest, ToolValuesPrintAsGoDoes) {
  const TemplateInput in = Chat(ToolChat(), {Weather()});
  // templateTools prints as JSON; templateToolFunction has no String() and prints as a struct.
  EXPECT_EQ(Render("{{ .Tools }}{{ range .Messages }}{{ end }}", in),
            std::string("[") + kWeatherJson + "]");
  EXPECT_EQ(Render("{{ range .Tools }}{{ .Function }}{{ end }}{{ range .Messages }}{{ end }}", in),
            R"({get_weather Get the weather {object <nil> <nil> [city] {"city":{"type":"string",)"
            R"("description":"City name"},"unit":{"type":"string","enum":["c","f"]}}}})");
  EXPECT_EQ(
      Render("{{ range .Messages }}{{ range .ToolCalls }}{{ range $k, $v := .Function.Arguments }}"
             "{{ $k }}={{ $v }};{{ end }}{{ .Function.Arguments }}{{ end }}{{ end }}",
             in),
      "city=Paris;{\"city\":\"Paris\"}");
  EXPECT_EQ(Render("{{ range .Tools }}{{ range $n, $p := .Function.Parameters.Properties }}"
                   "{{ $n }}:{{ $p.Type }};{{ end }}{{ end }}{{ .Messages | len }}",
                   in),
            "city:[string];unit:[string];4");
  EXPECT_EQ(Render("{{ range .Messages }}{{ .ToolName }}{{ end }}", in), "get_weather");
}

TEST(OllamaTemplateTest, DataShapesFollowOllama) {
  // The FIM data has no System or Messages: missing keys print "<no value>".
  EXPECT_EQ(Render("{{ .System }}|{{ .Prompt }}|{{ .Suffix }}", Fim()),
            "<no value>|def add(a, b):\n|\n    return c");
  // Every system message joins .System; collated messages keep their roles.
  EXPECT_EQ(
      Render("{{ .System }}|{{ range .Messages }}{{ .Role }},{{ end }}",
             Chat({Msg("system", "A"), Msg("system", "B"), Msg("user", "u"), Msg("system", "C")})),
      "A\n\nB\n\nC|system,user,system,");
  // Legacy: a system message after a turn starts a new execution.
  EXPECT_EQ(Render("<{{ .System }}|{{ .Prompt }}|{{ .Response }}>",
                   Chat({Msg("user", "u1"), Msg("assistant", "a1"), Msg("system", "s2"),
                         Msg("user", "u2")})),
            "<|u1|a1><s2|u2|");
  // Chat: the model's SYSTEM goes first unless the request brings its own.
  auto m = ChatMessages("model sys", {Msg("user", "m1")}, {Msg("user", "r1")});
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].content, "model sys");
  EXPECT_EQ(ChatMessages("model sys", {}, {Msg("system", "mine")}).size(), 1u);
}

TEST(OllamaTemplateTest, Capabilities) {
  auto caps = [](const char* t) { return OllamaTemplate::Parse(t)->Capabilities(); };
  EXPECT_EQ(caps(kChatMl), (std::vector<std::string>{"tools"}));
  EXPECT_EQ(caps(kCodeLlama), (std::vector<std::string>{"insert"}));
  EXPECT_EQ(caps(kZephyr), (std::vector<std::string>{}));
  EXPECT_EQ(caps("{{ range .Messages }}{{ if .Thinking }}<think>{{ .Thinking }}</think>{{ end }}"
                 "{{ .Content }}{{ end }}{{ .Tools }}"),
            (std::vector<std::string>{"tools", "thinking"}));
}

TEST(OllamaTemplateTest, ExecutionErrorsAreReported) {
  EXPECT_EQ(Render("{{ range .Messages }}{{ .Nope }}{{ end }}", Chat(PlainChat())),
            "EXEC: template: line 1, column 25: can't evaluate field Nope in type "
            "*template.templateMessage");
  EXPECT_EQ(Render("{{ range .Prompt }}{{ end }}", Generate()),
            "EXEC: template: line 1, column 10: range can't iterate over Why is the sky blue?");
}

}  // namespace
}  // namespace hearth::gotmpl
