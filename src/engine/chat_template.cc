#include "engine/chat_template.h"

#include <chat.h>
#include <llama.h>

#include <exception>

namespace hearth::engine {

struct ChatTemplate::Impl {
  common_chat_templates_ptr templates;
};

ChatTemplate::~ChatTemplate() = default;

Result<std::unique_ptr<ChatTemplate>> ChatTemplate::Create(const llama_model* model,
                                                           const std::string& override_source) {
  std::unique_ptr<ChatTemplate> t(new ChatTemplate());
  const char* builtin = model ? llama_model_chat_template(model, nullptr) : nullptr;
  t->source_ = !override_source.empty() ? override_source : (builtin ? builtin : "");
  if (t->source_.empty()) return t;  // raw prompting
  try {
    auto impl = std::make_unique<Impl>();
    impl->templates = common_chat_templates_init(model, t->source_);
    if (!impl->templates) return InvalidArgument("chat template failed to parse");
    t->supports_thinking_ = common_chat_templates_support_enable_thinking(impl->templates.get());
    t->impl_ = std::move(impl);
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("chat template failed to parse: ") + e.what());
  }
  // As Ollama decides from `.Tools` in a Go template: the template reads a tools variable.
  t->supports_tools_ = t->source_.find("tools") != std::string::npos;
  return t;
}

Result<RenderedPrompt> ChatTemplate::Render(const std::vector<chat::Message>& messages,
                                            const RenderOptions& options) const {
  RenderedPrompt out;
  if (!impl_) {
    // Ollama's default template is `{{ .Prompt }}` (plus the response): user and assistant
    // turns concatenated in order; it has no `.System`, so system messages are not rendered.
    out.raw = true;
    for (const auto& m : messages) {
      if (m.role == "user" || m.role == "assistant") out.prompt += m.content;
    }
    return out;
  }
  common_chat_templates_inputs in;
  in.add_generation_prompt = options.add_generation_prompt;
  in.use_jinja = true;
  in.enable_thinking = options.enable_thinking;
  for (const auto& m : messages) {
    common_chat_msg cm;
    cm.role = m.role;
    cm.content = m.content;
    cm.reasoning_content = m.thinking;
    cm.tool_name = m.tool_name;
    cm.tool_call_id = m.tool_call_id;
    for (const auto& tc : m.tool_calls) cm.tool_calls.push_back({tc.name, tc.arguments_json, tc.id});
    in.messages.push_back(std::move(cm));
  }
  for (const auto& tool : options.tools)
    in.tools.push_back({tool.name, tool.description, tool.parameters_json});
  try {
    common_chat_params params = common_chat_templates_apply(impl_->templates.get(), in);
    out.prompt = std::move(params.prompt);
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("chat template failed to render: ") + e.what());
  }
  return out;
}

}  // namespace hearth::engine
