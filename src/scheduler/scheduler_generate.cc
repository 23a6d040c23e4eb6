// Scheduler: loading a model (LoadLocked) and serving requests on it (Generate, Embed).

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "scheduler/context_policy.h"
#include "scheduler/memory_fit.h"
#include "scheduler/scheduler.h"
#include "gguf/gguf.h"
#include "scheduler/scheduler_entry.h"
#include "store/model_facts.h"

namespace hearth::scheduler {
namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

std::string ConfigString(const Json& cfg, const char* key) {
  auto it = cfg.find(key);
  return it != cfg.end() && it->is_string() ? it->get<std::string>() : "";
}

// The /api/ps fields that do not change while the model is loaded.
RunningModel DetailsOf(const store::Store& store, const store::ResolvedModel& r,
                       const engine::ModelInfo& info) {
  RunningModel m;
  m.name = r.name.Display();
  m.digest = r.manifest_digest.hex;
  Json cfg = Json::object();
  if (auto text = store.ReadBlobText(r.manifest.config.digest, 1 << 20); text.ok()) {
    Json parsed = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object()) cfg = std::move(parsed);
  }
  m.format = ConfigString(cfg, "model_format");
  m.family = ConfigString(cfg, "model_family");
  m.parameter_size = ConfigString(cfg, "model_type");
  m.quantization_level = ConfigString(cfg, "file_type");
  if (auto it = cfg.find("model_families"); it != cfg.end() && it->is_array()) {
    for (const Json& f : *it) {
      if (f.is_string()) m.families.push_back(f.get<std::string>());
    }
  }
  if (m.format.empty()) m.format = "gguf";
  if (m.family.empty()) m.family = info.architecture;
  if (m.parameter_size.empty()) m.parameter_size = store::HumanNumber(info.parameter_count);
  if (m.quantization_level.empty()) m.quantization_level = info.file_type;
  return m;
}

// Everything one streaming request needs after Generate returns.
struct Stream {
  chat::ChunkSink sink;
  std::unique_ptr<OutputParser> parser;
  std::string model;
  bool truncated = false;
  int32_t original_tokens = 0;
  std::chrono::nanoseconds load{0};
  Clock::time_point start;
  std::chrono::nanoseconds keep_alive{0};
  // Log-probabilities of tokens whose text has not reached a chunk yet (engine thread only).
  std::vector<chat::TokenLogprob> logprobs;
  // kGenerate without raw: the prompt's tokens, the start of the done chunk's `context`.
  bool with_context = false;
  std::vector<engine::Token> prompt_tokens;
  engine::ModelPtr model_ptr;  // to tell an end-of-generation token
};

bool EmptyInput(const chat::Request& r) {
  return r.kind == chat::RequestKind::kChat ? r.messages.empty()
                                            : r.prompt.empty() && r.suffix.empty();
}

// Ollama's refusal of generate/chat on a model without the completion capability.
Status NotGenerating(const chat::Request& r) {
  const Json quoted = r.model;  // Go's %q as JSON quotes it, for the names Ollama accepts
  return InvalidArgument(quoted.dump() + " does not support " +
                         (r.kind == chat::RequestKind::kChat ? "chat" : "generate"));
}

}  // namespace

Status Scheduler::CheckGenerates(const store::ResolvedModel& resolved,
                                 const chat::Request& request) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(resolved.name.Full());
    if (it != entries_.end() && it->second->state == Entry::State::kReady &&
        it->second->digest == resolved.manifest_digest) {
      return it->second->engine ? Status() : NotGenerating(request);
    }
  }
  if (resolved.model_path.empty()) return Status();  // the load says what is missing
  auto file = gguf::ReadFile(resolved.model_path, {.keep_string_arrays = false});
  if (!file.ok()) return Status();  // likewise: the load reports a bad file in full
  return store::FactsOf(*file).has_pooling ? NotGenerating(request) : Status();
}

