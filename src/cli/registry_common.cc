#include "cli/registry_common.h"

#include <fmt/format.h>
#include <signal.h>

#include <atomic>
#include <cstdlib>

#include "base/cancel.h"
#include "cli/progress_view.h"
#include "store/store.h"

namespace hearth::cli {
namespace {

CancelToken* g_cancel = nullptr;

void OnInterrupt(int) {
  if (g_cancel) g_cancel->Cancel();
}

// A positive integer from the environment, or `fallback`.
uint64_t EnvNumber(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  unsigned long long n = std::strtoull(v, &end, 10);
  return (end && *end == '\0' && n > 0) ? n : fallback;
}

}  // namespace

int RunTransfer(const std::string& name, bool insecure, const std::string& verb,
                const TransferFn& fn) {
  auto parsed = store::ModelName::Parse(name);
  if (!parsed.ok()) {
    fmt::print(stderr, "Error: {}\n", parsed.status().message());
    return 1;
  }
  auto st = store::Store::Open(store::Store::DefaultRoot());
  if (!st.ok()) {
    fmt::print(stderr, "Error: {}\n", st.status().message());
    return 1;
  }
  CancelToken cancel;
  g_cancel = &cancel;
  struct sigaction sa = {};
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);

  store::RegistryOptions options;
  options.insecure = insecure;
  options.cancel = &cancel;
  options.min_part_size = EnvNumber("HEARTH_PULL_PART_BYTES", options.min_part_size);
  options.stall_timeout =
      std::chrono::milliseconds(EnvNumber("HEARTH_PULL_STALL_MS", options.stall_timeout.count()));
  options.retry_backoff =
      std::chrono::milliseconds(EnvNumber("HEARTH_PULL_RETRY_MS", options.retry_backoff.count()));
  const char* noprune = std::getenv("HEARTH_NOPRUNE");
  options.prune =
      !(noprune && *noprune && std::string(noprune) != "0" && std::string(noprune) != "false");

  store::RegistryClient client(st->get());
  auto view = ProgressView::ForStderr();
  Status s = fn(client, *parsed, options,
                [&](const store::TransferProgress& p) { view->Update(p, verb); });
  view->Stop();
  g_cancel = nullptr;
  signal(SIGINT, SIG_DFL);
  if (!s.ok()) {
    fmt::print(stderr, "Error: {}\n", s.message());
    return 1;
  }
  return 0;
}

}  // namespace hearth::cli
