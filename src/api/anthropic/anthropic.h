#pragma once
// Anthropic's Messages API (POST /v1/messages) as pure conversions between wire JSON and the
// chat:: model: the request (system string or blocks, content blocks text/image/tool_use/
// tool_result/thinking, tools with input_schema, tool_choice, max_tokens required), the
// non-streamed message object, and the streamed event sequence (message_start,
// content_block_start/delta/stop, message_delta, message_stop). Strict parsing as the other
// dialects. Pure functions; MessageStream is thread-compatible.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/fields.h"
#include "base/status.h"
#include "chat/request.h"

namespace hearth::api::anthropic {

struct ParsedRequest {
  chat::Request request;
  bool stream = false;
};

Result<ParsedRequest> ParseMessages(const Json& body);

// POST /v1/messages/count_tokens: the Messages body without max_tokens (model, messages, system,
// tools, tool_choice, thinking; stream and sampling fields are ignored), parsed as strictly as
// ParseMessages, into the request whose prompt is to be counted.
Result<chat::Request> ParseCountTokens(const Json& body);
// {"input_tokens": N}.
std::string CountTokensJson(int32_t input_tokens);

// "end_turn", "max_tokens" or "tool_use".
const char* StopReason(const chat::Chunk& done, bool made_tool_calls);

struct Event {
  std::string name;  // the SSE event name, e.g. "content_block_delta"
  std::string data;  // its JSON payload
};

// Turns a chunk stream into Anthropic's events. Text and thinking deltas extend the open content
// block of their kind; each tool call is one tool_use block with one input_json_delta.
class MessageStream {
 public:
  MessageStream(std::string id, std::string model) : id_(std::move(id)), model_(std::move(model)) {}
  std::vector<Event> Encode(const chat::Chunk& chunk);

 private:
  enum class Block { kNone, kText, kThinking };
  void Close(std::vector<Event>* out);
  void Open(Block kind, std::vector<Event>* out);

  std::string id_, model_;
  bool started_ = false;
  Block open_ = Block::kNone;
  int index_ = -1;  // index of the last block started
  bool made_tool_calls_ = false;
};

// The non-streamed message object from the folded chunk (see FoldChunk).
std::string MessageJson(std::string_view id, std::string_view model, const chat::Chunk& folded);

// {"type":"error","error":{"type","message"}} with the type from the HTTP status
// (invalid_request_error, authentication_error, not_found_error, overloaded_error for 503,
// api_error).
std::string ErrorJson(int http_status, std::string_view message);

}  // namespace hearth::api::anthropic
