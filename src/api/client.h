#pragma once
// What the client-side codecs (api/<dialect>/client.h: hearth calling an upstream LLM API) share:
// the options every encoder takes, the upstream error vocabulary (HTTP status -> StatusCode,
// Retry-After), a reader for upstream response JSON that turns a wrong type into DataLoss naming
// the dialect and the field, and the request-side helpers (option tables, tool-call ids, images).
// No networking: the transport hands the decoders bodies, SSE `data:` payloads or NDJSON lines.
// Pure functions; thread-safe. Decoder classes are thread-compatible.
//
// Conventions of every dialect's encoder:
//  - A feature the provider cannot honour is InvalidArgument naming the field and the provider,
//    e.g. `option top_k is not supported by provider openai`; nothing is dropped silently.
//  - Ignored everywhere (meaningless for a remote model, harmless to drop): the load-time options
//    num_ctx, num_batch, num_gpu, main_gpu, use_mmap, num_thread, draft_num_predict, and num_keep;
//    keep_alive and truncate for every provider but Ollama; Request::model (the upstream name
//    comes from ClientOptions::model).
//  - Request::images (a flat list) are attached to the last user message (kChat) or to the
//    prompt (kGenerate); images with no user message to carry them are InvalidArgument.
//  - Tool calls without an id get "call_<message index>_<call index>"; a tool message without
//    tool_call_id answers the first unanswered call of the preceding assistant turn whose name
//    matches tool_name (or the only one left). Providers that need ids get them this way.
//  - Scalar options set more than once: the last value wins (as the backend merges them).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/fields.h"
#include "base/status.h"
#include "chat/request.h"

namespace hearth::api {

struct ClientOptions {
  std::string model;    // the upstream's model name (goes in the body, or in Gemini's URL)
  bool stream = false;  // ask for a streamed answer
  // OpenAI dialect only: the upstream is an OpenAI-compatible server (vLLM, llama-server, SGLang)
  // that also accepts top_k, min_p, typical_p, repeat_penalty and repeat_last_n at the top level.
  // Off (api.openai.com): those options are InvalidArgument.
  bool sampling_extensions = false;
};

// ---- Upstream errors ----

// The StatusCode for an upstream HTTP status: 400/422 kInvalidArgument, 401/403
// kPermissionDenied, 404 kNotFound, 408 kDeadlineExceeded, 413/429 kResourceExhausted, 402
// kResourceExhausted (billing), 409 kFailedPrecondition, 5xx and 529 kUnavailable, any other 4xx
// kInvalidArgument, anything else kInternal.
StatusCode CodeForHttpStatus(int http_status);

// Retry-After (RFC 9110): delay-seconds ("120", fractional seconds accepted) or an HTTP-date
// (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT",
// asctime "Sun Nov  6 08:49:37 1994"), in milliseconds from `now`. A date in the past is 0.
// -1 when empty or unparsable.
int64_t ParseRetryAfterMs(std::string_view value, std::chrono::system_clock::time_point now);
inline int64_t ParseRetryAfterMs(std::string_view value) {
  return ParseRetryAfterMs(value, std::chrono::system_clock::now());
}

// A Status with CodeForHttpStatus(http_status) (or `code_override` when set), the message
// "<provider> <http_status>: <message>" and UpstreamFacts {http_status, retry_after_ms, kind}.
// `kind` "" becomes "rate_limit" for 429. An empty message becomes the body text (cut to 500
// bytes) or "HTTP <status>".
Status UpstreamError(std::string_view provider, int http_status, std::string_view message,
                     std::string kind, int64_t retry_after_ms,
                     std::optional<StatusCode> code_override = std::nullopt);

// The error of a done chunk whose answer the provider stopped for its content policy (OpenAI
// content_filter or a refusal, Anthropic refusal, Gemini SAFETY): PermissionDenied
// "<provider>: <detail>" with UpstreamFacts {0, -1, "content_policy"} (not an HTTP error).
Status ContentPolicyStop(std::string_view provider, std::string_view detail);

// InvalidArgument "<what> is not supported by provider <provider>".
Status Unsupported(std::string_view what, std::string_view provider);

// ---- Reading upstream JSON ----

// Parses an upstream body or stream payload; DataLoss "<dialect>: malformed JSON in <what>".
Result<OrderedJson> ParseUpstreamJson(std::string_view text, std::string_view dialect,
                                      std::string_view what);

// Typed access to upstream response JSON. Absent and null fields give the default; a field of
// the wrong type records DataLoss "<dialect> response: field '<key>' must be <type>, got <type>"
// (the first error is kept) and gives the default. Never throws.
class UpstreamReader {
 public:
  explicit UpstreamReader(std::string_view dialect) : dialect_(dialect) {}
  // The member `key` of `obj` (nullptr when absent, null, or `obj` is not an object).
  const OrderedJson* Get(const OrderedJson& obj, std::string_view key) const;
  std::string String(const OrderedJson& obj, std::string_view key);
  int64_t Int(const OrderedJson& obj, std::string_view key);  // integral number
  double Number(const OrderedJson& obj, std::string_view key);
  bool Bool(const OrderedJson& obj, std::string_view key);
  const OrderedJson* Array(const OrderedJson& obj, std::string_view key);   // nullptr if absent
  const OrderedJson* Object(const OrderedJson& obj, std::string_view key);  // nullptr if absent
  // Records a DataLoss naming the dialect (first one wins).
  void Fail(std::string message);
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  const std::string& dialect() const { return dialect_; }

