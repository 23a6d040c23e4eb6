#pragma once
// Per-sequence token sampling from Ollama-style options, on libllama samplers. Engine-internal;
// engine thread only once a sequence runs.

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "chat/options.h"
#include "engine/constraint.h"
#include "engine/model.h"

struct llama_context;
struct llama_sampler;

namespace hearth::engine {

struct SamplerDeleter {
  void operator()(llama_sampler* s) const;
};
using LlamaSamplerPtr = std::unique_ptr<llama_sampler, SamplerDeleter>;

// A token and its log-probability under the model's raw distribution (softmax of the logits,
// before any penalty, grammar or truncation), as llama-server and Ollama report them.
struct TokenProb {
  Token token = -1;
  float logprob = 0.0f;
};

struct SampleInfo {
  TokenProb chosen;
  std::vector<TokenProb> top;  // most likely first
};

class Sampler {
 public:
  // The chain is: grammar -> penalties (repeat/presence/frequency over repeat_last_n) -> top_k ->
  // typical_p -> top_p -> min_p -> temperature -> seeded draw; temperature <= 0 ends in argmax
  // (greedy) instead. A negative seed draws a random one. The grammar is `tool` when it is
  // non-empty (lazy ones wake on their triggers; a non-lazy one first consumes tool.prefill),
  // else `grammar` (GBNF, may be empty). InvalidArgument when a grammar does not parse, a lazy
  // grammar has no trigger or a trigger pattern is not a valid regex.
  static Result<std::unique_ptr<Sampler>> Create(const Model& model,
                                                 const chat::SamplingOptions& options,
                                                 const std::string& grammar, int32_t n_ctx,
                                                 const GrammarConstraint& tool = {});
  // Primes the repeat/presence/frequency penalties with prompt tokens (never the grammar).
  void AcceptPrompt(const std::vector<Token>& prompt);
  // Samples from output row `index` of the last decode and accepts the token. With `info`, also
  // reports the token's log-probability and the `top_n` (0..20) most likely tokens. Internal
  // when libllama rejects it (e.g. a grammar that can no longer be satisfied).
  Result<Token> Sample(llama_context* ctx, int32_t index, SampleInfo* info = nullptr,
                       int top_n = 0);
  // True for special tokens the output must show as text (the tool grammar's preserved tokens).
  bool IsPreserved(Token t) const { return preserved_.count(t) != 0; }

 private:
  Sampler() = default;
  LlamaSamplerPtr grammar_;  // may be null
  LlamaSamplerPtr chain_;
  int32_t n_vocab_ = 0;
  std::set<Token> preserved_;
  std::vector<uint8_t> candidates_;  // scratch: llama_token_data[n_vocab]
};

using SamplerPtr = std::unique_ptr<Sampler>;

}  // namespace hearth::engine
