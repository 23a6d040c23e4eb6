#include "engine/chat_template.h"

#include <chat.h>
#include <llama.h>

#include <json.h>

#include <algorithm>
#include <exception>
#include <regex>

#include "engine/chat_output_syntax.h"

namespace hearth::engine {

struct ChatTemplate::Impl {
  common_chat_templates_ptr templates;
};

namespace {

GrammarTrigger::Kind TriggerKind(common_grammar_trigger_type t) {
  switch (t) {
    case COMMON_GRAMMAR_TRIGGER_TYPE_TOKEN: return GrammarTrigger::Kind::kToken;
    case COMMON_GRAMMAR_TRIGGER_TYPE_WORD: return GrammarTrigger::Kind::kWord;
    case COMMON_GRAMMAR_TRIGGER_TYPE_PATTERN: return GrammarTrigger::Kind::kPattern;
    case COMMON_GRAMMAR_TRIGGER_TYPE_PATTERN_FULL: return GrammarTrigger::Kind::kPatternFull;
  }
  return GrammarTrigger::Kind::kWord;
}

bool IsJson(const std::string& text) {
  try {
    return !common_json::parse_no_throw(text).is_discarded();
  } catch (const std::exception&) {
    return false;
  }
}

// The tools the model sees and the llama.cpp tool choice, from the request's tool_choice.
Status SelectTools(const RenderOptions& o, std::vector<common_chat_tool>* tools,
                   common_chat_tool_choice* choice) {
  using Mode = chat::ToolChoice::Mode;
  *choice = COMMON_CHAT_TOOL_CHOICE_AUTO;
  if (o.tool_choice.mode == Mode::kNone) return Status();  // hidden, as Ollama
  for (size_t i = 0; i < o.tools.size(); ++i) {
    const chat::Tool& t = o.tools[i];
    if (t.name.empty()) return InvalidArgument("tools[" + std::to_string(i) + "]: name is empty");
    const std::string params = t.parameters_json.empty() ? "{}" : t.parameters_json;
    if (!IsJson(params))
      return InvalidArgument("tools[" + std::to_string(i) + "] (" + t.name +
                             "): parameters is not valid JSON");
    if (o.tool_choice.mode == Mode::kFunction && t.name != o.tool_choice.function) continue;
    tools->push_back({t.name, t.description, params});
  }
  if (o.tool_choice.mode == Mode::kRequired || o.tool_choice.mode == Mode::kFunction) {
    if (tools->empty()) {
      return InvalidArgument(o.tool_choice.mode == Mode::kRequired
                                 ? "tool_choice \"required\" needs at least one tool"
                                 : "tool_choice names function '" + o.tool_choice.function +
                                       "', which is not in tools");
    }
    *choice = COMMON_CHAT_TOOL_CHOICE_REQUIRED;
  }
  return Status();
}

// llama.cpp's grammar for a required call lets the model write free text before the calls
// (`root ::= ... until-N? tool-calls`), so a model can ramble until num_predict and never call.
// Enforced means the calls come first (after the thinking, which precedes that element): the
// optional free-text element is dropped from the root rule. Any other shape is left as it is.
std::string WithoutContentBeforeCalls(const std::string& gbnf) {
  size_t root = gbnf.compare(0, 9, "root ::= ") == 0 ? 0 : gbnf.find("\nroot ::= ");
  if (root == std::string::npos) return gbnf;
  if (root != 0) ++root;
  const size_t eol = std::min(gbnf.find('\n', root), gbnf.size());
  std::string line = gbnf.substr(root, eol - root);
  static const std::regex kUntil(R"( until-[0-9]+\?)");
  std::string stripped = std::regex_replace(line, kUntil, "");
  if (stripped == line || stripped.find("tool-call") == std::string::npos) return gbnf;
  return gbnf.substr(0, root) + stripped + gbnf.substr(eol);
}

Status SetFormat(const chat::OutputFormat& f, common_chat_templates_inputs* in) {
  using Kind = chat::OutputFormat::Kind;
  switch (f.kind) {
    case Kind::kNone: break;
    case Kind::kJson: in->json_schema = R"({"type":"object"})"; break;
    case Kind::kJsonSchema:
      if (!IsJson(f.text)) return InvalidArgument("format: invalid JSON schema");
      in->json_schema = f.text;
      break;
    case Kind::kGrammar: return InvalidArgument("a grammar format cannot be combined with tools");
  }
  return Status();
}

}  // namespace

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
  in.reasoning_format = COMMON_REASONING_FORMAT_DEEPSEEK;  // thinking goes to its own field
  in.enable_thinking = options.think.set ? options.think.enabled : true;
  if (options.think.set && !options.think.level.empty())
    in.chat_template_kwargs["reasoning_effort"] = common_json::make(options.think.level).dump();
  for (size_t i = 0; i < messages.size(); ++i) {
    const chat::Message& m = messages[i];
    common_chat_msg cm;
    cm.role = m.role;
    cm.content = m.content;
    cm.reasoning_content = m.thinking;
    cm.tool_name = m.tool_name;
    cm.tool_call_id = m.tool_call_id;
    for (const auto& tc : m.tool_calls) {
      const std::string args = tc.arguments_json.empty() ? "{}" : tc.arguments_json;
      if (!IsJson(args))
        return InvalidArgument("messages[" + std::to_string(i) + "]: tool call '" + tc.name +
                               "' arguments are not valid JSON");
      cm.tool_calls.push_back({tc.name, args, tc.id});
    }
    in.messages.push_back(std::move(cm));
  }
  HEARTH_RETURN_IF_ERROR(SelectTools(options, &in.tools, &in.tool_choice));
  if (!in.tools.empty()) HEARTH_RETURN_IF_ERROR(SetFormat(options.format, &in));
  in.parallel_tool_calls = !in.tools.empty();
  try {
    common_chat_params params = common_chat_templates_apply(impl_->templates.get(), in);
    out.prompt = std::move(params.prompt);
    out.thinking = in.enable_thinking && params.supports_thinking;
    out.additional_stops = std::move(params.additional_stops);
    if (!in.tools.empty() && !params.grammar.empty()) {
      out.grammar.gbnf = std::move(params.grammar);
      out.grammar.lazy = params.grammar_lazy;
      out.grammar.prefill = params.generation_prompt;
      out.grammar.preserved_tokens = std::move(params.preserved_tokens);
      for (const auto& t : params.grammar_triggers)
        out.grammar.triggers.push_back({TriggerKind(t.type), t.value, t.token});
      if (in.tool_choice == COMMON_CHAT_TOOL_CHOICE_REQUIRED && !out.grammar.lazy)
        out.grammar.gbnf = WithoutContentBeforeCalls(out.grammar.gbnf);
      if (out.grammar.lazy && out.grammar.triggers.empty())
        return Internal("the chat template gave a lazy tool grammar without triggers");
    }
    auto syntax = std::make_shared<OutputSyntax>();
    syntax->params = common_chat_parser_params(params);
    syntax->params.reasoning_format = COMMON_REASONING_FORMAT_DEEPSEEK;
    syntax->params.parse_tool_calls = !in.tools.empty();
    if (!params.parser.empty()) syntax->params.parser.load(params.parser);
    out.syntax = std::move(syntax);
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("chat template failed to render: ") + e.what());
  }
  return out;
}

std::vector<Token> TokenizePrompt(const Model& model, std::string_view prompt, bool raw) {
  return model.Tokenize(prompt, /*add_special=*/raw || model.info().add_bos,
                        /*parse_special=*/!raw);
}

void ApplyRendered(const Model& model, const RenderedPrompt& rendered, GenerateRequest* request) {
  request->prompt = TokenizePrompt(model, rendered.prompt, rendered.raw);
  request->tool_grammar = rendered.grammar;
  auto& stop = request->options.stop;
  for (const std::string& s : rendered.additional_stops)
    if (!s.empty() && std::find(stop.begin(), stop.end(), s) == stop.end()) stop.push_back(s);
}

}  // namespace hearth::engine
