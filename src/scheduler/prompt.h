#pragma once
// Turns a chat::Request into prompt tokens for one loaded model, the way Ollama does:
//   kChat      the model's Go TEMPLATE when its manifest has one (gotmpl::OllamaTemplate over
//              gotmpl::ChatMessages: the model's SYSTEM and MESSAGEs, then the request's), else the
//              GGUF's Jinja template (engine::ChatTemplate; none: the messages' text as is)
//   kGenerate  raw: the prompt as is; suffix: fill-in-the-middle through the Go template's
//              .Suffix, else the model's FIM tokens (Model::FimPrompt), else InvalidArgument;
//              otherwise the prompt as a user message (request system > model SYSTEM)
// `template_override` replaces the model's template (Go syntax, as Ollama's "template" field).
// kGenerate `context` (Ollama's token ids of an earlier exchange) goes before the rendered prompt
// (whose own leading BOS is dropped) and leaves out the model's MESSAGEs, as Ollama does; an id
// outside the vocabulary, a context with raw, or one on a kChat request is InvalidArgument.
// A prompt that does not fit the context is never cut silently: with truncate=false it is
// InvalidArgument "prompt is N tokens, context is M"; with truncate=true (kChat only) the oldest
// non-system messages are dropped (the system messages and the last user message stay) and the
// result says so.
//
// The rendered prompt comes with an OutputParser (scheduler/output.h) that turns the model's output
// format (tool calls, thinking tags) back into Chunk fields, and with what the engine request
// needs besides the tokens: the tool-call grammar and extra stop strings. Tool calls:
//   Jinja     ChatTemplate::Render's grammar (lazy for tool_choice auto, enforced for required /
//             a named function) and its output syntax
//   Go        tool_choice required / named function (and no output format): a grammar forcing
//             one call (GoToolGrammar); auto: the output is parsed as Ollama does
//
// ModelPrompting is immutable after Create and thread-safe; OutputParser is used by one thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "chat/message.h"
#include "gotmpl/ollama_template.h"
#include "chat/request.h"
#include "engine/chat_template.h"
#include "engine/constraint.h"
#include "engine/model.h"
#include "scheduler/output.h"

namespace hearth::scheduler {

// What a loaded model renders with: its templates, SYSTEM and MESSAGEs.
struct ModelPrompting {
  std::string name;  // the name clients see in errors, e.g. "stories:latest"
  engine::ModelPtr model;
  std::optional<gotmpl::OllamaTemplate> go_template;  // the manifest's TEMPLATE layer
  std::unique_ptr<engine::ChatTemplate> jinja;      // the GGUF's template (may render raw)
  std::string system;                               // the SYSTEM layer
  std::vector<chat::Message> messages;              // the MESSAGE layer

  // InvalidArgument/DataLoss when the TEMPLATE or the messages layer does not parse.
  static Result<std::unique_ptr<ModelPrompting>> Create(std::string name, engine::ModelPtr model,
                                                        const std::string& template_text,
                                                        const std::string& system,
                                                        const std::string& messages_json);
  bool SupportsTools() const;
  bool SupportsThinking() const;
  bool SupportsInsert() const;
};

struct Prompt {
  std::vector<engine::Token> tokens;
  std::string text;             // the rendered text (empty for a token-level FIM prompt)
  bool truncated = false;       // messages were dropped to fit
  int32_t original_tokens = 0;  // the prompt's size before dropping (== tokens.size() if not)
  int32_t dropped_messages = 0;
  // For GenerateRequest.tool_grammar (empty: the request's output format applies).
  engine::GrammarConstraint tool_grammar;
  std::vector<std::string> additional_stops;  // to append to the stop strings
  std::unique_ptr<OutputParser> parser;
};

// Renders and tokenizes `request` (non-empty input) for a context of `n_ctx` tokens per
// sequence: the prompt may use at most n_ctx - 1 tokens so that at least one can be generated.
// InvalidArgument for what the model cannot do, naming it as Ollama does:
//   "x" does not support insert | tools | thinking | vision
// and for a template that fails to render or a prompt that does not fit.
Result<Prompt> BuildPrompt(const ModelPrompting& m, const chat::Request& request, int32_t n_ctx);

}  // namespace hearth::scheduler
