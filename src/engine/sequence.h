#pragma once
// One running request inside the engine: its slot (llama sequence id), sampler, text stream,
// counters and timings. Engine-internal; engine thread only.

#include <chrono>
#include <optional>

#include "engine/engine.h"
#include "engine/sampling.h"
#include "engine/text_stream.h"

struct llama_context;

namespace hearth::engine {

using Clock = std::chrono::steady_clock;

class Sequence {
 public:
  Sequence(int seq_id, GenerateRequest&& request, Callbacks&& callbacks, SamplerPtr sampler,
           Clock::time_point submitted);

  int seq_id() const { return seq_id_; }
  bool prefilling() const { return next_prompt_ < request_.prompt.size(); }
  bool cancelled() const { return request_.cancel && request_.cancel->IsCancelled(); }
  // Prompt tokens not yet decoded.
  size_t prompt_remaining() const { return request_.prompt.size() - next_prompt_; }
  // Takes the next `n` prompt tokens to decode at positions starting at pos().
  const Token* TakePrompt(size_t n);
  int32_t pos() const { return n_past_; }
  void Advance(int32_t n) { n_past_ += n; }
  Token last_token() const { return last_; }

  // Samples from output row `logits_index` of the last decode, then applies the token: stream
  // text, stop strings, num_predict, end of generation and the context limit. Returns the reason
  // the sequence is finished, or nullopt to keep going.
  std::optional<chat::DoneReason> SampleAndApply(llama_context* ctx, int32_t logits_index,
                                                 const Model& model, int32_t n_ctx);
  // Sends the final callbacks. Safe to call once.
  void Finish(chat::DoneReason reason, Status status = Status());
  // Why SampleAndApply returned kError.
  const Status& error() const { return error_; }

 private:
  bool Emit(const std::string& text);

  int seq_id_;
  GenerateRequest request_;
  Callbacks callbacks_;
  SamplerPtr sampler_;
  TextStream stream_;
  size_t next_prompt_ = 0;
  int32_t n_past_ = 0;
  Token last_ = -1;
  std::vector<Token> generated_;
  bool finished_ = false;
  Status error_;
  Clock::time_point submitted_, started_, first_token_;
};

}  // namespace hearth::engine
