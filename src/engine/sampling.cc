#include "engine/sampling.h"

#include <llama.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <exception>
#include <random>
#include <regex>

namespace hearth::engine {
namespace {

// `word` as a regex that matches it literally.
std::string RegexEscape(const std::string& word) {
  static const std::string kSpecial = R"(\^$.|?*+()[]{}-/)";
  std::string out;
  for (char c : word) {
    if (kSpecial.find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

// The lazy grammar's trigger patterns and tokens, as llama-server derives them: a word that is a
// single preserved token triggers on that token, any other word on its escaped text.
Status Triggers(const Model& model, const GrammarConstraint& g, const std::set<Token>& preserved,
                std::vector<std::string>* patterns, std::vector<llama_token>* tokens) {
  for (const GrammarTrigger& t : g.triggers) {
    switch (t.kind) {
      case GrammarTrigger::Kind::kToken: {
        Token id = t.token;
        if (id < 0) {
          auto ids = model.Tokenize(t.value, false, true);
          if (ids.size() != 1)
            return InvalidArgument("grammar trigger token '" + t.value + "' is not one token");
          id = ids[0];
        }
        tokens->push_back(id);
        break;
      }
      case GrammarTrigger::Kind::kWord: {
        auto ids = model.Tokenize(t.value, false, true);
        if (ids.size() == 1 && preserved.count(ids[0])) {
          tokens->push_back(ids[0]);
        } else {
          patterns->push_back(RegexEscape(t.value));
        }
        break;
      }
      case GrammarTrigger::Kind::kPattern: patterns->push_back(t.value); break;
      case GrammarTrigger::Kind::kPatternFull: {
        std::string p = t.value;
        if (p.empty()) {
          p = "^$";
        } else {
          if (p.front() != '^') p.insert(p.begin(), '^');
          if (p.back() != '$') p.push_back('$');
        }
        patterns->push_back(p);
        break;
      }
    }
  }
  for (const std::string& p : *patterns) {
    try {
      std::regex check(p);
    } catch (const std::exception&) {
      return InvalidArgument("grammar trigger pattern is not a valid regex: " + p);
    }
  }
  return Status();
}

Result<llama_sampler*> ToolGrammar(const Model& model, const GrammarConstraint& g,
                                   const std::set<Token>& preserved) {
  const llama_vocab* vocab = llama_model_get_vocab(model.raw());
  if (!g.lazy) {
    llama_sampler* s = llama_sampler_init_grammar(vocab, g.gbnf.c_str(), "root");
    if (!s) return InvalidArgument("the tool-call grammar does not parse");
    // The template already put the generation prompt in the prompt: advance past it.
    auto ids = model.Tokenize(g.prefill, false, true);
    try {
      for (size_t i = 0; i < ids.size(); ++i) {
        const std::string piece = model.TokenPiece(ids[i], true);
        if (i == 0 && !piece.empty() && std::isspace(static_cast<unsigned char>(piece[0])) &&
            !std::isspace(static_cast<unsigned char>(g.prefill[0])))
          continue;  // a tokenizer's leading space before the first special token
        llama_sampler_accept(s, ids[i]);
      }
    } catch (const std::exception& e) {
      llama_sampler_free(s);
      return InvalidArgument(std::string("the tool-call grammar rejects the generation prompt: ") +
                             e.what());
    }
    return s;
  }
  if (g.triggers.empty()) return InvalidArgument("a lazy grammar needs at least one trigger");
  std::vector<std::string> patterns;
  std::vector<llama_token> tokens;
  HEARTH_RETURN_IF_ERROR(Triggers(model, g, preserved, &patterns, &tokens));
  std::vector<const char*> cpatterns;
  for (const auto& p : patterns) cpatterns.push_back(p.c_str());
  llama_sampler* s = llama_sampler_init_grammar_lazy_patterns(
      vocab, g.gbnf.c_str(), "root", cpatterns.data(), cpatterns.size(), tokens.data(),
      tokens.size());
  if (!s) return InvalidArgument("the tool-call grammar does not parse");
  return s;
}

}  // namespace

void SamplerDeleter::operator()(llama_sampler* s) const { llama_sampler_free(s); }

Result<std::unique_ptr<Sampler>> Sampler::Create(const Model& model, const chat::SamplingOptions& o,
                                                 const std::string& grammar, int32_t n_ctx,
                                                 const GrammarConstraint& tool) {
  const llama_vocab* vocab = llama_model_get_vocab(model.raw());
  std::unique_ptr<Sampler> s(new Sampler());
  s->n_vocab_ = llama_vocab_n_tokens(vocab);
  s->candidates_.resize(sizeof(llama_token_data) * s->n_vocab_);
  for (const std::string& p : tool.preserved_tokens) {
    auto ids = model.Tokenize(p, false, true);
    if (ids.size() == 1) s->preserved_.insert(ids[0]);
  }
  try {
    if (!tool.empty()) {
      HEARTH_ASSIGN_OR_RETURN(llama_sampler * g, ToolGrammar(model, tool, s->preserved_));
      s->grammar_.reset(g);
    } else if (!grammar.empty()) {
      s->grammar_.reset(llama_sampler_init_grammar(vocab, grammar.c_str(), "root"));
      if (!s->grammar_) return InvalidArgument("the output grammar does not parse");
    }
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("the grammar does not compile: ") + e.what());
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

namespace {

void FillInfo(const float* logits, int32_t n_vocab, Token chosen, int top_n, SampleInfo* info) {
  float max = logits[0];
  for (int32_t t = 1; t < n_vocab; ++t) max = std::max(max, logits[t]);
  double sum = 0;
  for (int32_t t = 0; t < n_vocab; ++t) sum += std::exp(static_cast<double>(logits[t] - max));
  const float lse = max + static_cast<float>(std::log(sum));
  info->chosen = {chosen, logits[chosen] - lse};
  info->top.clear();
  top_n = std::clamp(top_n, 0, n_vocab);
  if (top_n == 0) return;
  std::vector<Token> ids(n_vocab);
  for (int32_t t = 0; t < n_vocab; ++t) ids[t] = t;
  std::partial_sort(ids.begin(), ids.begin() + top_n, ids.end(), [&](Token a, Token b) {
    return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
  });
  for (int i = 0; i < top_n; ++i) info->top.push_back({ids[i], logits[ids[i]] - lse});
}

}  // namespace

Result<Token> Sampler::Sample(llama_context* ctx, int32_t index, SampleInfo* info, int top_n) {
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
    if (info) FillInfo(logits, n_vocab_, tok, top_n, info);
    return tok;
  } catch (const std::exception& e) {
    return Internal(std::string("sampling failed: ") + e.what());
  }
}

}  // namespace hearth::engine
