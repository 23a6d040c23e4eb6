#include "scheduler/prompt.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace hearth::scheduler {
namespace {

using Json = nlohmann::json;

// A render's text and, for a Jinja template, what the engine request and the output parser need.
struct Rendered {
  std::string text;
  engine::GrammarConstraint grammar;
  std::vector<std::string> stops;
  engine::OutputSyntaxPtr syntax;
};

Status Unsupported(const chat::Request& r, const char* what) {
  return InvalidArgument("\"" + r.model + "\" does not support " + what);
}

bool HasCap(const gotmpl::OllamaTemplate& t, const char* cap) {
  const auto caps = t.Capabilities();
  return std::find(caps.begin(), caps.end(), cap) != caps.end();
}

// Parses the request's template override, if any (Go syntax, as Ollama's "template" field).
Result<std::optional<gotmpl::OllamaTemplate>> ParseOverride(const chat::Request& r) {
  if (r.template_override.empty()) return std::optional<gotmpl::OllamaTemplate>();
  auto parsed = gotmpl::OllamaTemplate::Parse(r.template_override);
  if (!parsed.ok()) return parsed.status().WithContext("template");
  return std::optional<gotmpl::OllamaTemplate>(std::move(parsed).value());
}

bool ToolsActive(const chat::Request& r) {
  return !r.tools.empty() && r.tool_choice.mode != chat::ToolChoice::Mode::kNone;
}

Result<Rendered> RenderMessages(const ModelPrompting& m, const gotmpl::OllamaTemplate* go,
                                const chat::Request& r,
                                const std::vector<chat::Message>& messages) {
  const bool with_tools = ToolsActive(r);
  Rendered out;
  if (go != nullptr) {
    gotmpl::TemplateInput in;
    in.messages = messages;
    if (with_tools) in.tools = r.tools;
    in.think = r.think.enabled;
    in.think_level = r.think.level;
    in.is_think_set = r.think.set;
    auto text = go->Execute(in);
    if (!text.ok()) return text.status().WithContext("template");
    out.text = std::move(text).value();
    return out;
  }
  engine::RenderOptions options;
  options.add_generation_prompt = true;
  if (with_tools) options.tools = r.tools;
  options.think = r.think;
  options.tool_choice = r.tool_choice;
  options.format = r.format;
  HEARTH_ASSIGN_OR_RETURN(engine::RenderedPrompt rendered, m.jinja->Render(messages, options));
  out.text = std::move(rendered.prompt);
  out.grammar = std::move(rendered.grammar);
  out.stops = std::move(rendered.additional_stops);
  out.syntax = std::move(rendered.syntax);
  return out;
}

Status TooLong(size_t tokens, int32_t n_ctx) {
  return InvalidArgument("prompt is " + std::to_string(tokens) + " tokens, context is " +
                         std::to_string(n_ctx) + " tokens");
}

Status CheckCapabilities(const ModelPrompting& m, const gotmpl::OllamaTemplate* go,
                         const chat::Request& r) {
  if (!r.images.empty()) return Unsupported(r, "vision");
  if (ToolsActive(r)) {
    const bool ok = go != nullptr ? HasCap(*go, "tools") : m.jinja->supports_tools();
    if (!ok) return Unsupported(r, "tools");
  }
  if (r.think.set && r.think.enabled) {
    const bool ok = go != nullptr ? HasCap(*go, "thinking") : m.jinja->supports_thinking();
    if (!ok) return Unsupported(r, "thinking");
  }
  return Status();
}

// Ollama's "context": the earlier exchange's token ids go before the rendered prompt, whose own
// leading BOS is dropped (the context starts with one already).
Status PrependContext(const engine::Model& model, const std::vector<int32_t>& context, Prompt* p) {
  const int32_t vocab = model.info().vocab_size;
  for (size_t i = 0; i < context.size(); ++i) {
    if (context[i] < 0 || context[i] >= vocab) {
      return InvalidArgument("invalid value for field 'context[" + std::to_string(i) +
                             "]': token id " + std::to_string(context[i]) +
                             " is outside the model's vocabulary of " + std::to_string(vocab) +
                             " tokens");
    }
  }
  const engine::Token bos = model.info().bos.id;
  size_t skip = 0;
  if (bos >= 0 && !p->tokens.empty() && p->tokens.front() == bos) skip = 1;
  std::vector<engine::Token> tokens(context.begin(), context.end());
  tokens.insert(tokens.end(), p->tokens.begin() + static_cast<std::ptrdiff_t>(skip),
                p->tokens.end());
  p->tokens = std::move(tokens);
  if (!p->text.empty()) p->text = model.Detokenize(context, /*special=*/true) + p->text;
  return Status();
}

Result<Prompt> BuildGenerate(const ModelPrompting& m, const gotmpl::OllamaTemplate* go,
                             const chat::Request& r, int32_t n_ctx, Rendered* extras) {
  Prompt p;
  const engine::Model& model = *m.model;
  if (r.raw && !r.context.empty()) {
    return InvalidArgument("raw mode does not support template, system, or context");
  }
  // As Ollama: with a context the model's MESSAGEs are already in it.
  static const std::vector<chat::Message> kNoMessages;
  const std::vector<chat::Message>& model_messages = r.context.empty() ? m.messages : kNoMessages;
  if (!r.suffix.empty()) {
    if (r.raw) return InvalidArgument("raw mode does not support suffix");
    if (go != nullptr && HasCap(*go, "insert")) {
      HEARTH_ASSIGN_OR_RETURN(p.text, go->Execute(gotmpl::GenerateInput(r.prompt, r.suffix, r.system,
                                                                      m.system, model_messages)));
      p.tokens = model.Tokenize(p.text, true, true);
    } else if (go == nullptr && model.info().capabilities.insert) {
      HEARTH_ASSIGN_OR_RETURN(p.tokens, model.FimPrompt(r.prompt, r.suffix));
    } else {
      return Unsupported(r, "insert");
    }
  } else if (r.raw) {
    p.text = r.prompt;
    p.tokens = model.Tokenize(p.text, true, true);
  } else if (go != nullptr) {
    auto text =
        go->Execute(gotmpl::GenerateInput(r.prompt, "", r.system, m.system, model_messages));
    if (!text.ok()) return text.status().WithContext("template");
    p.text = std::move(text).value();
    p.tokens = model.Tokenize(p.text, true, true);
  } else if (!m.jinja->has_template()) {
    p.text = r.prompt;  // Ollama's default template: {{ .Prompt }}
    p.tokens = model.Tokenize(p.text, true, true);
  } else {
    gotmpl::TemplateInput in =
        gotmpl::GenerateInput(r.prompt, "", r.system, m.system, model_messages);
    HEARTH_ASSIGN_OR_RETURN(*extras, RenderMessages(m, nullptr, r, in.messages));
    p.text = extras->text;
    p.tokens = model.Tokenize(p.text, true, true);
  }
  if (!r.context.empty()) HEARTH_RETURN_IF_ERROR(PrependContext(model, r.context, &p));
  p.original_tokens = static_cast<int32_t>(p.tokens.size());
  // A generate prompt has no messages to drop: too long is an error whatever `truncate` says.
  if (static_cast<int64_t>(p.tokens.size()) > n_ctx - 1) return TooLong(p.tokens.size(), n_ctx);
  return p;
}

// `messages` without the first `k` entries of `droppable` (indices in increasing order).
std::vector<chat::Message> Without(const std::vector<chat::Message>& messages,
                                   const std::vector<size_t>& droppable, size_t k) {
  std::vector<chat::Message> out;
  out.reserve(messages.size() - k);
  size_t next = 0;
  for (size_t i = 0; i < messages.size(); ++i) {
    if (next < k && droppable[next] == i) {
      ++next;
      continue;
    }
    out.push_back(messages[i]);
  }
  return out;
}

Result<Prompt> BuildChat(const ModelPrompting& m, const gotmpl::OllamaTemplate* go,
                         const chat::Request& r, int32_t n_ctx, Rendered* extras) {
  const std::string& system = r.system.empty() ? m.system : r.system;
  const std::vector<chat::Message> messages = gotmpl::ChatMessages(system, m.messages, r.messages);
  Prompt p;
  HEARTH_ASSIGN_OR_RETURN(*extras, RenderMessages(m, go, r, messages));
  p.text = extras->text;
  p.tokens = m.model->Tokenize(p.text, true, true);
  p.original_tokens = static_cast<int32_t>(p.tokens.size());
  const int64_t limit = static_cast<int64_t>(n_ctx) - 1;
  if (static_cast<int64_t>(p.tokens.size()) <= limit) return p;
  if (!r.truncate) return TooLong(p.tokens.size(), n_ctx);

  // Droppable, oldest first: every message but the system messages, the last user message and
  // the last message.
  size_t last_user = messages.size();
  for (size_t i = messages.size(); i-- > 0;) {
    if (messages[i].role == "user") {
      last_user = i;
      break;
    }
  }
  std::vector<size_t> droppable;
  for (size_t i = 0; i + 1 < messages.size(); ++i) {
    if (messages[i].role != "system" && i != last_user) droppable.push_back(i);
  }
  // The fewest oldest messages to drop so that the prompt fits: a binary search, so that a long
  // conversation costs O(log n) renders. k = droppable.size() is tried last.
  struct Try {
    std::string text;
    std::vector<engine::Token> tokens;
  };
  auto attempt = [&](size_t k) -> Result<Try> {
    Try t;
    HEARTH_ASSIGN_OR_RETURN(Rendered rendered,
                            RenderMessages(m, go, r, Without(messages, droppable, k)));
    t.text = std::move(rendered.text);
    t.tokens = m.model->Tokenize(t.text, true, true);
    return t;
  };
  size_t lo = 1, hi = droppable.size();  // k = 0 does not fit; the answer is in [lo, hi]
  HEARTH_ASSIGN_OR_RETURN(Try best, attempt(hi));
  if (static_cast<int64_t>(best.tokens.size()) > limit) {
    return InvalidArgument("prompt is " + std::to_string(p.original_tokens) +
                           " tokens, context is " + std::to_string(n_ctx) +
                           " tokens, and the system and last messages alone are " +
                           std::to_string(best.tokens.size()) + " tokens");
  }
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    HEARTH_ASSIGN_OR_RETURN(Try t, attempt(mid));
    if (static_cast<int64_t>(t.tokens.size()) <= limit) {
      hi = mid;
      best = std::move(t);
    } else {
      lo = mid + 1;
    }
  }
  // Invariant: `best` is the render for k = hi, and hi == lo now.
  p.text = std::move(best.text);
  p.tokens = std::move(best.tokens);
  p.dropped_messages = static_cast<int32_t>(hi);
  p.truncated = true;
  return p;
}

}  // namespace

