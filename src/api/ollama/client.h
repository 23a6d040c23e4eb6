#pragma once
// Client side of Ollama's native API (/api/chat, /api/generate, /api/embed): hearth calling
// another Ollama or hearth (LiteLLM's ollama_chat/ and ollama/ providers). Every Ollama option is
// meaningful upstream, so options (load-time ones included), keep_alive, truncate (sent only
// when false), think, format, tools, base64 images and logprobs all pass through. General
// conventions (images, tool-call ids): api/client.h.
//
// Refused: tool_choice "required" or a named function (Ollama has no tool_choice; "none" is sent
// as no tools, which is what it means), a GBNF grammar format, a template override on /api/chat,
// tools on /api/generate.
// Streams are NDJSON: the transport feeds one line at a time.
// Thread-compatible.

#include <string>
#include <string_view>
#include <vector>

#include "api/client.h"
#include "api/fields.h"
#include "base/status.h"
#include "chat/request.h"

namespace hearth::api::ollama {

// POST /api/chat. A kGenerate request without suffix/raw/template becomes a system and a user
// message.
Result<OrderedJson> EncodeChatRequest(const chat::Request& request, const ClientOptions& options);
// POST /api/generate (kGenerate only): prompt, suffix, system, template, raw, images.
Result<OrderedJson> EncodeGenerateRequest(const chat::Request& request,
                                          const ClientOptions& options);
// POST /api/embed: {"model","input":[...],["truncate":false],["dimensions"],["options"],
// ["keep_alive"]}.
Result<OrderedJson> EncodeEmbedRequest(const chat::EmbedRequest& request,
                                       const ClientOptions& options);

// A non-streamed /api/chat or /api/generate answer (one object; NDJSON lines are folded too) ->
// one done Chunk: message.content / response, thinking, tool_calls (object arguments), logprobs,
// done_reason ("length" -> kLength, anything else -> kStop), prompt_eval_count, eval_count,
// total/load/prompt_eval/eval durations (ns), truncated. DataLoss naming "ollama" for bad JSON or
// a body without a done object.
Result<chat::Chunk> DecodeResponse(std::string_view body);
// /api/embed: embeddings, prompt_eval_count, total/load durations.
Result<chat::EmbedResult> DecodeEmbedResponse(std::string_view body);

// {"error":"..."} -> Status with the HTTP status's code; kind "context_length" when the message
// is about the context length, "rate_limit" for 429. Retry-After as seconds or an HTTP date.
Status DecodeError(int http_status, std::string_view body, std::string_view retry_after_header);

// Decodes NDJSON lines of a streamed /api/chat or /api/generate answer. Blank lines are skipped;
// a line {"error":"..."} is returned as kUnavailable with its message; lines after the done
// object are ignored.
class StreamDecoder {
 public:
  Status Feed(std::string_view line, std::vector<chat::Chunk>& out);
  // DataLoss when no done object arrived.
  Status Finish(std::vector<chat::Chunk>& out);

 private:
  bool done_ = false;
};

}  // namespace hearth::api::ollama
