#pragma once
// Backend: what serves gotmpl::Requests. The server's inference routes talk only to this
// interface. Implementations: the local model scheduler (the local backend), the gateway's remote
// deployments (one upstream API each) and the gateway itself, which routes a model group over
// deployments (balancing, retries, cooldowns, fallbacks) behind the same interface. Decorators
// (guard, meter) wrap a Backend. Implementations are thread-safe: any number of server threads
// call them at once.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "chat/request.h"

namespace hearth::chat {

// A model in memory, as /api/ps and `hearth ps` show it.
struct RunningModel {
  std::string name;            // "qwen2.5-coder:1.5b"
  std::string digest;          // manifest digest, hex without "sha256:" (as Ollama's /api/ps)
  uint64_t size = 0;           // bytes in memory: weights + KV cache + compute buffers
  uint64_t size_vram = 0;      // of which on a GPU
  int32_t context_length = 0;  // per-sequence context as allocated now
  std::chrono::system_clock::time_point expires_at;  // far future when kept forever
  std::string format, family, parameter_size, quantization_level;
  std::vector<std::string> families;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // Starts `request`. On OK the sink receives the chunks (the last with done set) on a backend
  // thread, possibly before Generate returns (a load-only request's one done chunk arrives on the
  // calling thread, inside Generate: a sink must not take a lock its caller holds around
  // Generate). Generate may block while the model loads or waits for room (a worker thread, not
  // an I/O thread, should call it). A sink must not call back into the Backend: chunks arrive on
  // an engine's thread, which Generate or Unload may need to stop. On an error no chunk is
  // delivered:
  //   NotFound            unknown model ("model 'x' not found")
  //   InvalidArgument     bad request for this model (no FIM/vision/tools support, prompt too
  //                       long with truncate=false — the message carries the token counts, bad
  //                       format/grammar, option of the wrong type)
  //   ResourceExhausted   the queue is full (HEARTH_MAX_QUEUE): the server answers 503; or not
  //                       even the smallest context fits in memory ("model requires more
  //                       system memory (X) than is available (Y)")
  //   Internal / DataLoss the model failed to load
  //   Cancelled           request.cancel fired while the request waited for its model
  //   Unavailable         the backend is shutting down
  // An empty kGenerate prompt (or kChat with no messages) only loads the model (or, with
  // keep_alive 0, unloads it) and delivers one done chunk with done_reason kStop ("load"/"unload"
  // is the api layer's business: it sees keep_alive and the empty input).
  virtual Status Generate(Request request, ChunkSink sink) = 0;

  // The number of prompt tokens `request` would take if Generate ran it: the prompt rendered
  // exactly as Generate renders it (template, system, tools, tool_choice, think) and tokenized
  // with the model's tokenizer, with nothing dropped to fit the context (a prompt too long to run
  // is still counted) and nothing generated. Blocking; call from a worker thread. It may load the
  // model (the local scheduler does, with the request's keep_alive, as Generate). Errors as
  // Generate (NotFound, InvalidArgument for what the model cannot render, ResourceExhausted,
  // ...); InvalidArgument for an empty input. The default says the backend cannot count
  // (FailedPrecondition): a remote backend without a counting endpoint keeps it.
  virtual Result<int32_t> CountTokens(Request request) {
    (void)request;
    return Status(StatusCode::kFailedPrecondition, "this backend cannot count tokens");
  }

  // Embeds every input (blocking; call from a worker thread). Errors as Generate; which models
  // may embed follows Ollama (the local scheduler's header says).
  virtual Result<EmbedResult> Embed(EmbedRequest request) = 0;

  // Models in memory, most recently used first.
  virtual std::vector<RunningModel> Running() const = 0;

  // Unloads `model` now (waits for its running requests to finish or be cancelled). NotFound
  // when it is not loaded.
  virtual Status Unload(const std::string& model) = 0;
};

}  // namespace hearth::chat
