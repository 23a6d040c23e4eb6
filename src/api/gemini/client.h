#pragma once
// Client side of Google's Gemini API (generativelanguage v1beta): generateContent,
// streamGenerateContent?alt=sse and batchEmbedContents. The model goes in the URL (see the Path
// functions), not the body. General conventions (ignored options, images, tool-call ids):
// api/client.h.
//
// Request mapping: system messages (and Request::system) -> systemInstruction (joined by "\n");
// user -> role "user" with text and inlineData parts; assistant -> role "model" with text and
// functionCall {name, args} parts; tool -> role "user" with a functionResponse {name, response}
// part, where response is the tool's content when it is a JSON object, else {"result": content};
// consecutive turns of one role are merged. tools -> [{functionDeclarations:[{name, description,
// parameters}]}]; tool_choice -> toolConfig.functionCallingConfig (auto omitted, NONE, ANY, ANY
// with allowedFunctionNames). generationConfig: temperature, topP, topK, maxOutputTokens
// (num_predict > 0), stopSequences, seed (>= 0), presencePenalty, frequencyPenalty,
// responseMimeType "application/json" (+ responseSchema for a schema; Gemini accepts an OpenAPI
// subset of JSON Schema and answers 400 for the rest), thinkingConfig (think false ->
// thinkingBudget 0; true -> includeThoughts; a level -> thinkingBudget low 1024, medium 8192,
// high 24576, max 32768, with includeThoughts).
// Refused: min_p, typical_p, repeat_penalty, repeat_last_n, a grammar format, logprobs,
// template, raw, suffix.
// Not sent: earlier assistant turns' `thinking`; tool-call ids (Gemini matches by name).
// Usage: prompt_tokens = promptTokenCount (cached included), completion_tokens =
// candidatesTokenCount + thoughtsTokenCount, cached_tokens = cachedContentTokenCount.
// Thread-compatible.

#include <string>
#include <string_view>
#include <vector>

#include "api/client.h"
#include "api/fields.h"
#include "base/status.h"
#include "chat/request.h"

namespace hearth::api::gemini {

// "/v1beta/models/<model>:generateContent", or ":streamGenerateContent?alt=sse" when streaming.
// A "models/" prefix on `model` is accepted.
std::string GenerateContentPath(std::string_view model, bool stream);
// "/v1beta/models/<model>:batchEmbedContents".
std::string BatchEmbedContentsPath(std::string_view model);

Result<OrderedJson> EncodeGenerateContentRequest(const chat::Request& request,
                                                 const ClientOptions& options);
// {"requests":[{"model":"models/<m>","content":{"parts":[{"text"}]}[,"outputDimensionality"]}]}.
Result<OrderedJson> EncodeBatchEmbedRequest(const chat::EmbedRequest& request,
                                            const ClientOptions& options);

// A GenerateContentResponse -> one done Chunk from candidates[0].content.parts (thought parts ->
// thinking, functionCall -> tool calls), finishReason (STOP and others -> kStop, MAX_TOKENS ->
// kLength, SAFETY / RECITATION / BLOCKLIST / PROHIBITED_CONTENT / SPII / IMAGE_SAFETY -> kError
// with a "content_policy" PermissionDenied, MALFORMED_FUNCTION_CALL -> kError DataLoss), a blocked
// prompt (promptFeedback.blockReason, no candidates) -> kError "content_policy", usageMetadata,
// modelVersion as model.
Result<chat::Chunk> DecodeGenerateContentResponse(std::string_view body);
// batchEmbedContents {"embeddings":[{"values"}]} or embedContent {"embedding":{"values"}}.
Result<chat::EmbedResult> DecodeEmbedResponse(std::string_view body);

// {"error":{"code","message","status","details"}} (also inside a one-element array). Code from
// the HTTP status; kind "context_length" for an INVALID_ARGUMENT about the input token count,
// "content_policy" for a safety block, "rate_limit" for 429. The retry hint is Retry-After, else
// the google.rpc.RetryInfo detail's retryDelay ("37s").
Status DecodeError(int http_status, std::string_view body, std::string_view retry_after_header);

// Decodes streamGenerateContent?alt=sse data payloads (each a GenerateContentResponse with new
// parts): text, thoughts and function calls come out as they arrive; the chunk carrying
// finishReason (with usageMetadata) also yields the done chunk. There is no end marker: Finish()
// is DataLoss when no finishReason arrived.
class StreamDecoder {
 public:
  Status Feed(std::string_view data, std::vector<chat::Chunk>& out);
  Status Finish(std::vector<chat::Chunk>& out);

 private:
  bool done_ = false;
  chat::Chunk final_;  // model and usage seen so far (usageMetadata may come on every event)
};

}  // namespace hearth::api::gemini
