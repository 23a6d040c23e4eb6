#include "engine/sampling.h"

#include <llama.h>

#include <exception>
#include <random>

namespace hearth::engine {

void SamplerDeleter::operator()(llama_sampler* s) const { llama_sampler_free(s); }

Result<std::unique_ptr<Sampler>> Sampler::Create(const Model& model, const chat::SamplingOptions& o,
                                                 const std::string& grammar, int32_t n_ctx) {
  const llama_vocab* vocab = llama_model_get_vocab(model.raw());
  std::unique_ptr<Sampler> s(new Sampler());
  s->n_vocab_ = llama_vocab_n_tokens(vocab);
  s->candidates_.resize(sizeof(llama_token_data) * s->n_vocab_);
  if (!grammar.empty()) {
    s->grammar_.reset(llama_sampler_init_grammar(vocab, grammar.c_str(), "root"));
    if (!s->grammar_) return InvalidArgument("the output grammar does not parse");
  }
  llama_sampler_chain_params cp = llama_sampler_chain_default_params();
  cp.no_perf = true;
  s->chain_.reset(llama_sampler_chain_init(cp));
  llama_sampler* chain = s->chain_.get();
  const int32_t last_n = o.repeat_last_n < 0 ? n_ctx : o.repeat_last_n;
  if (last_n != 0 && (o.repeat_penalty != 1.0f || o.presence_penalty != 0.0f ||
                      o.frequency_penalty != 0.0f)) {
    llama_sampler_chain_add(chain, llama_sampler_init_penalties(s->n_vocab_, last_n, o.repeat_penalty,
                                                                o.frequency_penalty,
                                                                o.presence_penalty));
  }
  if (o.temperature <= 0.0f) {
    llama_sampler_chain_add(chain, llama_sampler_init_greedy());
    return s;
  }
  if (o.top_k > 0) llama_sampler_chain_add(chain, llama_sampler_init_top_k(o.top_k));
  if (o.typical_p > 0.0f && o.typical_p < 1.0f)
    llama_sampler_chain_add(chain, llama_sampler_init_typical(o.typical_p, 1));
  if (o.top_p > 0.0f && o.top_p < 1.0f)
    llama_sampler_chain_add(chain, llama_sampler_init_top_p(o.top_p, 1));
  if (o.min_p > 0.0f) llama_sampler_chain_add(chain, llama_sampler_init_min_p(o.min_p, 1));
  llama_sampler_chain_add(chain, llama_sampler_init_temp(o.temperature));
  const uint32_t seed = o.seed < 0 ? std::random_device{}() : static_cast<uint32_t>(o.seed);
  llama_sampler_chain_add(chain, llama_sampler_init_dist(seed));
  return s;
}

void Sampler::AcceptPrompt(const std::vector<Token>& prompt) {
  for (Token t : prompt) llama_sampler_accept(chain_.get(), t);
}

Result<Token> Sampler::Sample(llama_context* ctx, int32_t index) {
  try {
    const float* logits = llama_get_logits_ith(ctx, index);
    if (!logits) return Internal("no logits for output row " + std::to_string(index));
    auto* cand = reinterpret_cast<llama_token_data*>(candidates_.data());
    for (int32_t t = 0; t < n_vocab_; ++t) cand[t] = {t, logits[t], 0.0f};
    llama_token_data_array arr{cand, static_cast<size_t>(n_vocab_), -1, false};
    if (grammar_) llama_sampler_apply(grammar_.get(), &arr);
    llama_sampler_apply(chain_.get(), &arr);
    if (arr.selected < 0 || static_cast<size_t>(arr.selected) >= arr.size)
      return Internal("the sampler selected no token");
    const Token tok = arr.data[arr.selected].id;
    if (grammar_) llama_sampler_accept(grammar_.get(), tok);
    llama_sampler_accept(chain_.get(), tok);
    return tok;
  } catch (const std::exception& e) {
    return Internal(std::string("sampling failed: ") + e.what());
  }
}

}  // namespace hearth::engine