Result<std::unique_ptr<ModelPrompting>> ModelPrompting::Create(std::string name,
                                                               engine::ModelPtr model,
                                                               const std::string& template_text,
                                                               const std::string& system,
                                                               const std::string& messages_json) {
  auto m = std::make_unique<ModelPrompting>();
  m->name = std::move(name);
  m->system = system;
  if (!template_text.empty()) {
    auto t = gotmpl::OllamaTemplate::Parse(template_text);
    if (!t.ok()) return t.status().WithContext("model " + m->name + ": TEMPLATE");
    m->go_template = std::move(t).value();
  }
  auto jinja = engine::ChatTemplate::Create(model->raw(), "");
  if (!jinja.ok()) return jinja.status().WithContext("model " + m->name);
  m->jinja = std::move(jinja).value();
  m->model = std::move(model);
  if (!messages_json.empty()) {
    const Json j = Json::parse(messages_json, nullptr, /*allow_exceptions=*/false);
    if (!j.is_array()) return DataLoss("model " + m->name + ": the messages layer is not a list");
    for (const Json& e : j) {
      if (!e.is_object()) return DataLoss("model " + m->name + ": bad entry in messages layer");
      chat::Message msg;
      auto role = e.find("role");
      auto content = e.find("content");
      if (role == e.end() || !role->is_string())
        return DataLoss("model " + m->name + ": a message without a role in the messages layer");
      msg.role = role->get<std::string>();
      if (content != e.end() && content->is_string()) msg.content = content->get<std::string>();
      m->messages.push_back(std::move(msg));
    }
  }
  return m;
}

