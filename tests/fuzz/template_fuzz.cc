// libFuzzer target: any bytes as a Go template (Ollama's TEMPLATE layer), parsed and executed
// against a chat with tools under small limits. Errors are fine; crashes, hangs and unbounded
// allocation are not.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gotmpl/ollama_template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hearth::gotmpl;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto t = OllamaTemplate::Parse(text);
  if (!t.ok()) return 0;
  TemplateInput in;
  in.messages = {Message{"system", "sys"}, Message{"user", "<hi> & \"you\""}};
  Message call{"assistant", ""};
  call.tool_calls.push_back(ToolCall{"1", "f", R"({"a":[1,{"b":null}],"c":"x"})"});
  in.messages.push_back(call);
  in.messages.push_back(Message{"tool", "42"});
  in.tools.push_back(Tool{"f", "d", R"({"type":"object","properties":{"a":{"type":"array"}}})"});
  ExecOptions o;
  o.limits.max_output_bytes = 1 << 16;
  o.limits.max_steps = 100000;
  (void)t->Execute(in, o);
  in.prompt = "p";
  in.suffix = "s";
  (void)t->Execute(in, o);
  (void)t->Capabilities();
  return 0;
}
