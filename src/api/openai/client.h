#pragma once
// Client side of OpenAI's API: hearth calling api.openai.com or any OpenAI-compatible server
// (vLLM, llama-server, SGLang, another hearth) on /v1/chat/completions, /v1/completions and
// /v1/embeddings. Encoders turn a chat::Request into the request body; decoders turn the
// upstream's response body, SSE `data:` payloads and error bodies into chat::Chunk / EmbedResult
// / Status. General conventions (ignored options, images, tool-call ids): api/client.h.
//
// Request mapping (chat): messages (system, user with image_url data-URI parts for the images,
// assistant with tool_calls whose arguments are a JSON string, tool with tool_call_id), tools,
// tool_choice (omitted for auto; "none"/"required"/{"type":"function",...}; only with tools),
// response_format (json_object; json_schema named "response"), stream and
// stream_options.include_usage, num_predict -> max_tokens (max_completion_tokens for model names
// "o<digit>..." and "gpt-5...", which refuse max_tokens), temperature, top_p, seed (>= 0), stop,
// presence_penalty, frequency_penalty, logprobs/top_logprobs, think -> reasoning_effort (a level
// as is, true -> "medium", false -> "none").
// Refused (InvalidArgument naming field and provider): top_k, min_p, typical_p, repeat_penalty,
// repeat_last_n (unless ClientOptions::sampling_extensions), a GBNF grammar format, a template
// override, raw prompts and suffixes on chat completions.
// Not sent: an assistant turn's earlier `thinking` (OpenAI has no field for it; sent as
// reasoning_content with sampling_extensions, which vLLM and llama-server read).
//
// Thread-compatible; encoders and decoders are pure apart from the stream decoder's state.

#include <string>
#include <string_view>
#include <vector>

#include "api/client.h"
#include "api/fields.h"
#include "base/status.h"
#include "chat/request.h"

namespace hearth::api::openai {

// POST /v1/chat/completions. A kGenerate request becomes a system (Request::system) and a user
// message (the prompt).
Result<OrderedJson> EncodeChatRequest(const chat::Request& request, const ClientOptions& options);
// POST /v1/completions: prompt, suffix (fill-in-the-middle), logprobs as the integer
// top_logprobs. Only kGenerate requests; system, template, images, tools, format and think are
// refused.
Result<OrderedJson> EncodeCompletionRequest(const chat::Request& request,
                                            const ClientOptions& options);
// POST /v1/embeddings: {"model","input":[...],"encoding_format":"float"[,"dimensions"]}.
// `truncate` is ignored (the upstream applies its own limit and answers 400).
Result<OrderedJson> EncodeEmbeddingsRequest(const chat::EmbedRequest& request,
                                            const ClientOptions& options);

// A non-streamed chat.completion -> one done Chunk: content, reasoning_content (or reasoning) as
// thinking, tool calls with arguments as a JSON object text, logprobs, finish_reason (stop,
// tool_calls -> kStop; length -> kLength; content_filter or a refusal -> kError with a
// PermissionDenied error of kind "content_policy"), usage incl. cached tokens, model.
// DataLoss naming "openai" for malformed JSON, wrong field types or no choices.
Result<chat::Chunk> DecodeChatResponse(std::string_view body);
// A non-streamed text_completion (choices[0].text, logprobs.tokens/token_logprobs/top_logprobs).
Result<chat::Chunk> DecodeCompletionResponse(std::string_view body);
// data[].embedding as floats or base64 (little-endian float32), ordered by index; usage.
// Embeddings are returned as the upstream sent them (not re-normalized).
Result<chat::EmbedResult> DecodeEmbeddingsResponse(std::string_view body);

// An error answer: {"error":{"message","type","param","code"}} (OpenAI, llama-server),
// {"message","type","code"} (vLLM), or any text. Code from the HTTP status (CodeForHttpStatus);
// kind "context_length" (code context_length_exceeded, llama-server's exceed_context_size_error,
// or "maximum context length" in the message), "content_policy" (content_filter,
// content_policy_violation), "rate_limit" (429). Retry-After as seconds or an HTTP date.
Status DecodeError(int http_status, std::string_view body, std::string_view retry_after_header);

// Decodes a streamed chat completion (or text completion) from its SSE data payloads, "[DONE]"
// included. Content, thinking and logprobs come out as delta chunks as they arrive; tool-call
// fragments are joined by index and come out as complete calls in one chunk when finish_reason
// arrives; the done chunk (finish reason, the include_usage usage, model) comes at "[DONE]", or
// at Finish() when the upstream closed after finish_reason without "[DONE]".
class ChatStreamDecoder {
 public:
  enum class Endpoint { kChat, kCompletion };
  explicit ChatStreamDecoder(Endpoint endpoint = Endpoint::kChat) : endpoint_(endpoint) {}

  // One `data:` payload. DataLoss for malformed JSON or wrong field types; an in-stream
  // {"error":{...}} is returned as its Status (code from its numeric code, else kUnavailable).
  // Payloads after the done chunk are ignored.
  Status Feed(std::string_view data, std::vector<chat::Chunk>& out);
  // End of the HTTP body: emits the done chunk if only "[DONE]" was missing; DataLoss when the
  // stream ended before any finish_reason.
  Status Finish(std::vector<chat::Chunk>& out);

 private:
  struct PartialCall {
    std::string id, name, arguments;
  };
  void EmitDone(std::vector<chat::Chunk>& out);

  Endpoint endpoint_;
  bool finished_ = false;                               // finish_reason seen
  bool done_ = false;                                   // done chunk emitted
  chat::Chunk final_;                                   // done-only fields gathered so far
  std::vector<std::pair<int64_t, PartialCall>> calls_;  // by stream index
};

}  // namespace hearth::api::openai