Status Scheduler::LoadLocked(std::unique_lock<std::mutex>& lock, const EntryPtr& e,
                             const store::ResolvedModel& resolved, const LoadSettings& load,
                             int32_t requested) {
  // The entry is kLoading: this thread alone touches its model and engine until it relocks.
  const uint64_t budget = BudgetLocked(e);  // counts the engine about to be freed
  std::unique_ptr<engine::Engine> old = std::move(e->engine);
  engine::ModelPtr model = e->model;
  const bool same_model = model && e->digest == resolved.manifest_digest;
  std::unique_ptr<engine::Embedder> old_embedder;
  if (!same_model) {
    std::lock_guard<std::mutex> embed_lock(e->embed_mu);  // free: the entry is drained
    old_embedder = e->TakeEmbedder();
  }
  lock.unlock();
  old.reset();
  old_embedder.reset();  // free the old context before allocating a larger one
  std::unique_ptr<ModelPrompting> prompting;
  RunningModel details;
  const std::string name = resolved.name.Display();
  auto fail = [&](Status s) {
    lock.lock();
    return s;
  };
  if (!same_model) {
    if (resolved.model_path.empty())
      return fail(InvalidArgument("model '" + name + "' has no model layer"));
    if (!resolved.adapter_paths.empty())
      return fail(InvalidArgument("model '" + name +
                                  "' has ADAPTER layers, which hearth "
                                  "cannot apply yet"));
    auto loaded = engine::Model::Load(resolved.model_path);
    if (!loaded.ok()) return fail(loaded.status().WithContext("loading model '" + name + "'"));
    model = std::move(loaded).value();
    const engine::Capabilities& caps = model->info().capabilities;
    if (!caps.completion && !caps.embedding)
      return fail(InvalidArgument("model '" + name + "' can neither generate nor embed"));
    if (caps.completion) {
      auto p = ModelPrompting::Create(name, model, resolved.template_text, resolved.system,
                                      resolved.messages_json);
      if (!p.ok()) return fail(p.status());
      prompting = std::move(p).value();
    }
    details = DetailsOf(store_, resolved, model->info());
  }
  if (!model->info().capabilities.completion) {
    // Embedding-only: one Embedder at the request's num_ctx is the whole loaded model.
    auto embedder = MakeEmbedder(model, load, options_.num_threads);
    if (!embedder.ok()) return fail(embedder.status().WithContext("loading model '" + name + "'"));
    const int32_t n_ctx = (*embedder)->options().n_ctx;
    Log("loaded model " + name + " for embeddings with a context of " + std::to_string(n_ctx) +
        " tokens, " + (*embedder)->pooling() + " pooling");
    lock.lock();
    {
      std::lock_guard<std::mutex> embed_lock(e->embed_mu);
      e->SetEmbedder(std::move(embedder).value());
    }
    e->tier = n_ctx;
    e->failed_tier = 0;
    e->model = std::move(model);
    e->prompting.reset();
    e->details = std::move(details);
    e->digest = resolved.manifest_digest;
    return Status();
  }
  const int32_t train = model->info().context_length;
  const int32_t wanted = ContextTier(requested, options_.min_context_tier, train);
  const int32_t tier =
      FitTier(model->info(), wanted, options_.min_context_tier, options_.num_parallel, budget);
  if (tier == 0) {
    const uint64_t need = EstimateKvBytes(
        model->info(), std::min(wanted, options_.min_context_tier), options_.num_parallel);
    return fail(ResourceExhausted("model requires more system memory (" + HumanBytes2(need) +
                                  ") than is available (" + HumanBytes2(budget) + ")"));
  }
  int32_t failed_tier = same_model ? e->failed_tier : 0;
  if (tier < wanted) {
    failed_tier = ContextTier(tier + 1, options_.min_context_tier, train);
    Log("model " + name + ": a context of " + std::to_string(wanted) +
        " tokens does not fit in memory; loading " + std::to_string(tier) + " tokens");
  }
  engine::EngineOptions eo;
  eo.n_ctx = tier;
  eo.n_parallel = options_.num_parallel;
  eo.n_batch = load.num_batch > 0 ? load.num_batch : options_.num_batch;
  eo.n_threads = load.num_thread > 0 ? load.num_thread : options_.num_threads;
  auto engine = engine::Engine::Create(model, eo);
  if (!engine.ok()) return fail(engine.status().WithContext("loading model '" + name + "'"));
  // "loaded model <name>" once per (re)load: the integration tests count these lines.
  Log("loaded model " + name + " with a context of " + std::to_string((*engine)->options().n_ctx) +
      " tokens x " + std::to_string(eo.n_parallel) + " sequences");
  lock.lock();
  e->engine = std::move(engine).value();
  e->tier = tier;
  e->failed_tier = failed_tier;
  if (!same_model) {
    e->model = std::move(model);
    e->prompting = std::move(prompting);
    e->details = std::move(details);
    e->digest = resolved.manifest_digest;
  }
  return Status();
}

