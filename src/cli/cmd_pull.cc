// `hearth pull NAME [--insecure]`: pulls a model from its registry into the store
// ($HEARTH_MODELS, default ~/.hearth/models), with Ollama's progress display on stderr.
// Tuning (also for tests), all optional: HEARTH_NOPRUNE=1 keeps the layers an older version of
// the model used; HEARTH_PULL_PART_BYTES (minimum part size, default 100 MB),
// HEARTH_PULL_STALL_MS (default 30000), HEARTH_PULL_RETRY_MS (first retry delay, default 1000).
#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/registry_common.h"

namespace hearth::cli {
namespace {

struct PullFlags {
  std::string name;
  bool insecure = false;
};

int Pull(const PullFlags& f) {
  return Transfer(f.name, f.insecure, "pulling", "/api/pull",
                  [](registry::RegistryClient& client, const store::ModelName& name,
                     const registry::RegistryOptions& options, const registry::ProgressFn& progress) {
                    return client.Pull(name, options, progress);
                  });
}

}  // namespace

Handler SetupPull(CLI::App& sub) {
  auto f = std::make_shared<PullFlags>();
  sub.add_option("model", f->name, "Model name, e.g. llama3.2:1b or hf.co/user/repo:Q4_K_M")
      ->required();
  sub.add_flag("--insecure", f->insecure, "Use an insecure registry (plain http)");
  return [f] { return Pull(*f); };
}

}  // namespace hearth::cli
