#pragma once
// Tool calls and thinking in the output of models prompted with an Ollama Go TEMPLATE (not
// Jinja), as Ollama's `tools` and `thinking` packages read them. Pure text processing, no
// libllama. Streaming-safe: text that may still become a tool-call tag or a thinking tag is held
// back until it is decided. One parser per generation; thread-compatible.

#include <string>
#include <string_view>
#include <vector>

#include "chat/message.h"

namespace hearth::gotmpl {

// The chat model's types, as these templates and parsers read and produce them.
using chat::Message;
using chat::Tool;
using chat::ToolCall;

class GoTemplate;

// The tool-call tag of a Go template, as Ollama infers it: the first non-blank text inside the
// first {{ if ... .ToolCalls ... }} block (searched depth-first), cut at its first '{' and
// trimmed, e.g. "<tool_call>" or "[TOOL_CALLS]". "{" when there is none (then any JSON object
// at the start of the output may be a call).
std::string ToolCallTag(const GoTemplate& tmpl);

// Finds tool calls after `tag`: each is the earliest (longest) tool name in the text followed,
// when the tool has parameters, by the first balanced JSON object whose keys are all parameters
// of that tool and that has all its required ones (searched recursively, so {"name": ...,
// "arguments": {...}}, {"name": ..., "parameters": {...}} and arrays of calls all work).
class ToolCallParser {
 public:
  // `tools` are the request's tools (parameters_json a JSON Schema object; unparsable schemas
  // count as no parameters).
  ToolCallParser(const std::vector<Tool>& tools, std::string tag);

  struct Output {
    std::vector<ToolCall> calls;  // arguments_json a JSON object, compact
    std::string content;          // text that is not part of a tool call
  };
  // Appends generated text; returns what is decided.
  Output Add(std::string_view text);
  // End of generation: the text still held back that turned out not to be a call (empty once a
  // call was found, as Ollama).
  std::string Finish();

 private:
  struct ToolSpec {
    std::string name;
    std::vector<std::string> properties;
    std::vector<std::string> required;
  };
  enum class State { kLookingForTag, kCalling, kDone };
  bool ParseOne(ToolCall* call);
  bool Done() const;

  std::vector<ToolSpec> tools_;
  std::string tag_;
  State state_ = State::kLookingForTag;
  std::string buffer_;
  int calls_ = 0;
};

// Ollama's thinking parser: the output (optionally after leading whitespace) opens with
// `open` ("<think>"); the text up to `close` ("</think>") is thinking, the rest content.
// Output that does not start with the open tag is all content.
class ThinkingParser {
 public:
  ThinkingParser(std::string open, std::string close);
  struct Output {
    std::string thinking;
    std::string content;
  };
  Output Add(std::string_view text);
  // End of generation: what was held back (an unfinished tag is returned as it was).
  Output Finish();

 private:
  enum class State { kLookingForOpen, kThinking, kThinkingDoneEatingSpace, kContent };
  std::string open_, close_;
  State state_ = State::kLookingForOpen;
  bool thinking_started_ = false;
  std::string buffer_;
};

}  // namespace hearth::gotmpl
