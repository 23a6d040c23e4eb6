#pragma once
// Reads a chat model's generated text back into content, thinking and tool calls, with the
// per-model syntax llama.cpp's common chat API derived from the template (ChatTemplate::Render
// returns it). Streaming-safe: text that may still become part of a tool call or a thinking tag
// is held back until it is decided. One parser per generation; thread-compatible.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chat/message.h"

namespace hearth::engine {

// Opaque: the parser definition llama.cpp built for one render. Immutable, shareable.
struct OutputSyntax;
using OutputSyntaxPtr = std::shared_ptr<const OutputSyntax>;

// What became visible since the previous call.
struct OutputDelta {
  std::string content;
  std::string thinking;
  std::vector<chat::ToolCall> tool_calls;  // complete calls only, arguments a JSON object text
};

class ChatOutputParser {
 public:
  // A null syntax (raw prompting, no template) passes all text through as content.
  explicit ChatOutputParser(OutputSyntaxPtr syntax);
  ~ChatOutputParser();

  // Appends generated text (any split, even mid UTF-8 character) and returns what is now
  // decided. Thinking is reported without surrounding whitespace, and the whitespace between
  // the thinking and the answer is not content, as Ollama reports them.
  OutputDelta Push(std::string_view text);
  // End of generation: returns everything still held back. Text that does not match the
  // model's format is returned as content, never dropped. Empty tool-call arguments become
  // "{}"; a call whose arguments are not a JSON object is not returned as a call: its name and
  // arguments text go to content instead.
  OutputDelta Finish();

  // Everything decided so far.
  const std::string& content() const { return content_; }
  const std::string& thinking() const { return thinking_; }
  const std::vector<chat::ToolCall>& tool_calls() const { return calls_; }

 private:
  OutputDelta Parse(bool final);

  OutputSyntaxPtr syntax_;
  std::string text_;  // all generated text
  std::string content_, thinking_;
  std::vector<chat::ToolCall> calls_;
  size_t calls_seen_ = 0;
  bool content_started_ = false;  // content other than whitespace was seen
  size_t content_skip_ = 0;  // leading whitespace of the content dropped after thinking  // calls
                             // of the parsed message already handled (valid or not)
  bool finished_ = false;
};

}  // namespace hearth::engine
