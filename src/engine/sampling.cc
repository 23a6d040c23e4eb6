#include "engine/sampling.h"

#include <llama.h>

#include <random>

namespace hearth::engine {

void SamplerDeleter::operator()(llama_sampler* s) const { llama_sampler_free(s); }

SamplerPtr MakeSampler(const llama_model* model, const chat::SamplingOptions& o, int32_t n_ctx) {
  const int32_t n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
  llama_sampler_chain_params cp = llama_sampler_chain_default_params();
  cp.no_perf = true;
  SamplerPtr chain(llama_sampler_chain_init(cp));
  const int32_t last_n = o.repeat_last_n < 0 ? n_ctx : o.repeat_last_n;
  if (last_n != 0 && (o.repeat_penalty != 1.0f || o.presence_penalty != 0.0f ||
                      o.frequency_penalty != 0.0f)) {
    llama_sampler_chain_add(chain.get(), llama_sampler_init_penalties(n_vocab, last_n, o.repeat_penalty,
                                                                      o.frequency_penalty,
                                                                      o.presence_penalty));
  }
  if (o.temperature <= 0.0f) {
    llama_sampler_chain_add(chain.get(), llama_sampler_init_greedy());
    return chain;
  }
  if (o.top_k > 0) llama_sampler_chain_add(chain.get(), llama_sampler_init_top_k(o.top_k));
  if (o.typical_p > 0.0f && o.typical_p < 1.0f)
    llama_sampler_chain_add(chain.get(), llama_sampler_init_typical(o.typical_p, 1));
  if (o.top_p > 0.0f && o.top_p < 1.0f)
    llama_sampler_chain_add(chain.get(), llama_sampler_init_top_p(o.top_p, 1));
  if (o.min_p > 0.0f) llama_sampler_chain_add(chain.get(), llama_sampler_init_min_p(o.min_p, 1));
  llama_sampler_chain_add(chain.get(), llama_sampler_init_temp(o.temperature));
  uint32_t seed = o.seed < 0 ? std::random_device{}() : static_cast<uint32_t>(o.seed);
  llama_sampler_chain_add(chain.get(), llama_sampler_init_dist(seed));
  return chain;
}

}  // namespace hearth::engine
