#include "engine/embedder.h"

#include <llama-ext.h>
#include <llama.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "engine/backend.h"

namespace hearth::engine {
namespace {

struct ContextDeleter {
  void operator()(llama_context* c) const { llama_free(c); }
};
using ContextPtr = std::unique_ptr<llama_context, ContextDeleter>;

Result<enum llama_pooling_type> ParsePooling(const std::string& name) {
  if (name.empty()) return LLAMA_POOLING_TYPE_UNSPECIFIED;
  if (name == "mean") return LLAMA_POOLING_TYPE_MEAN;
  if (name == "cls") return LLAMA_POOLING_TYPE_CLS;
  if (name == "last") return LLAMA_POOLING_TYPE_LAST;
  return InvalidArgument("pooling must be mean, cls or last, not '" + name + "'");
}

const char* PoolingName(enum llama_pooling_type p) {
  switch (p) {
    case LLAMA_POOLING_TYPE_MEAN:
      return "mean";
    case LLAMA_POOLING_TYPE_CLS:
      return "cls";
    case LLAMA_POOLING_TYPE_LAST:
      return "last";
    default:
      return "none";
  }
}

}  // namespace

struct Embedder::Impl {
  ContextPtr ctx;
  llama_batch batch{};
  bool encoder_only = false;
  ~Impl() {
    if (batch.token) llama_batch_free(batch);
  }
};

Status NormalizeL2(std::vector<float>* v) {
  double sum = 0;
  for (float x : *v) {
    if (!std::isfinite(x)) return InvalidArgument("embedding contains NaN or Inf values");
    sum += static_cast<double>(x) * x;
  }
  const double norm = std::sqrt(sum);
  if (norm < 1e-12) return Status();
  for (float& x : *v) x = static_cast<float>(x / norm);
  return Status();
}

Embedder::~Embedder() = default;

Result<std::unique_ptr<Embedder>> Embedder::Create(ModelPtr model, const EmbedderOptions& in) {
  if (!model) return InvalidArgument("no model");
  if (in.n_ctx < 8) return InvalidArgument("n_ctx must be at least 8");
  if (in.n_seq_max < 1 || in.n_seq_max > 64)
    return InvalidArgument("n_seq_max must be between 1 and 64");
  HEARTH_ASSIGN_OR_RETURN(enum llama_pooling_type wanted, ParsePooling(in.pooling));
  InitBackend();
  EmbedderOptions opts = in;
  const int32_t train = model->info().context_length;
  if (train > 0) opts.n_ctx = std::min(opts.n_ctx, train);
  if (opts.n_threads <= 0)
    opts.n_threads = static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency()));

  auto make = [&](enum llama_pooling_type pool_type) {
    llama_context_params cp = llama_context_default_params();
    cp.embeddings = true;
    cp.pooling_type = pool_type;
    cp.n_ctx = static_cast<uint32_t>(opts.n_ctx);
    cp.n_batch = cp.n_ubatch = static_cast<uint32_t>(opts.n_ctx);  // one input per ubatch
    cp.n_seq_max = static_cast<uint32_t>(opts.n_seq_max);
    cp.kv_unified = true;  // the batch's inputs share the n_ctx cells
    cp.n_threads = cp.n_threads_batch = opts.n_threads;
    cp.no_perf = true;
    return ContextPtr(llama_init_from_model(model->raw(), cp));
  };
  ContextPtr ctx = make(wanted);
  if (ctx && llama_pooling_type(ctx.get()) == LLAMA_POOLING_TYPE_NONE) {
    ctx.reset();  // a decoder without pooling: its last token, as Ollama's runner
    ctx = make(LLAMA_POOLING_TYPE_LAST);
  }
  if (!ctx)
    return ResourceExhausted("could not create an embedding context of " +
                             std::to_string(opts.n_ctx) + " tokens");
  const enum llama_pooling_type pool = llama_pooling_type(ctx.get());
  if (pool == LLAMA_POOLING_TYPE_RANK)
    return InvalidArgument(model->info().name + " is a reranking model, not an embedding model");
  if (pool == LLAMA_POOLING_TYPE_NONE)
    return InvalidArgument(model->info().name + " has no pooling for embeddings");
  opts.n_ctx = std::min(opts.n_ctx, static_cast<int32_t>(llama_n_ctx(ctx.get())));

  std::unique_ptr<Embedder> e(new Embedder());
  e->model_ = std::move(model);
  e->options_ = opts;
  e->pooling_ = PoolingName(pool);
  e->n_embd_ = llama_model_n_embd(e->model_->raw());
  for (const auto& [buft, mb] : llama_get_memory_breakdown(ctx.get())) {
    e->memory_.weights += mb.model;
    e->memory_.kv_cache += mb.context;
    e->memory_.compute += mb.compute;
  }
  e->impl_ = std::make_unique<Impl>();
  e->impl_->ctx = std::move(ctx);
  e->impl_->batch = llama_batch_init(opts.n_ctx, 0, 1);
  e->impl_->encoder_only =
      llama_model_has_encoder(e->model_->raw()) && !llama_model_has_decoder(e->model_->raw());
  return e;
}

