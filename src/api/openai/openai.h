#pragma once
// OpenAI's API (/v1/chat/completions, /v1/completions, /v1/embeddings, /v1/models) as pure
// conversions between wire JSON and the chat:: model, including the SSE chunk sequence. Tool
// call arguments are a JSON *string* here (an object on /api). Parsing is strict: a wrong type is
// an InvalidArgument naming the field; unsupported features that would silently change the
// answer (n > 1, echo, token-array prompts, image URLs) are clear InvalidArguments. Pure
// functions; encoders are thread-compatible.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/fields.h"
#include "base/status.h"
#include "chat/request.h"

namespace hearth::api::openai {

struct ParsedRequest {
  chat::Request request;
  bool stream = false;         // OpenAI streams only on "stream": true
  bool include_usage = false;  // stream_options.include_usage
};

// POST /v1/chat/completions.
Result<ParsedRequest> ParseChatCompletion(const Json& body);
// POST /v1/completions (a kGenerate request; prompt string or a one-element array, suffix).
Result<ParsedRequest> ParseCompletion(const Json& body);

struct ParsedEmbeddings {
  chat::EmbedRequest request;
  bool base64 = false;  // encoding_format "base64": little-endian float32, base64-encoded
};
// POST /v1/embeddings: input string or array of strings (token arrays are refused).
Result<ParsedEmbeddings> ParseEmbeddings(const Json& body);

// What every response object of one request shares.
struct ResponseMeta {
  std::string id;       // "chatcmpl-..." / "cmpl-..."
  int64_t created = 0;  // unix seconds
  std::string model;
};

// "stop", "length", or "tool_calls" (when the answer made tool calls and stopped).
const char* FinishReason(const chat::Chunk& done, bool made_tool_calls);

// The SSE data payloads (no "data: " framing) of a streamed chat completion: a first chunk with
// the assistant role, one per content/reasoning/tool-call delta, a last one with finish_reason,
// and with include_usage a final {"choices":[],"usage":{...}} chunk.
class ChatStream {
 public:
  ChatStream(ResponseMeta meta, bool include_usage)
      : meta_(std::move(meta)), include_usage_(include_usage) {}
  std::vector<std::string> Encode(const chat::Chunk& chunk);

 private:
  ResponseMeta meta_;
  bool include_usage_;
  bool role_sent_ = false;
  int tool_calls_ = 0;
};

// A non-streamed chat.completion from the folded chunk (see FoldChunk).
std::string ChatCompletionJson(const ResponseMeta& meta, const chat::Chunk& folded);

// SSE payloads of a streamed text_completion, as ChatStream.
class CompletionStream {
 public:
  CompletionStream(ResponseMeta meta, bool include_usage)
      : meta_(std::move(meta)), include_usage_(include_usage) {}
  std::vector<std::string> Encode(const chat::Chunk& chunk);

 private:
  ResponseMeta meta_;
  bool include_usage_;
};

std::string CompletionJson(const ResponseMeta& meta, const chat::Chunk& folded);

// {"object":"list","data":[{"object":"embedding","embedding":[...] or "<base64>","index"}],
// "model","usage":{"prompt_tokens","total_tokens"}}.
std::string EmbeddingsJson(const chat::EmbedResult& result, std::string_view model, bool base64);
// Little-endian float32 bytes of `v`, base64-encoded (what openai-node decodes).
std::string EncodeFloatsBase64(const std::vector<float>& v);

struct ModelEntry {
  std::string id;        // "qwen2.5-coder:1.5b"
  int64_t created = 0;   // unix seconds of the last modification
  std::string owned_by;  // the name's namespace ("library")
};
// {"id","object":"model","created","owned_by"}.
std::string ModelJson(const ModelEntry& model);
// {"object":"list","data":[...]}.
std::string ModelsJson(const std::vector<ModelEntry>& models);

// OpenAI's error object {"error":{"message","type","param","code"}}: type from the HTTP status
// (400 invalid_request_error, 401 authentication_error, 404 not_found_error, 5xx api_error);
// param is the field named by an "invalid ... for field '<f>'" message, else null.
std::string ErrorJson(int http_status, std::string_view message);

}  // namespace hearth::api::openai
