#pragma once
// Embedder: one llama context in embedding mode, turning texts into L2-normalized vectors as
// Ollama's /api/embed does. Pooling comes from the GGUF (`<arch>.pooling_type`: mean, cls,
// last); a model without one (an ordinary decoder) is pooled on its last token, which is what
// Ollama's runner returns for such models (Ollama's EmbedHandler schedules the model with no
// capability requirement, so a completion model may embed too). Rank (reranker) models are
// refused. Thread-safe: Embed calls are serialized on the one context.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/cancel.h"
#include "base/status.h"
#include "engine/engine.h"
#include "engine/model.h"

namespace hearth::engine {

struct EmbedderOptions {
  int32_t n_ctx = 2048;   // tokens per input (capped at the model's training context)
  int32_t n_seq_max = 8;  // inputs decoded together in one batch
  int32_t n_threads = 0;  // 0: all hardware threads
  // Override of the GGUF's pooling: "" (the model's), "mean", "cls" or "last".
  std::string pooling;
};

struct EmbedOptions {
  // true: an input longer than the context is cut to its first n_ctx tokens (the last one
  // replaced by the vocabulary's EOS/SEP when it appends one). false: InvalidArgument naming the
  // input's index and token counts.
  bool truncate = true;
  // > 0 and smaller than the model's width: keep the first N dimensions, then re-normalize.
  int32_t dimensions = 0;
  CancelTokenPtr cancel;  // checked between batches: Cancelled
};

struct Embedding {
  std::vector<float> values;  // L2 norm 1
  int32_t tokens = 0;         // tokens evaluated (after truncation)
  bool truncated = false;
};

class Embedder {
 public:
  // InvalidArgument for a null model, bad options or a rank model; ResourceExhausted when the
  // context cannot be allocated.
  static Result<std::unique_ptr<Embedder>> Create(ModelPtr model, const EmbedderOptions& options);
  ~Embedder();
  Embedder(const Embedder&) = delete;
  Embedder& operator=(const Embedder&) = delete;

  // One embedding per input, in order. The result for an input does not depend on the other
  // inputs of the batch. Errors: InvalidArgument (an input that tokenizes to nothing, or too
  // long with truncate=false; the message names the input index), Cancelled, Internal (decode
  // failure or a NaN/Inf embedding).
  Result<std::vector<Embedding>> Embed(const std::vector<std::string>& inputs,
                                       const EmbedOptions& options = {});

  const ModelPtr& model() const { return model_; }
  const EmbedderOptions& options() const { return options_; }  // n_ctx as allocated
  const std::string& pooling() const { return pooling_; }      // "mean", "cls" or "last"
  int32_t dimensions() const { return n_embd_; }
  MemoryReport memory() const { return memory_; }  // weights + this context's buffers

 private:
  struct Impl;
  Embedder() = default;
  Result<std::vector<float>> Pool(int32_t seq) const;
  ModelPtr model_;
  EmbedderOptions options_;
  std::string pooling_;
  int32_t n_embd_ = 0;
  MemoryReport memory_;
  std::mutex mu_;
  std::unique_ptr<Impl> impl_;
};

using EmbedderPtr = std::unique_ptr<Embedder>;

// Scales `v` to unit L2 norm (a zero vector stays zero). InvalidArgument when it holds NaN/Inf.
Status NormalizeL2(std::vector<float>* v);

}  // namespace hearth::engine
