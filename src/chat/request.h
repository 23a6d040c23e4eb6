#pragma once
// The one internal request/response model that every API dialect (api/ollama, api/openai,
// api/anthropic) converts to and from, and that every backend (chat/backend.h) serves: N dialects + M
// backends, not N x M. Plain value types; thread-compatible.
//
// Options are kept as the client set them (sparse, typed, in order) and merged by the backend:
// engine defaults < the model's Modelfile PARAMETERs < the request's options, as Ollama does.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/cancel.h"
#include "base/status.h"
#include "chat/message.h"
#include "chat/options.h"
#include "chat/parameters.h"

namespace hearth::chat {

// One option as the client set it ("temperature" = 0.2, "num_ctx" = 8192, "stop" = "\n"): the
// name is an Ollama option name (FindParameter knows it), the value already type-checked. A
// kStringList option (stop) appears once per element; a request that sets `stop` replaces the
// model's stop list rather than appending to it.
using OptionSetting = std::pair<std::string, ParameterValue>;

// OpenAI's tool_choice / Anthropic's tool_choice. kRequired and kFunction are enforced by a
// grammar (the model cannot answer with anything but a call), kNone hides the tools.
struct ToolChoice {
  enum class Mode { kAuto, kNone, kRequired, kFunction };
  Mode mode = Mode::kAuto;
  std::string function;  // kFunction: the tool that must be called
};

// Ollama's "think": unset (the model's default), true/false, or a level ("low"/"medium"/"high").
struct ThinkSetting {
  bool set = false;
  bool enabled = false;
  std::string level;  // empty unless a level was given (then enabled is true)
};

// Which backend answers a request, reported once before its first chunk (see Request::on_route):
// the server turns it into x-hearth-backend / x-hearth-model / x-hearth-attempts headers.
struct RouteDecision {
  std::string backend;     // "local" or a provider name ("openai", "anthropic", ...)
  std::string deployment;  // the gateway deployment id ("" when no model group was involved)
  int32_t attempts = 0;    // attempts made so far, this one included
};

enum class RequestKind {
  kChat,      // messages rendered by the model's template (/api/chat, /v1/chat/completions, ...)
  kGenerate,  // prompt (+ suffix: fill-in-the-middle; raw: no template) (/api/generate, ...)
};

struct Request {
  RequestKind kind = RequestKind::kChat;
  std::string model;  // as the client wrote it; the backend resolves it

  // kChat.
  std::vector<Message> messages;
  // kGenerate.
  std::string prompt;
  std::string suffix;             // non-empty: fill-in-the-middle (needs the insert capability)
  std::string system;             // overrides the model's SYSTEM
  std::string template_override;  // overrides the model's TEMPLATE (Ollama Go-template syntax)
  bool raw = false;               // the prompt goes to the model as is, no template
  // Ollama's deprecated "context": the token ids of an earlier exchange (a previous done chunk's
  // `context`), placed before the rendered prompt so the model continues from it. Not with raw.
  std::vector<int32_t> context;

  std::vector<Tool> tools;
  ToolChoice tool_choice;
  std::vector<std::string> images;  // raw image bytes (decoded); refused without vision
  std::vector<OptionSetting> options;
  OutputFormat format;  // JSON / JSON schema / grammar constraint on the output
  ThinkSetting think;
  bool logprobs = false;
  int32_t top_logprobs = 0;  // 0..20 alternatives per token (needs logprobs)

  // nullopt: the server default (HEARTH_KEEP_ALIVE, 5m). Negative: forever; zero: unload when
  // this request finishes.
  std::optional<std::chrono::nanoseconds> keep_alive;
  // false: a prompt that does not fit the context is an error (InvalidArgument with the token
  // counts) instead of dropping the oldest non-system messages.
  bool truncate = true;
  CancelTokenPtr cancel;  // fires when the client goes away
  // Optional. The gateway calls it once, on the thread that delivers the chunk, just before the
  // first chunk of the answer reaches the sink (after any retries that happened before it). A
  // later mid-stream failover does not call it again (the final chunk says who finished). Must be
  // quick and must not call back into the backend. Backends below the gateway ignore it.
  std::function<void(const RouteDecision&)> on_route;
};

// Timings and token counts, Ollama's final-chunk metrics (reported in nanoseconds on /api).
struct Usage {
  int32_t prompt_tokens = 0;      // prompt_eval_count
  int32_t completion_tokens = 0;  // eval_count
  // Of prompt_tokens, how many an upstream served from its prompt cache (OpenAI's
  // prompt_tokens_details.cached_tokens, Anthropic's cache_read_input_tokens, Gemini's
  // cachedContentTokenCount); 0 when unknown or local.
  int32_t cached_tokens = 0;
  std::chrono::nanoseconds total{0};
  std::chrono::nanoseconds load{0};
  std::chrono::nanoseconds prompt_eval{0};
  std::chrono::nanoseconds eval{0};
};

struct TokenLogprob {
  std::string token;
  double logprob = 0;
  std::vector<TokenLogprob> top;  // the most likely alternatives at this position (no nesting)
};

// One piece of a streamed answer. Deltas are appended by the client; the last chunk has done set
// and carries the totals. A non-streaming response is all chunks folded together.
struct Chunk {
  std::string content;   // text delta
  std::string thinking;  // reasoning delta (models with a thinking switch)
  std::vector<ToolCall> tool_calls;  // complete calls (arguments a JSON object), when parsed
  std::vector<TokenLogprob> logprobs;

  bool done = false;
  // done only:
  DoneReason done_reason = DoneReason::kStop;
  Status error;  // non-OK iff done_reason == kError (after streaming began)
  Usage usage;
  bool truncated = false;               // the oldest messages were dropped to fit the context
  int32_t original_prompt_tokens = 0;   // when truncated: the prompt's size before dropping
  std::string model;                    // the resolved model name, e.g. "qwen2.5-coder:1.5b"
  // Set by the gateway (done only): who answered last and how many attempts the request took,
  // retries, fallbacks and mid-stream failovers included. Empty/0 from other backends.
  std::string backend;     // "local" or the provider name
  std::string deployment;  // the deployment id ("" outside model groups)
  int32_t attempts = 0;
  // kGenerate without raw (Ollama's "context"): the token ids of the prompt as the model saw it
  // (request.context included) followed by the generated tokens (a final end-of-generation token
  // left out; tokens of a matched stop string kept: the model produced them). Send it back as
  // Request::context to continue. Empty for chat and raw requests and for backends without it.
  std::vector<int32_t> context;
};

// Receives the chunks of one request, on a backend thread. Returning false cancels the request
// (its final done chunk still arrives). Must not block for long.
using ChunkSink = std::function<bool(Chunk&& chunk)>;

struct EmbedRequest {
  std::string model;
  std::vector<std::string> inputs;
  bool truncate = true;     // false: an input longer than the context is InvalidArgument
  int32_t dimensions = 0;   // > 0: keep the first N dimensions (then re-normalize)
  std::vector<OptionSetting> options;
  std::optional<std::chrono::nanoseconds> keep_alive;
  CancelTokenPtr cancel;
};

struct EmbedResult {
  std::string model;
  std::vector<std::vector<float>> embeddings;  // one per input, L2-normalized
  Usage usage;  // prompt_tokens = all inputs' tokens; total and load durations
};

}  // namespace hearth::chat
