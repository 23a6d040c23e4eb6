#pragma once
// How a model's output is read back into chunk fields, and how a Go-template model is forced to
// call a tool:
//   - Jinja (GGUF) templates: engine::ChatOutputParser with the syntax the render produced
//     (content / thinking / tool calls in the model's own format).
//   - Go (manifest TEMPLATE) templates: gotmpl::OllamaOutputParser, as Ollama reads them: thinking
//     between the template's thinking tags (when thinking is on, or unset and the template has
//     tags), then tool calls after the template's tool-call tag (when the request has tools).
//   - Raw prompts, fill-in-the-middle, templates without tools or thinking: text as content.
// Tool calls without an id get "call_<random>".
// Thread-safe (pure functions); an OutputParser is used by one thread.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "chat/message.h"
#include "gotmpl/ollama_template.h"
#include "chat/request.h"
#include "engine/chat_output.h"
#include "engine/constraint.h"

namespace hearth::scheduler {

// Turns generated text into chunk fields.
class OutputParser {
 public:
  virtual ~OutputParser() = default;
  // Adds a piece of generated text (whole UTF-8 characters) to `chunk`.
  virtual void Add(std::string_view text, chat::Chunk& chunk) = 0;
  // At the end: flushes anything held back into the final (done) chunk.
  virtual void Finish(chat::Chunk& final_chunk) = 0;
};

// Text as content, as is.
std::unique_ptr<OutputParser> MakePlainParser();
// A Jinja template's output (a null syntax: plain content).
std::unique_ptr<OutputParser> MakeJinjaParser(engine::OutputSyntaxPtr syntax);
// A Go template's output for a request with `tools` (none: no tool-call parsing) and thinking
// on or off.
std::unique_ptr<OutputParser> MakeGoParser(const gotmpl::OllamaTemplate& go,
                                           const std::vector<chat::Tool>& tools, bool thinking);

// A grammar that makes a Go-template model answer with one call of one of `tools` (exactly
// `function` when non-empty): the template's tool-call tag (when it has one) and then
// {"name": <tool name>, "arguments": <an object matching that tool's parameters schema>}.
// InvalidArgument when `function` is not among `tools`, when there are no tools, or when a
// parameters schema is not a JSON object the grammar converter accepts.
Result<engine::GrammarConstraint> GoToolGrammar(const gotmpl::OllamaTemplate& go,
                                                const std::vector<chat::Tool>& tools,
                                                const std::string& function);

// Gives every call without an id one ("call_" + 16 random alphanumerics).
void AssignToolCallIds(std::vector<chat::ToolCall>& calls);

}  // namespace hearth::scheduler