bool ModelPrompting::SupportsTools() const {
  return go_template ? HasCap(*go_template, "tools") : jinja->supports_tools();
}
bool ModelPrompting::SupportsThinking() const {
  return go_template ? HasCap(*go_template, "thinking") : jinja->supports_thinking();
}
bool ModelPrompting::SupportsInsert() const {
  return go_template ? HasCap(*go_template, "insert") : model->info().capabilities.insert;
}

Result<Prompt> BuildPrompt(const ModelPrompting& m, const chat::Request& request, int32_t n_ctx) {
  // The override lives here, so `go` never outlives what it points at.
  HEARTH_ASSIGN_OR_RETURN(std::optional<gotmpl::OllamaTemplate> override_template,
                          ParseOverride(request));
  const gotmpl::OllamaTemplate* go = override_template ? &*override_template
                                   : m.go_template   ? &*m.go_template
                                                     : nullptr;
  HEARTH_RETURN_IF_ERROR(CheckCapabilities(m, go, request));
  if (request.kind == chat::RequestKind::kChat && !request.context.empty()) {
    return InvalidArgument("context is only supported by generate requests");
  }
  Rendered extras;
  Result<Prompt> p = request.kind == chat::RequestKind::kChat
                         ? BuildChat(m, go, request, n_ctx, &extras)
                         : BuildGenerate(m, go, request, n_ctx, &extras);
  if (!p.ok()) return p;
  if (p->tokens.empty()) return InvalidArgument("the prompt renders to no tokens");
  if (go == nullptr) {
    // Jinja (a null syntax for raw prompts and fill-in-the-middle: plain content).
    p->parser = MakeJinjaParser(std::move(extras.syntax));
    p->tool_grammar = std::move(extras.grammar);
    p->additional_stops = std::move(extras.stops);
    return p;
  }
  if (request.raw || !request.suffix.empty()) {
    p->parser = MakePlainParser();
    return p;
  }
  // Ollama parses thinking when it is on, and a thinking template's output by default.
  const bool thinking = request.think.set ? request.think.enabled : HasCap(*go, "thinking");
  const bool with_tools = request.kind == chat::RequestKind::kChat && ToolsActive(request);
  p->parser = MakeGoParser(*go, with_tools ? request.tools : std::vector<chat::Tool>(), thinking);
  using Mode = chat::ToolChoice::Mode;
  const Mode mode = request.tool_choice.mode;
  if (with_tools && (mode == Mode::kRequired || mode == Mode::kFunction) &&
      request.format.kind == chat::OutputFormat::Kind::kNone) {
    HEARTH_ASSIGN_OR_RETURN(
        p->tool_grammar,
        GoToolGrammar(*go, request.tools,
                      mode == Mode::kFunction ? request.tool_choice.function : std::string()));
  }
  return p;
}

}  // namespace hearth::scheduler
