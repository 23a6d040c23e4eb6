#include "engine/engine.h"

#include <ggml-cpu.h>
#include <llama-ext.h>
#include <llama.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "base/check.h"
#include "engine/backend.h"
#include "engine/chat_template.h"
#include "engine/grammar.h"
#include "engine/sequence.h"

namespace hearth::engine {
namespace {

struct ContextDeleter {
  void operator()(llama_context* c) const { llama_free(c); }
};
using ContextPtr = std::unique_ptr<llama_context, ContextDeleter>;

struct ThreadpoolDeleter {
  void operator()(ggml_threadpool* t) const { ggml_threadpool_free(t); }
};
using ThreadpoolPtr = std::unique_ptr<ggml_threadpool, ThreadpoolDeleter>;

// ggml's CPU threads spin this long (0-100) for the next graph before sleeping, as llama-server
// and llama-bench default to: it keeps per-token decode latency low.
constexpr int kThreadpoolPoll = 50;

struct Queued {
  GenerateRequest request;
  Callbacks callbacks;
  SamplerPtr sampler;
  Clock::time_point submitted;
};

}  // namespace

struct Engine::Impl {
  ModelPtr model;
  EngineOptions options;
  ThreadpoolPtr threadpool;  // declared before ctx: the context is freed first
  ContextPtr ctx;
  llama_batch batch{};

  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<Queued> queue;  // GUARDED_BY(mu)
  bool stopping = false;     // GUARDED_BY(mu)
  int active = 0;            // GUARDED_BY(mu), mirrors slots for observers

  // Engine thread only.
  std::vector<std::unique_ptr<Sequence>> slots;  // index = llama seq id
  std::thread thread;
  std::thread::id thread_id;

  ~Impl() {
    if (batch.token) llama_batch_free(batch);
  }
  bool OnEngineThread() const { return std::this_thread::get_id() == thread_id; }
  void Run();
  void AdmitQueued();
  void Step();
  void Release(int seq_id, chat::DoneReason reason, Status status = Status());
};

Engine::Engine(ModelPtr model, const EngineOptions& options)
    : model_(std::move(model)), options_(options), impl_(std::make_unique<Impl>()) {}

Result<std::unique_ptr<Engine>> Engine::Create(ModelPtr model, const EngineOptions& in) {
  if (!model) return InvalidArgument("no model");
  if (!model->info().capabilities.completion)
    return InvalidArgument(model->info().name + " does not support generate");
  if (in.n_parallel < 1 || in.n_parallel > 256)
    return InvalidArgument("n_parallel must be between 1 and 256");
  if (in.n_ctx < 16) return InvalidArgument("n_ctx must be at least 16");
  if (in.n_batch < 1) return InvalidArgument("n_batch must be positive");
  InitBackend();
  EngineOptions opts = in;
  const int32_t train = model->info().context_length;
  if (train > 0) opts.n_ctx = std::min(opts.n_ctx, train);
  if (opts.n_threads <= 0)
    opts.n_threads = static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency()));

  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = static_cast<uint32_t>(opts.n_ctx) * static_cast<uint32_t>(opts.n_parallel);
  cp.n_batch = static_cast<uint32_t>(opts.n_batch);
  cp.n_ubatch = static_cast<uint32_t>(opts.n_batch);
  cp.n_seq_max = static_cast<uint32_t>(opts.n_parallel);
  cp.n_threads = opts.n_threads;
  cp.n_threads_batch = opts.n_threads;
  cp.kv_unified = false;  // each sequence its own KV stream of n_ctx cells
  cp.no_perf = true;
  ContextPtr ctx(llama_init_from_model(model->raw(), cp));
  if (!ctx) return ResourceExhausted("could not create a llama context of " +
                                     std::to_string(cp.n_ctx) + " tokens");
  // libllama pads the cache (to 256 cells); the limit stays what was asked for.
  opts.n_ctx = std::min(opts.n_ctx, static_cast<int32_t>(llama_n_ctx_seq(ctx.get())));
  ggml_threadpool_params tpp = ggml_threadpool_params_default(opts.n_threads);
  tpp.poll = kThreadpoolPoll;
  ThreadpoolPtr threadpool(ggml_threadpool_new(&tpp));
  if (threadpool) llama_attach_threadpool(ctx.get(), threadpool.get(), nullptr);

  std::unique_ptr<Engine> engine(new Engine(std::move(model), opts));
  for (const auto& [buft, mb] : llama_get_memory_breakdown(ctx.get())) {
    engine->memory_.weights += mb.model;
    engine->memory_.kv_cache += mb.context;
    engine->memory_.compute += mb.compute;
  }
  Impl& impl = *engine->impl_;
  impl.model = engine->model_;
  impl.options = opts;
  impl.threadpool = std::move(threadpool);
  impl.ctx = std::move(ctx);
  impl.batch = llama_batch_init(opts.n_batch, 0, 1);
  impl.slots.resize(opts.n_parallel);
  impl.thread = std::thread([&impl] { impl.Run(); });
  return engine;
}

