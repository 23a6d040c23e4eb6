#pragma once
// Per-sequence token sampling from Ollama-style options, on libllama samplers. Engine-internal;
// engine thread only once a sequence runs.

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "chat/options.h"
#include "engine/model.h"

struct llama_context;
struct llama_sampler;

namespace hearth::engine {

struct SamplerDeleter {
  void operator()(llama_sampler* s) const;
};
using LlamaSamplerPtr = std::unique_ptr<llama_sampler, SamplerDeleter>;

class Sampler {
 public:
  // The chain is: grammar (when `grammar` is non-empty GBNF) -> penalties (repeat/presence/
  // frequency over repeat_last_n) -> top_k -> typical_p -> top_p -> min_p -> temperature ->
  // seeded draw; temperature <= 0 ends in argmax (greedy) instead. A negative seed draws a random
  // one. InvalidArgument when the grammar does not parse.
  static Result<std::unique_ptr<Sampler>> Create(const Model& model,
                                                 const chat::SamplingOptions& options,
                                                 const std::string& grammar, int32_t n_ctx);
  // Primes the repeat/presence/frequency penalties with prompt tokens (never the grammar).
  void AcceptPrompt(const std::vector<Token>& prompt);
  // Samples from output row `index` of the last decode and accepts the token. Internal when
  // libllama rejects it (e.g. a grammar that can no longer be satisfied).
  Result<Token> Sample(llama_context* ctx, int32_t index);

 private:
  Sampler() = default;
  LlamaSamplerPtr grammar_;  // may be null
  LlamaSamplerPtr chain_;
  int32_t n_vocab_ = 0;
  std::vector<uint8_t> candidates_;  // scratch: llama_token_data[n_vocab]
};

using SamplerPtr = std::unique_ptr<Sampler>;

}  // namespace hearth::engine
