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

registry::RegistryOptions RegistryOptionsFromEnv() {
  registry::RegistryOptions options;
  options.min_part_size = EnvNumber("HEARTH_PULL_PART_BYTES", options.min_part_size);
  options.stall_timeout =
      std::chrono::milliseconds(EnvNumber("HEARTH_PULL_STALL_MS", options.stall_timeout.count()));
  options.retry_backoff =
      std::chrono::milliseconds(EnvNumber("HEARTH_PULL_RETRY_MS", options.retry_backoff.count()));
  const char* noprune = std::getenv("HEARTH_NOPRUNE");
  options.prune =
      !(noprune && *noprune && std::string(noprune) != "0" && std::string(noprune) != "false");
  return options;
}

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

  registry::RegistryOptions options = RegistryOptionsFromEnv();
  options.insecure = insecure;
  options.cancel = &cancel;

  registry::RegistryClient client(st->get());
  auto view = ProgressView::ForStderr();
  Status s = fn(client, *parsed, options,
                [&](const registry::TransferProgress& p) { view->Update(p, verb); });
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

namespace hearth::cli {

int RunServerTransfer(const ApiClient& api, const std::string& name, bool insecure,
                      const std::string& verb, const std::string& path) {
  CancelToken cancel;
  g_cancel = &cancel;
  struct sigaction sa = {};
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  auto view = ProgressView::ForStderr();
  nlohmann::json body = {{"model", name}, {"insecure", insecure}, {"stream", true}};
  Status s = api.Stream(
      path, body,
      [&](const nlohmann::json& m) {
        registry::TransferProgress p;
        auto str = [&](const char* k) {
          auto it = m.find(k);
          return it != m.end() && it->is_string() ? it->get<std::string>() : std::string();
        };
        auto num = [&](const char* k) -> uint64_t {
          auto it = m.find(k);
          return it != m.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
        };
        p.status = str("status");
        p.digest = str("digest");
        p.total = num("total");
        p.completed = num("completed");
        view->Update(p, verb);
        return Status();
      },
      &cancel);
  view->Stop();
  g_cancel = nullptr;
  signal(SIGINT, SIG_DFL);
  if (!s.ok()) {
    fmt::print(stderr, "Error: {}\n", s.message());
    return 1;
  }
  return 0;
}

int Transfer(const std::string& name, bool insecure, const std::string& verb,
             const std::string& path, const TransferFn& fn) {
  auto api = ApiClient::ConnectFromEnv();
  if (!api.ok()) {
    fmt::print(stderr, "Error: {}\n", api.status().message());
    return 1;
  }
  if (*api) return RunServerTransfer(**api, name, insecure, verb, path);
  return RunTransfer(name, insecure, verb, fn);
}

}  // namespace hearth::cli