Status Scheduler::Generate(chat::Request request, chat::ChunkSink sink) {
  const auto start = Clock::now();
  if (!sink) return InvalidArgument("no chunk sink");
  HEARTH_ASSIGN_OR_RETURN(store::ResolvedModel resolved, ResolveName(request.model));
  HEARTH_ASSIGN_OR_RETURN(MergedOptions merged,
                          MergeOptions(resolved.params_json, request.options));
  const std::chrono::nanoseconds keep_alive =
      request.keep_alive.value_or(options_.default_keep_alive);
  LoadSettings load = merged.load;
  if (load.num_ctx <= 0) load.num_ctx = options_.default_context;
  const std::string name = resolved.name.Display();
  if (EmptyInput(request) && keep_alive == std::chrono::nanoseconds(0)) {
    // Unload (`hearth stop`): as Ollama, never load a model just to unload it; a busy model goes
    // when its running requests finish.
    ExpireWhenIdle(resolved.name.Full());
    chat::Chunk done;
    done.done = true;
    done.done_reason = chat::DoneReason::kStop;
    done.model = name;
    done.usage.total = Clock::now() - start;
    sink(std::move(done));
    return Status();
  }
  HEARTH_RETURN_IF_ERROR(CheckGenerates(resolved, request));
  std::chrono::nanoseconds load_time{0};
  HEARTH_ASSIGN_OR_RETURN(Lease lease, Acquire(resolved, load, request.cancel, load_time));
  if (!lease.engine) {  // the store's model became an embedding model after CheckGenerates
    Release(lease.entry, keep_alive);
    return NotGenerating(request);
  }

  if (EmptyInput(request)) {  // load only
    Release(lease.entry, keep_alive);
    chat::Chunk done;
    done.done = true;
    done.done_reason = chat::DoneReason::kStop;
    done.model = name;
    done.usage.load = load_time;
    done.usage.total = Clock::now() - start;
    sink(std::move(done));
    return Status();
  }

  auto prompt = BuildPrompt(*lease.prompting, request, lease.engine->options().n_ctx);
  if (!prompt.ok()) {
    Release(lease.entry, keep_alive);
    return prompt.status();
  }
  if (prompt->truncated) {
    Log("model " + name + ": prompt of " + std::to_string(prompt->original_tokens) +
        " tokens does not fit the context of " + std::to_string(lease.engine->options().n_ctx) +
        " tokens; dropped the " + std::to_string(prompt->dropped_messages) + " oldest messages, " +
        std::to_string(prompt->tokens.size()) + " tokens remain");
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.truncations;
  }

  auto stream = std::make_shared<Stream>();
  if (request.kind == chat::RequestKind::kGenerate && !request.raw) {
    stream->with_context = true;
    stream->prompt_tokens = prompt->tokens;
    stream->model_ptr = lease.prompting->model;
  }

  engine::GenerateRequest g;
  g.prompt = std::move(prompt->tokens);
  g.options = merged.generation;
  if (request.format.kind != chat::OutputFormat::Kind::kNone) g.options.format = request.format;
  // As engine::ApplyRendered, on the tokens BuildPrompt already made (and may have truncated).
  g.tool_grammar = std::move(prompt->tool_grammar);
  for (std::string& stop : prompt->additional_stops) {
    if (std::find(g.options.stop.begin(), g.options.stop.end(), stop) == g.options.stop.end())
      g.options.stop.push_back(std::move(stop));
  }
  g.logprobs = request.logprobs;
  g.top_logprobs = request.logprobs ? request.top_logprobs : 0;
  g.cancel = request.cancel;

  stream->sink = std::move(sink);
  stream->parser = std::move(prompt->parser);
  stream->model = name;
  stream->truncated = prompt->truncated;
  stream->original_tokens = prompt->original_tokens;
  stream->load = load_time;
  stream->start = start;
  stream->keep_alive = keep_alive;

  engine::Callbacks callbacks;
  callbacks.on_text = [stream](std::string_view text) {
    chat::Chunk c;
    stream->parser->Add(text, c);
    if (c.content.empty() && c.thinking.empty() && c.tool_calls.empty()) return true;
    c.logprobs = std::move(stream->logprobs);
    stream->logprobs.clear();
    return stream->sink(std::move(c));
  };
  if (g.logprobs) {
    callbacks.on_logprob = [stream](chat::TokenLogprob&& l) {
      stream->logprobs.push_back(std::move(l));
    };
  }
  EntryPtr entry = lease.entry;
  callbacks.on_done = [this, stream, entry](engine::Completion&& c) {
    chat::Chunk f;
    stream->parser->Finish(f);
    f.logprobs = std::move(stream->logprobs);
    f.done = true;
    f.done_reason = c.done_reason;
    f.error = c.status;
    f.model = stream->model;
    f.truncated = stream->truncated;
    f.original_prompt_tokens = stream->truncated ? stream->original_tokens : 0;
    f.usage.prompt_tokens = c.prompt_tokens;
    f.usage.completion_tokens = c.eval_tokens;
    f.usage.prompt_eval = c.prompt_eval_duration;
    f.usage.eval = c.eval_duration;
    f.usage.load = stream->load;
    f.usage.total = Clock::now() - stream->start;
    if (stream->with_context) {
      std::vector<engine::Token>& tokens = c.tokens;
      if (!tokens.empty() && stream->model_ptr->IsEndOfGeneration(tokens.back())) tokens.pop_back();
      f.context = std::move(stream->prompt_tokens);
      f.context.insert(f.context.end(), tokens.begin(), tokens.end());
    }
    // Release first: once the client sees done, keep_alive 0 has taken effect.
    Release(entry, stream->keep_alive);
    stream->sink(std::move(f));
  };
  Status s = lease.engine->Submit(std::move(g), std::move(callbacks));
  if (!s.ok()) {
    Release(lease.entry, keep_alive);
    return s;
  }
  return Status();
}

