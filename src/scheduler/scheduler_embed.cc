// Scheduler::Embed: embeddings on a loaded model (see scheduler.h).

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "engine/embedder.h"
#include "scheduler/options_merge.h"
#include "scheduler/scheduler.h"
#include "scheduler/scheduler_entry.h"

namespace hearth::scheduler {

Result<std::unique_ptr<engine::Embedder>> MakeEmbedder(const engine::ModelPtr& model,
                                                       const LoadSettings& load,
                                                       int32_t default_threads) {
  engine::EmbedderOptions eo;
  eo.n_ctx = load.num_ctx;
  eo.n_threads = load.num_thread > 0 ? load.num_thread : default_threads;
  return engine::Embedder::Create(model, eo);
}

Result<chat::EmbedResult> Scheduler::Embed(chat::EmbedRequest request) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  HEARTH_ASSIGN_OR_RETURN(store::ResolvedModel resolved, ResolveName(request.model));
  if (request.inputs.empty()) return InvalidArgument("input: no text to embed");
  if (request.dimensions < 0) return InvalidArgument("dimensions: must not be negative");
  HEARTH_ASSIGN_OR_RETURN(MergedOptions merged,
                          MergeOptions(resolved.params_json, request.options));
  const std::chrono::nanoseconds keep_alive =
      request.keep_alive.value_or(options_.default_keep_alive);
  LoadSettings load = merged.load;
  if (load.num_ctx <= 0) load.num_ctx = options_.default_context;

  std::chrono::nanoseconds load_time{0};
  HEARTH_ASSIGN_OR_RETURN(Lease lease, Acquire(resolved, load, request.cancel, load_time));
  const EntryPtr& e = lease.entry;
  Result<std::vector<engine::Embedding>> out = [&]() -> Result<std::vector<engine::Embedding>> {
    std::lock_guard<std::mutex> embed_lock(e->embed_mu);
    // The context this request asks for (as the embedder caps it): an embedder made for another
    // size is replaced, so that num_ctx and truncate mean the same for every request.
    const int32_t train = e->model->info().context_length;
    const int32_t n_ctx = train > 0 ? std::min(load.num_ctx, train) : load.num_ctx;
    if (e->embedder && e->embedder->options().n_ctx != n_ctx) e->SetEmbedder(nullptr);
    if (!e->embedder) {
      const auto created = Clock::now();
      auto embedder = MakeEmbedder(e->model, load, options_.num_threads);
      if (!embedder.ok()) {
        return embedder.status().WithContext("loading model '" + resolved.name.Display() +
                                             "' for embeddings");
      }
      e->SetEmbedder(std::move(embedder).value());
      load_time += Clock::now() - created;
      Log("model " + resolved.name.Display() + ": embedding context of " +
          std::to_string(e->embedder->options().n_ctx) + " tokens, " + e->embedder->pooling() +
          " pooling");
    }
    engine::EmbedOptions o;
    o.truncate = request.truncate;
    o.dimensions = request.dimensions;
    o.cancel = request.cancel;
    return e->embedder->Embed(request.inputs, o);
  }();
  Release(e, keep_alive);
  if (!out.ok()) return out.status();

  chat::EmbedResult r;
  r.model = resolved.name.Display();
  r.embeddings.reserve(out->size());
  for (engine::Embedding& emb : *out) {
    r.usage.prompt_tokens += emb.tokens;
    r.embeddings.push_back(std::move(emb.values));
  }
  r.usage.load = load_time;
  r.usage.total = Clock::now() - start;
  return r;
}

}  // namespace hearth::scheduler
