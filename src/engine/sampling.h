#pragma once
// Builds a libllama sampler chain from Ollama-style sampling options. Engine-internal.

#include <memory>

#include "chat/options.h"

struct llama_model;
struct llama_sampler;

namespace hearth::engine {

struct SamplerDeleter {
  void operator()(llama_sampler* s) const;
};
using SamplerPtr = std::unique_ptr<llama_sampler, SamplerDeleter>;

// Returns a chain: penalties (repeat/presence/frequency over repeat_last_n) -> top_k ->
// typical_p -> top_p -> min_p -> temperature -> seeded draw; temperature <= 0 ends in argmax
// (greedy) instead. A negative seed draws a random one.
SamplerPtr MakeSampler(const llama_model* model, const chat::SamplingOptions& options,
                       int32_t n_ctx);

}  // namespace hearth::engine
