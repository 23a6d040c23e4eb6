#include "engine/sequence.h"

#include <llama.h>

namespace hearth::engine {

Sequence::Sequence(int seq_id, GenerateRequest&& request, Callbacks&& callbacks,
                   SamplerPtr sampler, Clock::time_point submitted)
    : seq_id_(seq_id),
      request_(std::move(request)),
      callbacks_(std::move(callbacks)),
      sampler_(std::move(sampler)),
      stream_(request_.options.stop),
      submitted_(submitted),
      started_(Clock::now()) {
  // Prime the repeat/presence/frequency penalties with the prompt, as llama-server does.
  sampler_->AcceptPrompt(request_.prompt);
}

const Token* Sequence::TakePrompt(size_t n) {
  const Token* p = request_.prompt.data() + next_prompt_;
  next_prompt_ += n;
  return p;
}

std::optional<chat::DoneReason> Sequence::SampleAndApply(llama_context* ctx, int32_t logits_index,
                                                         const Model& model, int32_t n_ctx) {
  SampleInfo info;
  const bool want_info = request_.logprobs && callbacks_.on_logprob;
  Result<Token> sampled = sampler_->Sample(ctx, logits_index, want_info ? &info : nullptr,
                                           request_.top_logprobs);
  if (!sampled.ok()) {
    error_ = sampled.status();
    return chat::DoneReason::kError;
  }
  const Token tok = *sampled;
  if (generated_.empty()) first_token_ = Clock::now();
  last_ = tok;
  generated_.push_back(tok);
  if (model.IsEndOfGeneration(tok)) return chat::DoneReason::kStop;
  const bool preserved = sampler_->IsPreserved(tok);
  if (want_info) {
    chat::TokenLogprob lp{model.TokenPiece(tok, preserved), info.chosen.logprob, {}};
    for (const TokenProb& alt : info.top)
      lp.top.push_back({model.TokenPiece(alt.token, sampler_->IsPreserved(alt.token)),
                        alt.logprob, {}});
    callbacks_.on_logprob(std::move(lp));
  }
  const std::string text = stream_.Push(model.TokenPiece(tok, preserved));
  if (!Emit(text)) return chat::DoneReason::kCancelled;
  if (stream_.stopped()) return chat::DoneReason::kStop;
  const int32_t limit = request_.options.num_predict;
  if (limit >= 0 && static_cast<int32_t>(generated_.size()) >= limit)
    return chat::DoneReason::kLength;
  // The sampled token still needs a cell: the context is full when none is left for it.
  if (n_past_ + 1 >= n_ctx) return chat::DoneReason::kLength;
  return std::nullopt;
}

bool Sequence::Emit(const std::string& text) {
  if (text.empty() || !callbacks_.on_text) return true;
  return callbacks_.on_text(text);
}

void Sequence::Finish(chat::DoneReason reason, Status status) {
  if (finished_) return;
  finished_ = true;
  if (reason == chat::DoneReason::kStop || reason == chat::DoneReason::kLength) {
    if (!Emit(stream_.Flush())) reason = chat::DoneReason::kCancelled;
  }
  const auto now = Clock::now();
  Completion c;
  c.done_reason = reason;
  c.status = std::move(status);
  c.prompt_tokens = static_cast<int32_t>(next_prompt_);
  c.eval_tokens = static_cast<int32_t>(generated_.size());
  c.tokens = std::move(generated_);
  c.queue_duration = started_ - submitted_;
  if (c.eval_tokens > 0) {
    c.prompt_eval_duration = first_token_ - started_;
    c.eval_duration = now - first_token_;
  } else {
    c.prompt_eval_duration = now - started_;
  }
  if (callbacks_.on_done) callbacks_.on_done(std::move(c));
}

}  // namespace hearth::engine
