// `hearth push NAME [--insecure]`: uploads a stored model's blobs (skipping those the registry
// already has) and then its manifest, with Ollama's progress display on stderr.
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/registry_common.h"

namespace hearth::cli {
namespace {

struct PushFlags {
  std::string name;
  bool insecure = false;
};

int Push(const PushFlags& f) {
  return Transfer(f.name, f.insecure, "pushing", "/api/push",
                  [](registry::RegistryClient& client, const store::ModelName& name,
                     const registry::RegistryOptions& options, const registry::ProgressFn& progress) {
                    return client.Push(name, options, progress);
                  });
}

}  // namespace

Handler SetupPush(CLI::App& sub) {
  auto f = std::make_shared<PushFlags>();
  sub.add_option("model", f->name, "Name of the model to push, e.g. mirror:11434/team/coder:7b")
      ->required();
  sub.add_flag("--insecure", f->insecure, "Use an insecure registry (plain http)");
  return [f] { return Push(*f); };
}

}  // namespace hearth::cli
