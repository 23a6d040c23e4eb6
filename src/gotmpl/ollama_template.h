#pragma once
// Ollama's template layer on top of GoTemplate (Ollama's template/template.go): how a model's
// TEMPLATE is prepared and which data it sees for /api/chat, /api/generate and fill-in-the-middle.
//
// Execute() picks one of three data shapes, as Ollama does:
//   FIM      (prompt and suffix both set): {Prompt, Suffix, Response:"", Think...}
//   messages (the template mentions .Messages): {System, Messages, Tools, Response:"", Think...}
//            where consecutive messages of one role (except tool) are merged with "\n\n" and
//            System joins every system message with "\n\n"
//   legacy   (no .Messages): the template runs once per completed user/assistant turn with
//            {System, Prompt, Response}, then once more, cut after its .Response, for the last
//            turn (an assistant message at the end is a prefill that the output continues)
// Missing keys print "<no value>", as Go's missingkey=zero does for map[string]any.
// Immutable; thread-safe.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "gotmpl/go_template.h"
#include "chat/message.h"

namespace hearth::gotmpl {

// The chat model's types, as these templates and parsers read and produce them.
using chat::Message;
using chat::Tool;
using chat::ToolCall;

// Ollama's template.Values.
struct TemplateInput {
  std::vector<Message> messages;
  std::vector<Tool> tools;
  std::string prompt;  // FIM only (with suffix)
  std::string suffix;
  bool think = false;
  std::string think_level;  // "low" | "medium" | "high" | "max", or "" (and "true"/"false")
  bool is_think_set = false;
};

class OllamaTemplate {
 public:
  // Parses a TEMPLATE layer; appends {{ .Response }} when the template mentions neither
  // .Messages nor .Response. Errors as GoTemplate::Parse.
  static Result<OllamaTemplate> Parse(std::string_view source);

  Result<std::string> Execute(const TemplateInput& input, const ExecOptions& options = {}) const;

  const std::string& source() const { return template_.source(); }
  const std::vector<std::string>& vars() const { return vars_; }
  // Ollama's goTemplateCapabilities: "tools" (mentions .Tools), "insert" (.Suffix), "thinking"
  // (InferThinkingTags finds both tags), in that order.
  std::vector<std::string> Capabilities() const;

 private:
  OllamaTemplate(GoTemplate t, GoTemplate last, std::vector<std::string> vars)
      : template_(std::move(t)), last_turn_(std::move(last)), vars_(std::move(vars)) {}
  GoTemplate template_;
  GoTemplate last_turn_;  // cut after .Response, for the legacy path
  std::vector<std::string> vars_;
};

// The messages /api/chat renders: the model's MESSAGEs then the request's, with the model's
// SYSTEM first unless the request starts with a system message.
std::vector<Message> ChatMessages(const std::string& model_system,
                                  const std::vector<Message>& model_messages,
                                  const std::vector<Message>& request_messages);

// The values /api/generate renders (not raw): FIM when `suffix` is set; otherwise the request's
// system (else the model's SYSTEM), the model's MESSAGEs, and the prompt as a user message.
TemplateInput GenerateInput(const std::string& prompt, const std::string& suffix,
                            const std::string& request_system, const std::string& model_system,
                            const std::vector<Message>& model_messages);

// The value a template sees for one tool / one tool call, as Ollama's templateTool and
// templateToolCall (exposed for tests).
TemplateValue ToolValue(const Tool& tool);
TemplateValue ToolCallValue(const ToolCall& call, int index);

}  // namespace hearth::gotmpl