 private:
  const OrderedJson* Typed(const OrderedJson& obj, std::string_view key, bool ok_type,
                           const OrderedJson* v, const char* expected);
  std::string dialect_;
  Status status_;
};

// A tool call's argument text as chat::ToolCall::arguments_json: a JSON object re-serialized
// compactly (key order kept); "" -> "{}"; anything else (a model's broken JSON) kept verbatim so
// the client still sees it.
std::string NormalizeArguments(std::string_view text);

// ---- Building requests ----

// The request's options folded: scalars last-wins, stop strings in order. `ignored` names are
// skipped (see the list above).
struct FoldedOptions {
  std::vector<chat::OptionSetting> scalars;  // one per name, in first-seen order
  std::vector<std::string> stop;
  const chat::ParameterValue* Find(std::string_view name) const;
};
FoldedOptions FoldOptions(const std::vector<chat::OptionSetting>& options);
// True for the load-time options every remote provider ignores.
bool IsIgnoredRemoteOption(std::string_view name);
// The option's value as JSON (int or float; a float keeps its float32 value's shortest form).
OrderedJson OptionJson(const chat::ParameterValue& v);

// The messages with tool-call ids (and tool names) filled in (see above). With `ids_required`,
// InvalidArgument naming messages[i].tool_call_id when a tool message cannot be matched to a
// call; without, such a message is left as it is.
Result<std::vector<chat::Message>> ResolveToolCallIds(const std::vector<chat::Message>& messages,
                                                      std::string_view provider,
                                                      bool ids_required = true);
// Index of the message that carries Request::images: the last "user" message; -1 when none.
int ImageCarrier(const std::vector<chat::Message>& messages);

// "image/png", "image/jpeg", "image/gif", "image/webp" from the magic bytes; "image/jpeg" when
// unknown (the most common camera format).
const char* ImageMimeType(std::string_view bytes);

// A tool's JSON Schema as JSON ({"type":"object","properties":{}} when empty); InvalidArgument
// naming tools[i].parameters when it is not a JSON object.
Result<OrderedJson> ToolSchema(const chat::Tool& tool, size_t index);

// Parses a stored JSON text (a schema, tool arguments) that must be an object; InvalidArgument
// naming `field` otherwise.
Result<OrderedJson> JsonObjectField(const std::string& text, std::string_view field);

}  // namespace hearth::api
