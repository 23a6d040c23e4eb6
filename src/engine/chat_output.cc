#include "engine/chat_output.h"

#include <json.h>

#include <algorithm>
#include <cctype>
#include <exception>

#include "engine/chat_output_syntax.h"

namespace hearth::engine {
namespace {

// The part of `now` after `before`, when `before` is a prefix of it; else "" (a parser that
// re-reads earlier text never retracts what was already streamed).
std::string Suffix(const std::string& now, const std::string& before) {
  if (now.size() <= before.size() || now.compare(0, before.size(), before) != 0) return {};
  return now.substr(before.size());
}

// Normalises tool-call arguments to a compact JSON object text; false when they are not one.
bool NormalizeArguments(const std::string& in, std::string* out) {
  if (in.find_first_not_of(" \t\r\n") == std::string::npos) {
    *out = "{}";
    return true;
  }
  try {
    common_json j = common_json::parse_no_throw(in);
    if (j.is_discarded() || !j.is_object()) return false;
    *out = j.dump();
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

ChatOutputParser::ChatOutputParser(OutputSyntaxPtr syntax) : syntax_(std::move(syntax)) {}
ChatOutputParser::~ChatOutputParser() = default;

OutputDelta ChatOutputParser::Push(std::string_view text) {
  if (finished_) return {};
  text_.append(text);
  return Parse(/*final=*/false);
}

OutputDelta ChatOutputParser::Finish() {
  if (finished_) return {};
  OutputDelta d = Parse(/*final=*/true);
  finished_ = true;
  return d;
}

OutputDelta ChatOutputParser::Parse(bool final) {
  OutputDelta d;
  if (!syntax_) {
    d.content = text_.substr(content_.size());
    content_ = text_;
    return d;
  }
  common_chat_msg msg;
  bool parsed = false;
  try {
    msg = common_chat_parse(text_, /*is_partial=*/!final, syntax_->params);
    parsed = true;
  } catch (const std::exception&) {
    if (final) {
      // Output that does not match the format: take what a lenient partial read finds, and
      // the raw text after the last thing it understood as content.
      try {
        msg = common_chat_parse(text_, /*is_partial=*/true, syntax_->params);
        parsed = true;
        size_t anchor = 0;
        auto after = [&](const std::string& known) {
          if (known.empty()) return;
          const size_t at = text_.rfind(known);
          if (at != std::string::npos) anchor = std::max(anchor, at + known.size());
        };
        after(msg.content);
        after(msg.reasoning_content);
        for (size_t i = 0; i < msg.tool_calls.size() && i < calls_seen_; ++i)
          after(msg.tool_calls[i].arguments);
        msg.tool_calls.resize(std::min(msg.tool_calls.size(), calls_seen_));
        msg.content += text_.substr(anchor);
      } catch (const std::exception&) {
      }
    }
  }
  if (!parsed) {
    if (!final) return d;  // undecided: hold everything back for now
    msg = common_chat_msg();
    msg.content = text_;
  }
  // Thinking never ends in whitespace (the newline before "</think>"), as Ollama reports it;
  // trailing whitespace is emitted once more thinking follows it.
  // Nor starts with it (the newline after "<think>").
  std::string& reasoning = msg.reasoning_content;
  while (!reasoning.empty() && std::isspace(static_cast<unsigned char>(reasoning.back())))
    reasoning.pop_back();
  reasoning.erase(0, std::min(reasoning.size(), reasoning.find_first_not_of(" \t\r\n")));
  d.thinking = Suffix(reasoning, thinking_);
  thinking_ += d.thinking;
  // While streaming, the last call may still be growing: emit only those followed by another.
  const size_t complete =
      final ? msg.tool_calls.size() : (msg.tool_calls.empty() ? 0 : msg.tool_calls.size() - 1);
  std::string invalid;
  for (size_t i = calls_seen_; i < complete; ++i, ++calls_seen_) {
    const common_chat_tool_call& c = msg.tool_calls[i];
    chat::ToolCall call{c.id, c.name, ""};
    if (!c.name.empty() && NormalizeArguments(c.arguments, &call.arguments_json)) {
      d.tool_calls.push_back(call);
      calls_.push_back(std::move(call));
    } else {
      invalid += c.name + c.arguments;
    }
  }
  std::string content = msg.content + invalid;
  if (final && !parsed) content = text_;
  // After thinking, the whitespace that separates it from the answer is not content.
  if (!content_started_) {
    const size_t first = content.find_first_not_of(" \t\r\n");
    if (!thinking_.empty()) content_skip_ = first == std::string::npos ? content.size() : first;
    content_started_ = first != std::string::npos;
  }
  content.erase(0, std::min(content_skip_, content.size()));
  d.content = Suffix(content, content_);
  content_ += d.content;
  return d;
}

}  // namespace hearth::engine