Result<int32_t> Scheduler::CountTokens(chat::Request request) {
  if (EmptyInput(request)) {
    return InvalidArgument(request.kind == chat::RequestKind::kChat ? "no messages to count"
                                                                     : "no prompt to count");
  }
  HEARTH_ASSIGN_OR_RETURN(store::ResolvedModel resolved, ResolveName(request.model));
  HEARTH_ASSIGN_OR_RETURN(MergedOptions merged,
                          MergeOptions(resolved.params_json, request.options));
  const std::chrono::nanoseconds keep_alive =
      request.keep_alive.value_or(options_.default_keep_alive);
  LoadSettings load = merged.load;
  if (load.num_ctx <= 0) load.num_ctx = options_.default_context;
  HEARTH_RETURN_IF_ERROR(CheckGenerates(resolved, request));
  std::chrono::nanoseconds load_time{0};
  HEARTH_ASSIGN_OR_RETURN(Lease lease, Acquire(resolved, load, request.cancel, load_time));
  if (!lease.engine) {
    Release(lease.entry, keep_alive);
    return NotGenerating(request);
  }
  // No context limit: the whole prompt is counted, never truncated.
  Result<int32_t> count = [&]() -> Result<int32_t> {
    auto prompt = BuildPrompt(*lease.prompting, request, std::numeric_limits<int32_t>::max());
    if (!prompt.ok()) return prompt.status();
    return static_cast<int32_t>(prompt->tokens.size());
  }();  // the prompt (and its parser) is gone before the model may unload
  Release(lease.entry, keep_alive);
  return count;
}

}  // namespace hearth::scheduler