Engine::~Engine() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

Status Engine::Submit(GenerateRequest request, Callbacks callbacks) {
  const auto& prompt = request.prompt;
  if (prompt.empty()) return InvalidArgument("prompt is empty");
  const int32_t n_vocab = model_->info().vocab_size;
  for (Token t : prompt) {
    if (t < 0 || t >= n_vocab)
      return InvalidArgument("token " + std::to_string(t) + " is outside the vocabulary of " +
                             std::to_string(n_vocab));
  }
  if (static_cast<int64_t>(prompt.size()) >= options_.n_ctx)
    return InvalidArgument("prompt is " + std::to_string(prompt.size()) +
                           " tokens, which does not fit the context of " +
                           std::to_string(options_.n_ctx) + " tokens");
  if (request.top_logprobs < 0 || request.top_logprobs > 20)
    return InvalidArgument("top_logprobs must be between 0 and 20");
  std::string grammar;
  if (request.tool_grammar.empty()) {
    auto g = GrammarFor(request.options.format);
    if (!g.ok()) return g.status();
    grammar = std::move(g).value();
  }
  auto sampler = Sampler::Create(*model_, request.options.sampling, grammar, options_.n_ctx,
                                 request.tool_grammar);
  if (!sampler.ok()) return sampler.status();
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopping) return FailedPrecondition("engine is shutting down");
    impl_->queue.push_back(
        {std::move(request), std::move(callbacks), std::move(sampler).value(), Clock::now()});
  }
  impl_->cv.notify_all();
  return Status();
}

Engine::Output Engine::Generate(GenerateRequest request) {
  auto out = std::make_shared<Output>();
  std::promise<void> done;
  Callbacks cb;
  cb.on_text = [out](std::string_view t) {
    out->text.append(t);
    return true;
  };
  cb.on_done = [out, &done](Completion&& c) {
    out->completion = std::move(c);
    done.set_value();
  };
  Status s = Submit(std::move(request), std::move(cb));
  if (!s.ok()) {
    out->completion.done_reason = chat::DoneReason::kError;
    out->completion.status = s;
    return *out;
  }
  done.get_future().wait();
  return *out;
}

int32_t Engine::CountPromptTokens(std::string_view prompt, bool raw) const {
  return static_cast<int32_t>(TokenizePrompt(*model_, prompt, raw).size());
}

int Engine::active_sequences() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->active;
}

int Engine::pending_requests() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return static_cast<int>(impl_->queue.size());
}

void Engine::Impl::Run() {
  thread_id = std::this_thread::get_id();
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return stopping || !queue.empty() || active > 0; });
      if (stopping) break;
    }
    AdmitQueued();
    Step();
  }
  // Shutdown: everything still running or queued ends as cancelled.
  for (auto& s : slots)
    if (s) Release(s->seq_id(), chat::DoneReason::kCancelled);
  std::deque<Queued> rest;
  {
    std::lock_guard<std::mutex> lock(mu);
    rest.swap(queue);
  }
  for (auto& q : rest) {
    Completion c;
    c.done_reason = chat::DoneReason::kCancelled;
    if (q.callbacks.on_done) q.callbacks.on_done(std::move(c));
  }
}

