#include "scheduler/scheduler_options.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <string_view>
#include <type_traits>

#include "base/duration.h"

namespace hearth::scheduler {
namespace {

// Reads a non-negative integer variable into `out`; unset or empty leaves it.
Status ReadInt(const char* var, int64_t max, auto& out) {
  const char* v = std::getenv(var);
  if (v == nullptr || *v == '\0') return Status();
  std::string_view s(v);
  int64_t n = 0;
  bool ok = s.size() <= 10;
  for (char c : s) {
    if (c < '0' || c > '9') ok = false;
    if (ok) n = n * 10 + (c - '0');
  }
  if (!ok || n > max) {
    return InvalidArgument(std::string(var) + ": \"" + std::string(s) +
                           "\" is not an integer between 0 and " + std::to_string(max));
  }
  out = static_cast<std::remove_reference_t<decltype(out)>>(n);
  return Status();
}

}  // namespace

Result<SchedulerOptions> SchedulerOptions::FromEnv() {
  SchedulerOptions o;
  if (const char* v = std::getenv("HEARTH_KEEP_ALIVE"); v != nullptr && *v != '\0') {
    auto d = ParseKeepAlive(v);
    if (!d.ok()) return d.status().WithContext("HEARTH_KEEP_ALIVE");
    o.default_keep_alive = *d;
  }
  int64_t loaded = 0, queue = 0, parallel = 0, ctx = 0, threads = 0;
  HEARTH_RETURN_IF_ERROR(ReadInt("HEARTH_MAX_LOADED_MODELS", 1000, loaded));
  HEARTH_RETURN_IF_ERROR(ReadInt("HEARTH_MAX_QUEUE", 1'000'000, queue));
  HEARTH_RETURN_IF_ERROR(ReadInt("HEARTH_NUM_PARALLEL", 256, parallel));
  HEARTH_RETURN_IF_ERROR(ReadInt("HEARTH_CONTEXT_LENGTH", 1 << 24, ctx));
  HEARTH_RETURN_IF_ERROR(ReadInt("HEARTH_NUM_THREADS", 4096, threads));
  // 0 means "the default", as in Ollama.
  if (loaded > 0) o.max_loaded_models = static_cast<int>(loaded);
  if (queue > 0) o.max_queue = static_cast<int>(queue);
  if (parallel > 0) o.num_parallel = static_cast<int>(parallel);
  if (ctx > 0) {
    if (ctx < 16) return InvalidArgument("HEARTH_CONTEXT_LENGTH: must be at least 16 tokens");
    o.default_context = static_cast<int32_t>(ctx);
    // A smaller default context is a request for smaller contexts: the tiers start there.
    o.min_context_tier = std::min(o.min_context_tier, o.default_context);
  }
  if (threads > 0) o.num_threads = static_cast<int32_t>(threads);
  return o;
}

}  // namespace hearth::scheduler
