#include "gotmpl/output_parser.h"

namespace hearth::gotmpl {

OllamaOutputParser::OllamaOutputParser(std::string thinking_open, std::string thinking_close,
                                       const std::vector<Tool>& tools, std::string tool_tag)
    : thinking_(std::move(thinking_open), std::move(thinking_close)) {
  if (!tools.empty()) tools_.emplace(tools, std::move(tool_tag));
}

void OllamaOutputParser::Content(std::string_view text, bool final, ParsedOutput* out) {
  if (!tools_) {
    out->content.append(text);
    return;
  }
  ToolCallParser::Output o = tools_->Add(text);
  out->content += o.content;
  for (auto& c : o.calls) out->tool_calls.push_back(std::move(c));
  if (final) out->content += tools_->Finish();
}

ParsedOutput OllamaOutputParser::Add(std::string_view text) {
  ParsedOutput out;
  ThinkingParser::Output t = thinking_.Add(text);
  out.thinking = std::move(t.thinking);
  Content(t.content, /*final=*/false, &out);
  return out;
}

ParsedOutput OllamaOutputParser::Finish() {
  ParsedOutput out;
  ThinkingParser::Output t = thinking_.Finish();
  out.thinking = std::move(t.thinking);
  Content(t.content, /*final=*/true, &out);
  return out;
}

}  // namespace hearth::gotmpl
