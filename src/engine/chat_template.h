#pragma once
// Renders chat messages into a prompt with the model's own Jinja chat template, through
// llama.cpp's common chat API (its Jinja engine and per-model tool-call formats). A render with
// tools also yields the grammar that enforces the tool-call syntax and the parser that turns the
// generated text back into content / thinking / tool calls. A model with no template at all is
// prompted raw, as Ollama's default `{{ .Prompt }}` template does. Immutable after Create;
// Render is thread-safe.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "chat/message.h"
#include "chat/options.h"
#include "chat/request.h"
#include "engine/chat_output.h"
#include "engine/constraint.h"
#include "engine/engine.h"
#include "engine/model.h"

struct llama_model;

namespace hearth::engine {

struct RenderOptions {
  bool add_generation_prompt = true;
  std::vector<chat::Tool> tools;
  // kAuto: the model may call a tool (a lazy grammar wakes on the model's tool-call marker).
  // kRequired / kFunction: the output must be tool calls (kFunction: only that tool), enforced by
  // a grammar on every token: after its thinking (if any) the model starts with the calls; the
  // free text llama.cpp would allow before them is removed from the grammar. kNone: the tools are not shown to the model at all (as Ollama).
  chat::ToolChoice tool_choice;
  // Unset: the template's default (llama.cpp renders thinking-capable templates with thinking
  // on). A level ("low"/"medium"/"high") counts as on.
  chat::ThinkSetting think;
  // The request's output format. With active tools (any tool_choice but kNone) llama.cpp's rule
  // applies: the format wins; the grammar is the format's and the output is parsed as content
  // (no tool calls). A kGrammar format with active tools is InvalidArgument. Without active
  // tools it is not used here: the engine applies it from GenerationOptions.format.
  chat::OutputFormat format;
};

struct RenderedPrompt {
  std::string prompt;
  bool raw = false;  // no template: the prompt is the messages' text concatenated
  // The tool-call grammar (empty when no tools are active). Rule for callers: when non-empty it
  // goes into GenerateRequest.tool_grammar and replaces GenerationOptions.format (llama.cpp has
  // folded the format into it); when empty, GenerationOptions.format applies as before.
  GrammarConstraint grammar;
  // Stop strings the format needs besides the model's own (append to GenerationOptions.stop).
  std::vector<std::string> additional_stops;
  // How to read the output back; make one ChatOutputParser per generation from it.
  OutputSyntaxPtr syntax;
  bool thinking = false;  // the template was rendered with thinking on
};

class ChatTemplate {
 public:
  // `override_source` replaces the model's template when non-empty (a Modelfile or a request).
  // Returns InvalidArgument when a template exists but does not parse.
  static Result<std::unique_ptr<ChatTemplate>> Create(const llama_model* model,
                                                      const std::string& override_source);
  ~ChatTemplate();

  // Renders `messages`. A template that throws or fails while rendering is an InvalidArgument
  // naming the template error, never a silent fallback. InvalidArgument too for a tool_choice of
  // kRequired without tools or kFunction naming a tool not in `tools`, and for tool arguments or
  // parameter schemas that are not JSON. Without a template, tools and think are ignored.
  Result<RenderedPrompt> Render(const std::vector<chat::Message>& messages,
                                const RenderOptions& options) const;

  bool has_template() const { return impl_ != nullptr; }
  const std::string& source() const { return source_; }
  bool supports_tools() const { return supports_tools_; }
  bool supports_thinking() const { return supports_thinking_; }

 private:
  struct Impl;
  ChatTemplate() = default;
  std::unique_ptr<Impl> impl_;  // null when there is no template (raw prompting)
  std::string source_;
  bool supports_tools_ = false;
  bool supports_thinking_ = false;
};

// The tokens of a rendered prompt: special-token text parsed, BOS added when the vocabulary asks
// for it; a `raw` prompt (no template) is plain text with BOS as the vocabulary asks.
std::vector<Token> TokenizePrompt(const Model& model, std::string_view prompt, bool raw);

// Fills `request` from a render: prompt = TokenizePrompt(...), tool_grammar = rendered.grammar,
// and rendered.additional_stops appended to request->options.stop (without duplicates). Call it
// after setting request->options.
void ApplyRendered(const Model& model, const RenderedPrompt& rendered, GenerateRequest* request);

}  // namespace hearth::engine
