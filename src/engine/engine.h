#pragma once
// Engine: one llama context, owned by one engine thread, decoding N sequences together with
// continuous batching. Callers on any thread Submit requests; a new request joins the running
// batch at the next decode step and never waits for others to finish. Tokens reach the caller
// through callbacks that run on the engine thread. With greedy sampling a sequence's output does
// not depend on what else is in the batch.
//
// Thread-safety: Submit, memory(), options(), active_sequences() and pending_requests() are
// thread-safe. Callbacks run on the engine thread and must not block for long or call Submit
// synchronously waiting for its result.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/cancel.h"
#include "base/status.h"
#include "chat/options.h"
#include "chat/request.h"
#include "engine/constraint.h"
#include "engine/model.h"

namespace hearth::engine {

struct EngineOptions {
  int32_t n_ctx = 4096;     // context tokens per sequence (capped at the model's training context)
  int32_t n_parallel = 4;   // sequences decoded together
  int32_t n_batch = 512;    // tokens per llama_decode call
  int32_t n_threads = 0;    // 0: all hardware threads
};

struct GenerateRequest {
  std::vector<Token> prompt;  // must be non-empty and shorter than the context
  chat::GenerationOptions options;
  // The chat template's tool-call grammar (RenderedPrompt::grammar). When non-empty it replaces
  // options.format, which the template has folded into it; when empty, options.format applies.
  // So with tool_choice kNone (no tool grammar) the output format is what constrains the output.
  GrammarConstraint tool_grammar;
  // Per-token log-probabilities through Callbacks::on_logprob, with top_logprobs (0..20)
  // alternatives each.
  bool logprobs = false;
  int32_t top_logprobs = 0;
  CancelTokenPtr cancel;  // optional; checked before every decode step
};

struct Completion {
  chat::DoneReason done_reason = chat::DoneReason::kStop;
  Status status;  // non-OK iff done_reason == kError
  int32_t prompt_tokens = 0;  // prompt tokens evaluated
  int32_t eval_tokens = 0;    // tokens generated
  std::vector<Token> tokens;  // the generated tokens (including a final end-of-generation token)
  std::chrono::nanoseconds queue_duration{0};        // waiting for a free sequence slot
  std::chrono::nanoseconds prompt_eval_duration{0};  // slot start to first sampled token
  std::chrono::nanoseconds eval_duration{0};         // first sampled token to the end
};

struct Callbacks {
  // Text safe to show (whole UTF-8 characters, no part of a stop string). Return false to cancel.
  std::function<bool(std::string_view text)> on_text;
  // With GenerateRequest::logprobs: once per generated token except an end-of-generation token,
  // before on_text receives that token's text. `token` is the token's bytes (possibly part of a
  // UTF-8 character), logprob its natural-log probability under the raw logits (before
  // penalties, grammar and truncation), `top` the top_logprobs most likely tokens, most likely
  // first. Tokens cut by a stop string are reported too.
  std::function<void(chat::TokenLogprob&& logprob)> on_logprob;
  // Called exactly once, last.
  std::function<void(Completion&& done)> on_done;
};

struct MemoryReport {
  uint64_t weights = 0;   // model tensors
  uint64_t kv_cache = 0;  // KV cache at the chosen context and parallelism
  uint64_t compute = 0;   // compute (scratch) buffers
  uint64_t total() const { return weights + kv_cache + compute; }
};

class Engine {
 public:
  // Creates the context and starts the engine thread. ResourceExhausted when the context cannot
  // be allocated.
  static Result<std::unique_ptr<Engine>> Create(ModelPtr model, const EngineOptions& options);
  // Cancels everything queued or running (their on_done gets kCancelled) and joins the thread.
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Queues `request`. Returns InvalidArgument (and calls no callback) for an empty prompt, a token
  // outside the vocabulary, a prompt that does not fit the per-sequence context, an output
  // format (JSON schema, grammar) or tool grammar that does not compile, or top_logprobs outside
  // 0..20.
  Status Submit(GenerateRequest request, Callbacks callbacks);

  // Convenience for tests and one-shot use: blocks until done; returns the text and completion.
  struct Output {
    std::string text;
    Completion completion;
  };
  Output Generate(GenerateRequest request);

  // Tokens `prompt` takes, tokenized as engine::TokenizePrompt (chat_template.h) does for a
  // rendered (raw = false) or raw prompt: what a GenerateRequest built from it needs of the
  // context (it fits when the count is below options().n_ctx). Thread-safe.
  int32_t CountPromptTokens(std::string_view prompt, bool raw = false) const;

  const ModelPtr& model() const { return model_; }
  const EngineOptions& options() const { return options_; }  // n_ctx as actually allocated
  MemoryReport memory() const { return memory_; }
  int active_sequences() const;
  int pending_requests() const;

 private:
  struct Impl;
  Engine(ModelPtr model, const EngineOptions& options);
  ModelPtr model_;
  EngineOptions options_;
  MemoryReport memory_;
  std::unique_ptr<Impl> impl_;
};

using EnginePtr = std::unique_ptr<Engine>;

}  // namespace hearth::engine
