#pragma once
// Internal to the scheduler (scheduler*.cc): one model in memory and a request's hold on it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "engine/embedder.h"
#include "engine/engine.h"
#include "engine/model.h"
#include "scheduler/prompt.h"
#include "scheduler/scheduler.h"
#include "store/name.h"

namespace hearth::scheduler {

struct Scheduler::Entry {
  enum class State {
    kLoading,   // the loading thread owns model/engine/prompting; nobody else reads them
    kReady,     // requests may take it
    kDraining,  // a grow, reload or unload waits for the running requests; new ones wait
  };
  std::string key;  // full model name, the table key
  State state = State::kLoading;
  int running = 0;          // requests holding the engine
  int waiting = 0;          // requests in Acquire waiting for this entry to become ready
  int32_t tier = 0;         // context tier asked for at the last (re)load
  int32_t failed_tier = 0;  // a grow to this tier failed: larger requests run on `tier`
  store::Digest digest;     // manifest digest the engine was loaded from
  engine::ModelPtr model;
  std::unique_ptr<ModelPrompting> prompting;
  std::unique_ptr<engine::Engine> engine;
  // The model's embedding context: for a completion model created by its first Embed, for an
  // embedding-only model (no `engine`, no `prompting`) at load. A request holding a lease uses it;
  // it goes with the entry or a reload of a changed model.
  std::mutex embed_mu;
  std::unique_ptr<engine::Embedder> embedder;  // GUARDED_BY(embed_mu)
  // What /api/ps reports of `embedder`, set with it (readable without embed_mu, which an Embed
  // holds for the whole batch): its context size and memory, and the part not shared with `engine`.
  std::atomic<int32_t> embed_ctx{0};
  std::atomic<uint64_t> embed_bytes{0};
  std::atomic<uint64_t> embed_context_bytes{0};
  // REQUIRES: embed_mu held. Replaces the embedder (null: none) and publishes its sizes.
  void SetEmbedder(std::unique_ptr<engine::Embedder> next) {
    embedder = std::move(next);
    const engine::MemoryReport m = embedder ? embedder->memory() : engine::MemoryReport{};
    embed_ctx = embedder ? embedder->options().n_ctx : 0;
    embed_bytes = m.total();
    embed_context_bytes = m.total() - m.weights;
  }
  // REQUIRES: embed_mu held. Takes the embedder out (to free it without the lock).
  std::unique_ptr<engine::Embedder> TakeEmbedder() {
    std::unique_ptr<engine::Embedder> out = std::move(embedder);
    SetEmbedder(nullptr);
    return out;
  }
  RunningModel details;           // name, digest and the model's details; sizes filled by Running()
  bool expire_when_idle = false;  // an unload request came while requests were running
  std::chrono::nanoseconds keep_alive{0};
  std::chrono::steady_clock::time_point expires = std::chrono::steady_clock::time_point::max();
  std::chrono::system_clock::time_point expires_wall;
  std::chrono::steady_clock::time_point last_used;
};

struct Scheduler::Lease {
  EntryPtr entry;
  engine::Engine* engine = nullptr;           // valid while the lease is held
  const ModelPrompting* prompting = nullptr;  // likewise
};

// An Embedder for `model`: num_ctx from `load` (capped at the training context by the Embedder),
// threads from `load` else `default_threads`.
Result<std::unique_ptr<engine::Embedder>> MakeEmbedder(const engine::ModelPtr& model,
                                                       const LoadSettings& load,
                                                       int32_t default_threads);

// A keep_alive this long (or negative) keeps a model loaded for good.
inline constexpr std::chrono::hours kForever{24 * 365 * 100};
bool KeptForever(std::chrono::nanoseconds keep_alive);
// keep_alive as a wall-clock expiry: forever is a far-future time (now + kForever), as Ollama.
std::chrono::system_clock::time_point ExpiryTime(std::chrono::system_clock::time_point now,
                                                 std::chrono::nanoseconds keep_alive);

}  // namespace hearth::scheduler
