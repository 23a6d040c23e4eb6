#include "engine/backend.h"

#include <llama.h>

#include <atomic>
#include <cstdio>
#include <mutex>

namespace hearth::engine {
namespace {
std::atomic<bool> g_verbose{false};

void LogCallback(ggml_log_level level, const char* text, void*) {
  static std::atomic<ggml_log_level> last{GGML_LOG_LEVEL_INFO};
  // CONT lines continue the previous line at its level.
  if (level == GGML_LOG_LEVEL_CONT) level = last.load();
  else last.store(level);
  if (level >= GGML_LOG_LEVEL_WARN || g_verbose.load()) std::fputs(text, stderr);
}
}  // namespace

void InitBackend() {
  static std::once_flag once;
  std::call_once(once, [] {
    llama_log_set(LogCallback, nullptr);
    llama_backend_init();
  });
}

void SetBackendVerbose(bool verbose) { g_verbose.store(verbose); }

}  // namespace hearth::engine
