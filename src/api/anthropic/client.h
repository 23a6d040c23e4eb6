#pragma once
// Client side of Anthropic's Messages API (POST /v1/messages): hearth calling Anthropic. The
// encoder turns a chat::Request into the request body; the decoders turn the message object,
// the typed SSE events and error bodies into chat::Chunk / Status. General conventions (ignored
// options, images, tool-call ids): api/client.h.
//
// Request mapping: system messages (and Request::system) -> top-level "system" (joined by "\n");
// user -> text and image blocks (base64, media type from the magic bytes, images before the
// text); assistant -> text and tool_use blocks (input objects); tool -> a user turn's
// tool_result blocks (tool_use_id); consecutive turns of one role are merged into one message;
// a last assistant message is sent as is, which Anthropic treats as a prefill the answer
// continues. max_tokens (required by Anthropic) = num_predict when > 0, else kDefaultMaxTokens
// (with thinking: at least the thinking budget + kDefaultMaxTokens). stop -> stop_sequences;
// temperature, top_p, top_k; tools with input_schema; tool_choice (auto omitted, none, any,
// tool); think -> thinking {type:enabled, budget_tokens} (low 1024, medium or unset 4096, high
// 16384, max 32768) or {type:disabled}; stream.
// Refused: min_p, typical_p, repeat_penalty, repeat_last_n, presence_penalty, frequency_penalty,
// seed, format (JSON / schema / grammar), logprobs, template, raw, suffix, num_predict not above
// the thinking budget.
// Not sent: earlier assistant turns' `thinking` (Anthropic only takes back thinking blocks with
// the signature it issued, which chat::Message does not keep).
// Usage: prompt_tokens = input_tokens + cache_read_input_tokens + cache_creation_input_tokens
// (OpenAI's meaning: the whole prompt); cached_tokens = cache_read_input_tokens.
// Thread-compatible.

#include <string>
#include <string_view>
#include <vector>

#include "api/client.h"
#include "api/fields.h"
#include "base/status.h"
#include "chat/request.h"

namespace hearth::api::anthropic {

inline constexpr int64_t kDefaultMaxTokens = 4096;

Result<OrderedJson> EncodeMessagesRequest(const chat::Request& request,
                                          const ClientOptions& options);

// The non-streamed message object -> one done Chunk: text blocks as content, thinking blocks as
// thinking, tool_use blocks as tool calls; stop_reason end_turn/stop_sequence/tool_use/pause_turn
// -> kStop, max_tokens/model_context_window_exceeded -> kLength, refusal -> kError with a
// "content_policy" PermissionDenied; usage; model. DataLoss naming "anthropic" on bad JSON.
Result<chat::Chunk> DecodeMessagesResponse(std::string_view body);

// {"type":"error","error":{"type","message"}} -> Status with the HTTP status's code; kind
// "context_length" for an invalid_request_error saying "prompt is too long", "overloaded" for
// 529 / overloaded_error, "rate_limit" for 429. Retry-After as seconds or an HTTP date.
Status DecodeError(int http_status, std::string_view body, std::string_view retry_after_header);

// Decodes the SSE events of a streamed message: message_start (model, input usage),
// content_block_start/delta/stop (text_delta -> content, thinking_delta -> thinking,
// input_json_delta joined per block and emitted as one complete tool call at its
// content_block_stop; signature and citation deltas ignored), message_delta (stop_reason,
// cumulative usage), message_stop (the done chunk), ping and unknown events (ignored), error
// (returned as its Status: overloaded_error -> kUnavailable "overloaded" as HTTP 529,
// rate_limit_error -> 429, api_error -> 500, ...).
class MessageStreamDecoder {
 public:
  // `event` is the SSE event name; when empty the payload's "type" is used.
  Status Feed(std::string_view event, std::string_view data, std::vector<chat::Chunk>& out);
  // End of the body: OK after message_stop; the done chunk when only message_stop was missing
  // after a stop_reason; DataLoss when the stream ended earlier.
  Status Finish(std::vector<chat::Chunk>& out);

 private:
  struct Block {
    int64_t index = 0;
    std::string type;  // text | thinking | tool_use | ...
    std::string id, name, json;
  };
  void EmitDone(std::vector<chat::Chunk>& out);

  bool stopped_ = false;  // stop_reason seen
  bool done_ = false;
  chat::Chunk final_;
  int64_t input_tokens_ = 0, cache_read_ = 0, cache_creation_ = 0;
  std::vector<Block> blocks_;  // open blocks
};

}  // namespace hearth::api::anthropic
