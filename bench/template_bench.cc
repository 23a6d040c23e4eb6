// template_bench: cost of hearth's Go-template interpreter and Modelfile parser on realistic input.
//   parse:   parsing a ChatML-with-tools template (Qwen 2.5 structure)
//   renderN: rendering a chat of N messages with one tool (the $last idiom slices .Messages per
//            message, so the template itself is O(N^2) in Go as here)
//   modelfile: parsing a Modelfile with a 1 MiB LICENSE
// Usage: template_bench [-r REPS]. Prints one JSON object per measurement.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "gotmpl/ollama_template.h"
#include "store/modelfile.h"

using namespace hearth;

namespace {

const char kTemplate[] = R"T({{- if or .System .Tools }}<|im_start|>system
{{ .System }}
{{- if .Tools }}
<tools>
{{- range .Tools }}
{{ json .Function }}
{{- end }}
</tools>
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
{{- end }})T";

template <typename F>
double MicrosPerCall(int reps, F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i) f();
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::micro>(t1 - t0).count() / reps;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 200;
  if (argc == 3 && std::string(argv[1]) == "-r") reps = std::atoi(argv[2]);
  if (reps <= 0) return 2;

  const double parse_us = MicrosPerCall(reps, [] {
    if (!gotmpl::OllamaTemplate::Parse(kTemplate).ok()) std::abort();
  });
  std::printf("{\"test\":\"parse\",\"us\":%.1f}\n", parse_us);

  auto t = gotmpl::OllamaTemplate::Parse(kTemplate);
  for (int n : {10, 100, 1000}) {
    gotmpl::TemplateInput in;
    in.tools.push_back(chat::Tool{
        "get_weather", "Get the weather",
        R"({"type":"object","required":["city"],"properties":{"city":{"type":"string"}}})"});
    in.messages.push_back(chat::Message{"system", "You are helpful."});
    for (int i = 0; i < n; ++i) {
      in.messages.push_back(
          chat::Message{i % 2 ? "assistant" : "user", "message number " + std::to_string(i)});
    }
    size_t bytes = 0;
    const double us = MicrosPerCall(n >= 1000 ? std::max(1, reps / 20) : reps, [&] {
      auto out = t->Execute(in);
      if (!out.ok()) std::abort();
      bytes = out->size();
    });
    std::printf("{\"test\":\"render%d\",\"us\":%.1f,\"bytes\":%zu}\n", n, us, bytes);
  }

  std::string modelfile = "FROM llama3.2\nPARAMETER temperature 0.7\nLICENSE \"\"\"";
  while (modelfile.size() < (1u << 20))
    modelfile += "Permission is hereby granted, free of charge.\n";
  modelfile += "\"\"\"\n";
  const double mf_us = MicrosPerCall(std::max(1, reps / 20), [&] {
    if (!store::ParseModelfile(modelfile).ok()) std::abort();
  });
  std::printf("{\"test\":\"modelfile1MiB\",\"us\":%.1f}\n", mf_us);
  return 0;
}