Result<std::vector<float>> Embedder::Pool(int32_t seq) const {
  const float* v = llama_get_embeddings_seq(impl_->ctx.get(), seq);
  if (!v) return Internal("no pooled embedding for sequence " + std::to_string(seq));
  return std::vector<float>(v, v + n_embd_);
}

Result<std::vector<Embedding>> Embedder::Embed(const std::vector<std::string>& inputs,
                                               const EmbedOptions& o) {
  const int32_t n_ctx = options_.n_ctx;
  const llama_vocab* vocab = llama_model_get_vocab(model_->raw());
  const bool adds_eos = llama_vocab_get_add_eos(vocab);
  // Tokenize and check every input before any work.
  std::vector<std::vector<Token>> toks(inputs.size());
  std::vector<Embedding> out(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    toks[i] = model_->Tokenize(inputs[i], true, true);
    const std::string where = "input " + std::to_string(i);
    if (toks[i].empty()) return InvalidArgument(where + " is empty (no tokens)");
    const int32_t n = static_cast<int32_t>(toks[i].size());
    if (n > n_ctx) {
      if (!o.truncate)
        return InvalidArgument(where + " is " + std::to_string(n) +
                               " tokens, which exceeds the context length of " +
                               std::to_string(n_ctx) + " tokens (truncate is false)");
      const Token last = toks[i].back();
      toks[i].resize(n_ctx);
      if (adds_eos) toks[i].back() = last;
      out[i].truncated = true;
    }
    out[i].tokens = static_cast<int32_t>(toks[i].size());
  }

  std::lock_guard<std::mutex> lock(mu_);
  llama_context* ctx = impl_->ctx.get();
  llama_batch& batch = impl_->batch;
  size_t next = 0;
  while (next < inputs.size()) {
    if (o.cancel && o.cancel->IsCancelled()) return Cancelled("embedding was cancelled");
    // Pack whole inputs while they fit the context and the sequence limit.
    batch.n_tokens = 0;
    const size_t first = next;
    while (next < inputs.size() && static_cast<int32_t>(next - first) < options_.n_seq_max &&
           batch.n_tokens + static_cast<int32_t>(toks[next].size()) <= n_ctx) {
      const int seq = static_cast<int>(next - first);
      for (size_t k = 0; k < toks[next].size(); ++k) {
        const int j = batch.n_tokens++;
        batch.token[j] = toks[next][k];
        batch.pos[j] = static_cast<llama_pos>(k);
        batch.n_seq_id[j] = 1;
        batch.seq_id[j][0] = seq;
        batch.logits[j] = true;  // pooling reads every output row
      }
      ++next;
    }
    llama_memory_clear(llama_get_memory(ctx), true);
    const int32_t rc = impl_->encoder_only ? llama_encode(ctx, batch) : llama_decode(ctx, batch);
    if (rc != 0) return Internal("embedding decode failed with code " + std::to_string(rc));
    for (size_t i = first; i < next; ++i) {
      HEARTH_ASSIGN_OR_RETURN(std::vector<float> v, Pool(static_cast<int32_t>(i - first)));
      if (Status s = NormalizeL2(&v); !s.ok()) return Internal(s.message());
      if (o.dimensions > 0 && o.dimensions < static_cast<int32_t>(v.size())) {
        v.resize(o.dimensions);
        HEARTH_RETURN_IF_ERROR(NormalizeL2(&v));
      }
      out[i].values = std::move(v);
    }
  }
  llama_memory_clear(llama_get_memory(ctx), true);
  return out;
}

}  // namespace hearth::engine