// Moves queued requests into free slots; they join the batch at this step.
void Engine::Impl::AdmitQueued() {
  HEARTH_DCHECK(OnEngineThread());
  std::lock_guard<std::mutex> lock(mu);
  for (size_t id = 0; id < slots.size() && !queue.empty(); ++id) {
    if (slots[id]) continue;
    Queued q = std::move(queue.front());
    queue.pop_front();
    llama_memory_seq_rm(llama_get_memory(ctx.get()), static_cast<llama_seq_id>(id), -1, -1);
    slots[id] = std::make_unique<Sequence>(static_cast<int>(id), std::move(q.request),
                                           std::move(q.callbacks), std::move(q.sampler),
                                           q.submitted);
    ++active;
  }
}

void Engine::Impl::Release(int seq_id, chat::DoneReason reason, Status status) {
  HEARTH_DCHECK(OnEngineThread());
  std::unique_ptr<Sequence> seq = std::move(slots[seq_id]);
  if (!seq) return;
  llama_memory_seq_rm(llama_get_memory(ctx.get()), seq_id, -1, -1);
  {
    std::lock_guard<std::mutex> lock(mu);
    --active;
  }
  seq->Finish(reason, std::move(status));
}

// One decode step: every decoding sequence contributes its last token, then prefilling
// sequences fill the rest of the batch with prompt chunks.
void Engine::Impl::Step() {
  HEARTH_DCHECK(OnEngineThread());
  for (auto& s : slots)
    if (s && s->cancelled()) Release(s->seq_id(), chat::DoneReason::kCancelled);

  struct Row {
    int seq_id;
    int32_t n_tokens;
    bool wants_logits;
  };
  std::vector<Row> rows;
  batch.n_tokens = 0;
  auto add = [&](Token t, int32_t pos, int seq_id, bool logits) {
    const int i = batch.n_tokens++;
    batch.token[i] = t;
    batch.pos[i] = pos;
    batch.n_seq_id[i] = 1;
    batch.seq_id[i][0] = seq_id;
    batch.logits[i] = logits;
  };
  const int32_t budget = options.n_batch;
  for (auto& s : slots) {
    if (!s || s->prefilling() || batch.n_tokens >= budget) continue;
    add(s->last_token(), s->pos(), s->seq_id(), true);
    rows.push_back({s->seq_id(), 1, true});
  }
  for (auto& s : slots) {
    if (!s || !s->prefilling() || batch.n_tokens >= budget) continue;
    const size_t n = std::min<size_t>(s->prompt_remaining(), budget - batch.n_tokens);
    const Token* toks = s->TakePrompt(n);
    const bool last_chunk = !s->prefilling();
    for (size_t k = 0; k < n; ++k)
      add(toks[k], s->pos() + static_cast<int32_t>(k), s->seq_id(), last_chunk && k + 1 == n);
    rows.push_back({s->seq_id(), static_cast<int32_t>(n), last_chunk});
  }
  if (batch.n_tokens == 0) return;

  const int32_t rc = llama_decode(ctx.get(), batch);
  if (rc != 0) {
    // rc == 1: no KV space; < 0: a backend error. Either way these sequences cannot go on.
    Status err = rc == 1 ? ResourceExhausted("no room in the KV cache for this batch")
                         : Internal("llama_decode failed with code " + std::to_string(rc));
    for (const Row& r : rows) Release(r.seq_id, chat::DoneReason::kError, err);
    return;
  }
  int32_t index = 0;
  for (const Row& r : rows) {
    index += r.n_tokens;
    Sequence* s = slots[r.seq_id].get();
    s->Advance(r.n_tokens);
    if (!r.wants_logits) continue;
    auto done = s->SampleAndApply(ctx.get(), index - 1, *model, options.n_ctx);
    if (done) Release(r.seq_id, *done, *done == chat::DoneReason::kError ? s->error() : Status());
  }
}

}  // namespace hearth::engine
