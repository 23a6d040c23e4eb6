#pragma once
// ServeSettings: every HEARTH_* variable `hearth serve` reads, parsed in one place into typed
// values. A variable that is unset or empty means "the default"; a variable with a bad value is
// an error naming the variable and the value ("HEARTH_MAX_QUEUE=abc: not a non-negative
// integer"), never a silent default. API keys are never quoted in an error.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "gateway/config_load.h"  // EnvLookup

namespace hearth::cli {

struct ServeSettings {
  // HEARTH_HOST: "[scheme://]host[:port]" as Ollama's OLLAMA_HOST (server::ParseHostPort).
  std::string host = "127.0.0.1";
  uint16_t port = 11434;
  // HEARTH_MODELS: the model store; default $HOME/.hearth/models.
  std::string models_dir;
  // HEARTH_ORIGINS: extra CORS origins, comma-separated (trimmed, empty entries dropped).
  std::vector<std::string> origins;
  // HEARTH_API_KEYS (comma-separated), then HEARTH_API_KEYS_FILE (one per line, '#' comments).
  // Empty: no key required.
  std::vector<std::string> api_keys;

  // Scheduler. nullopt: SchedulerOptions' own default (a 0 in the variable also means the
  // default, as in Ollama).
  std::optional<std::chrono::nanoseconds> keep_alive;  // HEARTH_KEEP_ALIVE; negative = forever
  std::optional<int> max_loaded_models;                // HEARTH_MAX_LOADED_MODELS, <= 1000
  std::optional<int> max_queue;                        // HEARTH_MAX_QUEUE, <= 1000000
  std::optional<int> num_parallel;                     // HEARTH_NUM_PARALLEL, <= 256
  std::optional<int32_t> context_length;               // HEARTH_CONTEXT_LENGTH, 16..16777216
  std::optional<int32_t> num_threads;                  // HEARTH_NUM_THREADS, <= 4096

  // Registry transfers (pull/push through the server).
  bool prune = true;                                   // HEARTH_NOPRUNE=1 turns pruning off
  std::optional<uint64_t> pull_part_bytes;             // HEARTH_PULL_PART_BYTES, > 0
  std::optional<std::chrono::milliseconds> pull_stall; // HEARTH_PULL_STALL_MS, > 0
  std::optional<std::chrono::milliseconds> pull_retry; // HEARTH_PULL_RETRY_MS, > 0

  // HEARTH_CONFIG: the gateway's config.yaml (gateway::LoadConfigFile). Default
  // $HOME/.hearth/config.yaml when that file exists; nullopt: no gateway. A HEARTH_CONFIG that
  // names a missing file is an error.
  std::optional<std::string> config_path;
};

// Reads the variables through `env` (empty: the process environment). HOME comes from `env`
// too (falling back to the password database). InvalidArgument for a bad value; IOError when
// HEARTH_API_KEYS_FILE cannot be read.
Result<ServeSettings> LoadServeSettings(const gateway::EnvLookup& env = {});

// The variables LoadServeSettings reads, for `hearth serve --help` and tests.
const std::vector<std::string>& ServeVariables();

}  // namespace hearth::cli
