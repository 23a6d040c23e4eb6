#pragma once
// Scheduler: the local Backend. Keeps models in memory as Ollama's scheduler does (server/
// sched.go), without its reload storms:
//   - A request names a stored model (Ollama's name rules, ":latest" by default, any ASCII case);
//     the model loads on first use (Model::Load + Engine::Create) and concurrent first requests
//     share one load.
//   - A model stays loaded for the keep_alive of its latest request (default
//     SchedulerOptions::default_keep_alive; negative: forever; zero: unloaded as soon as no
//     request runs on it). A timer thread unloads expired models.
//   - At most max_loaded_models are loaded: loading another evicts the idle model that expires
//     first; when every loaded model is busy the request waits for one to become idle.
//   - More than max_queue waiting requests (for a load, a grow or a free sequence):
//     ResourceExhausted.
//   - Context: the effective num_ctx (request option > model PARAMETER > default_context) is
//     rounded up to a tier (see context_policy.h). A request whose tier fits the loaded context
//     runs on it, whatever num_ctx it sends; a larger one grows the context: new requests wait,
//     the running ones finish, the engine is recreated at the larger tier. Each tier is loaded at
//     most once while the model is in memory. A model that is re-created in the store (new
//     manifest digest) is reloaded the same way.
//   - A context whose KV cache would not fit in memory (SchedulerOptions::memory_limit, else the
//     machine's available memory) is loaded at the largest tier that fits, and larger requests
//     run there (truncated or refused as any prompt that does not fit); when not even the
//     smallest tier fits the load fails with ResourceExhausted.
//   - Load-time options (num_ctx, num_batch, num_thread) of the request that loads or grows a
//     model apply; later requests never reload for them.
// Generate blocks until the request has a loaded engine (load, eviction, growth, queue) and its
// prompt is built, so that every error is returned before any chunk; the chunks then arrive on
// the engine's thread. A load-only request (empty prompt / no messages) gets its one done chunk
// on the calling thread, before Generate returns.
// Thread-safe. The Store must outlive the Scheduler. Destroying the Scheduler cancels running
// requests (their done chunk still arrives); no Generate call may be in progress then.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "chat/backend.h"
#include "scheduler/options_merge.h"
#include "scheduler/scheduler_options.h"
#include "store/store.h"

namespace hearth::scheduler {

using chat::Backend;
using chat::RunningModel;

// Counters since start (for tests and /metrics).
struct SchedulerStats {
  uint64_t loads = 0;          // models loaded (first load or reload after an unload)
  uint64_t context_grows = 0;  // engines recreated at a larger context tier
  uint64_t reloads = 0;        // engines recreated because the model changed in the store
  uint64_t unloads = 0;        // keep_alive expiries and Unload() calls
  uint64_t evictions = 0;      // idle models unloaded to make room
  uint64_t rejected = 0;       // requests refused because the queue was full
  uint64_t truncations = 0;    // prompts that had messages dropped to fit
};

class Scheduler final : public Backend {
 public:
  // Starts the expiry thread. InvalidArgument for non-positive limits.
  static Result<std::unique_ptr<Scheduler>> Create(store::Store& store, SchedulerOptions options);
  ~Scheduler() override;
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  Status Generate(chat::Request request, chat::ChunkSink sink) override;
  // Loads the model as Generate would (same keep_alive, queue and context rules), renders and
  // tokenizes the prompt with no context limit, and releases the model.
  Result<int32_t> CountTokens(chat::Request request) override;
  // Embeds on the model loaded as for Generate (same keep_alive, max loaded, queue and context
  // rules), through an engine::Embedder kept with the loaded model, created by its first Embed
  // (its creation counts as load time) and re-created when a request's num_ctx (as for Generate:
  // request > PARAMETER > default_context, capped at the training context) differs. Any completion
  // model may embed (pooled on its last token unless the GGUF says otherwise). An embedding-only
  // model (BERT-class: nomic-embed-text, all-minilm) loads with just an Embedder, at the num_ctx
  // of the request that loads it; Generate on it is InvalidArgument `"<model>" does not support
  // generate` (`chat` for chat requests), found from the GGUF header before anything loads.
  // NotFound for an unknown model; InvalidArgument for no inputs, a negative dimensions, an input
  // that tokenizes to nothing or is too long with truncate=false.
  Result<chat::EmbedResult> Embed(chat::EmbedRequest request) override;
  std::vector<RunningModel> Running() const override;
  Status Unload(const std::string& model) override;

  SchedulerStats Stats() const;
  // Requests waiting now: for a load, a grow, an idle model, or a free sequence in an engine.
  int Waiting() const;

 private:
  struct Entry;
  using EntryPtr = std::shared_ptr<Entry>;
  struct Lease;

  Scheduler(store::Store& store, SchedulerOptions options);
  void Log(const std::string& line) const;
  Result<store::ResolvedModel> ResolveName(const std::string& model) const;
  // Waits until `resolved` is loaded at a context of at least `requested` tokens, loading,
  // evicting or growing as needed, and takes a running reference on it.
  Result<Lease> Acquire(const store::ResolvedModel& resolved, const LoadSettings& load,
                        const CancelTokenPtr& cancel, std::chrono::nanoseconds& load_time);
  // Makes the loaded model `key` expire as soon as no request runs on it (no-op when not loaded).
  void ExpireWhenIdle(const std::string& key);
  // Drops the running reference and restarts the entry's keep_alive clock.
  void Release(const EntryPtr& e, std::chrono::nanoseconds keep_alive);
  // InvalidArgument when `resolved` is an embedding-only model (from the loaded model, else the
  // GGUF header; a header that cannot be read is left for the load to report).
  Status CheckGenerates(const store::ResolvedModel& resolved, const chat::Request& request) const;
  // REQUIRES: lock held. Builds the engine of `e` at `tier` (lock released meanwhile); for an
  // embedding-only model its Embedder instead.
  Status LoadLocked(std::unique_lock<std::mutex>& lock, const EntryPtr& e,
                    const store::ResolvedModel& resolved, const LoadSettings& load, int32_t tier);
  // REQUIRES: lock held. Removes `e` from the table and frees its engine with the lock released.
  void DropLocked(std::unique_lock<std::mutex>& lock, const EntryPtr& e, const char* why);
  int WaitingLocked() const;
  // REQUIRES: lock held. Bytes a KV cache for `e` may take (its own current one included); 0 when
  // unknown.
  uint64_t BudgetLocked(const EntryPtr& e) const;
  void ExpiryLoop();

  store::Store& store_;
  const SchedulerOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;               // entry state changes, releases
  std::condition_variable expiry_cv_;        // wakes the expiry thread
  std::map<std::string, EntryPtr> entries_;  // GUARDED_BY(mu_), by full model name
  int acquiring_ = 0;                        // GUARDED_BY(mu_): requests inside Acquire
  SchedulerStats stats_;                     // GUARDED_BY(mu_)
  bool stopping_ = false;                    // GUARDED_BY(mu_)
  std::thread expiry_thread_;
};

}  // namespace hearth::scheduler
