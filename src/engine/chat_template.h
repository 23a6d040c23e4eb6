#pragma once
// Renders chat messages into a prompt with the model's own Jinja chat template, through
// llama.cpp's common chat API (its Jinja engine). A model with no template at all is prompted
// raw, as Ollama's default `{{ .Prompt }}` template does. Immutable after Create; Render is
// thread-safe.

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "chat/message.h"

struct llama_model;

namespace hearth::engine {

struct RenderOptions {
  bool add_generation_prompt = true;
  std::vector<chat::Tool> tools;
  bool enable_thinking = false;
};

struct RenderedPrompt {
  std::string prompt;
  bool raw = false;  // no template: the prompt is the messages' text concatenated
};

class ChatTemplate {
 public:
  // `override_source` replaces the model's template when non-empty (a Modelfile or a request).
  // Returns InvalidArgument when a template exists but does not parse.
  static Result<std::unique_ptr<ChatTemplate>> Create(const llama_model* model,
                                                      const std::string& override_source);
  ~ChatTemplate();

  // Renders `messages`. A template that throws or fails while rendering is an InvalidArgument
  // naming the template error, never a silent fallback.
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

}  // namespace hearth::engine
