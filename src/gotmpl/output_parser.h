#pragma once
// The output of a model prompted with an Ollama Go TEMPLATE, read as Ollama does: thinking first
// (ThinkingParser, tags from GoTemplate::InferThinkingTags), then tool calls in what remains
// (ToolCallParser, tag from ToolCallTag). Streaming-safe; one per generation; thread-compatible.
// (Jinja-template models use engine::ChatOutputParser instead.)

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/message.h"
#include "gotmpl/tool_parser.h"

namespace hearth::gotmpl {

// The chat model's types, as these templates and parsers read and produce them.
using chat::Message;
using chat::Tool;
using chat::ToolCall;

struct ParsedOutput {
  std::string content;
  std::string thinking;
  std::vector<ToolCall> tool_calls;
};

class OllamaOutputParser {
 public:
  // Empty `thinking_open` or `thinking_close`: no thinking extraction (think off or a template
  // without tags). Empty `tools`: no tool-call parsing. `tool_tag` as ToolCallTag returns.
  OllamaOutputParser(std::string thinking_open, std::string thinking_close,
                     const std::vector<Tool>& tools, std::string tool_tag);

  // Appends generated text; returns what is decided now.
  ParsedOutput Add(std::string_view text);
  // End of generation: everything still held back.
  ParsedOutput Finish();

 private:
  void Content(std::string_view text, bool final, ParsedOutput* out);

  ThinkingParser thinking_;
  std::optional<ToolCallParser> tools_;
};

}  // namespace hearth::gotmpl
