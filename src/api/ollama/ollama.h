#pragma once
// Ollama's native API (/api/generate, /api/chat, /api/embed, /api/embeddings, /api/ps) as pure
// conversions between wire JSON and the chat:: model. Parsing is strict (a wrong type is an
// InvalidArgument naming the field, e.g. "invalid type for field 'options.temperature': expected
// number, got string"); unknown fields are ignored as Ollama ignores them. Output follows
// Ollama's field names and order: metrics only on the done chunk, durations in nanoseconds.
// Pure functions; thread-safe.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "api/fields.h"
#include "base/status.h"
#include "chat/request.h"
#include "chat/backend.h"

namespace hearth::api::ollama {

struct ParsedRequest {
  chat::Request request;
  bool stream = true;  // Ollama streams unless "stream": false
};

// POST /api/generate. Required: model. `context` (token ids of an earlier answer) goes to
// Request::context. InvalidArgument also for raw with template/system/context, a context entry
// that is not a non-negative 32-bit integer, top_logprobs outside 0..20, a format that is neither
// "json" nor a schema object, bad base64 images.
Result<ParsedRequest> ParseGenerate(const Json& body);
// POST /api/chat: messages (role, content, thinking, images, tool_calls with object arguments,
// tool_name, tool_call_id), tools, format, think, options, keep_alive. Message images are
// appended to Request::images in message order.
Result<ParsedRequest> ParseChat(const Json& body);
// POST /api/embed: input is a string or an array of strings; an empty string input means none.
Result<chat::EmbedRequest> ParseEmbed(const Json& body);
// POST /api/embeddings (legacy): {model, prompt, options, keep_alive}; an empty prompt means no
// input.
Result<chat::EmbedRequest> ParseEmbeddings(const Json& body);

// True iff `request` only loads (or, with keep_alive 0, unloads) its model: a generate request
// with an empty prompt and no images, or a chat request without messages.
bool IsLoadOnly(const chat::Request& request);
// "unload" when keep_alive is 0, else "load".
const char* LoadDoneReason(const chat::Request& request);

// One NDJSON line (without the newline) of /api/generate: {"model","created_at","response",
// ["thinking"], ["tool_calls"], "done", ["logprobs"]} and on the done chunk "done_reason",
// "context" (when the chunk has token ids) and the metrics. `done_reason` overrides the chunk's reason when non-empty ("load", "unload").
std::string GenerateChunkJson(const chat::Chunk& chunk, std::string_view model,
                              std::string_view created_at, std::string_view done_reason = {});
// One NDJSON line of /api/chat: as above with "message": {"role":"assistant","content",
// ["thinking"], ["tool_calls" with object arguments]} in place of "response".
std::string ChatChunkJson(const chat::Chunk& chunk, std::string_view model,
                          std::string_view created_at, std::string_view done_reason = {});
// {"model","embeddings","total_duration","load_duration","prompt_eval_count"}.
std::string EmbedJson(const chat::EmbedResult& result, std::string_view model);
// {"embedding":[...]} (the first embedding, or [] when there is none).
std::string EmbeddingsJson(const chat::EmbedResult& result);
// {"models":[{"name","model","size","digest","details":{...},"expires_at","size_vram",
// "context_length"}]}; `format_time` renders expires_at.
std::string PsJson(
    const std::vector<chat::RunningModel>& models,
    const std::function<std::string(std::chrono::system_clock::time_point)>& format_time);

}  // namespace hearth::api::ollama
