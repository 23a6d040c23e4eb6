#pragma once
// The one internal request model every API dialect converts to and from (STYLE.md §5 "chat").
// Plain value types; thread-compatible.

#include <string>
#include <vector>

namespace hearth::chat {

struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments_json;  // a JSON object, serialized
};

struct Tool {
  std::string name;
  std::string description;
  std::string parameters_json;  // a JSON Schema object, serialized
};

struct Message {
  std::string role;  // system | user | assistant | tool
  std::string content;
  std::string thinking;
  std::vector<ToolCall> tool_calls;  // assistant messages
  std::string tool_name;             // tool messages: which tool produced this result
  std::string tool_call_id;          // tool messages: which call this answers
};

}  // namespace hearth::chat
