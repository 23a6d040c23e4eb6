#pragma once
// The scheduler's settings and the environment variables that set them (Ollama's names with
// HEARTH_ for OLLAMA_):
//   HEARTH_KEEP_ALIVE          default keep_alive: Go duration or seconds; negative = forever (5m)
//   HEARTH_MAX_LOADED_MODELS   models in memory at once (3)
//   HEARTH_MAX_QUEUE           requests waiting (for a load, a context grow or a free sequence)
//                              before Generate answers ResourceExhausted (512)
//   HEARTH_NUM_PARALLEL        sequences decoded together per model (1, as Ollama)
//   HEARTH_CONTEXT_LENGTH      num_ctx when neither the request nor the model sets one (4096);
//                              below 4096 it is also the smallest context tier
//   HEARTH_NUM_THREADS         CPU threads per model when the request and model set no
//                              num_thread (all hardware threads; hearth's addition)
// An integer variable that is unset, empty or 0 keeps the default, as in Ollama.
// Value type; thread-compatible.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "base/status.h"

namespace hearth::scheduler {

struct SchedulerOptions {
  std::chrono::nanoseconds default_keep_alive = std::chrono::minutes(5);
  int max_loaded_models = 3;
  int max_queue = 512;
  int num_parallel = 1;
  int32_t default_context = 4096;
  // The smallest context tier; tiers double from here up to the model's training context.
  int32_t min_context_tier = 4096;
  int32_t num_batch = 512;  // tokens per decode call unless the model/request sets num_batch
  int32_t num_threads = 0;  // 0: all hardware threads, unless num_thread is set
  // Bytes the KV caches of all loaded models may use; 0: what the machine has available
  // (MemAvailable) when a model loads or grows. A context that would not fit is loaded at the
  // largest tier that does (see memory_fit.h).
  uint64_t memory_limit = 0;
  // Receives one line per notable event (load, grow, unload, eviction, truncation). Empty: the
  // lines go to stderr.
  std::function<void(const std::string&)> log;

  // Defaults overridden by the HEARTH_* variables above. InvalidArgument names the variable and
  // the value, e.g. "HEARTH_MAX_QUEUE: \"many\" is not a non-negative integer".
  static Result<SchedulerOptions> FromEnv();
};

}  // namespace hearth::scheduler
