#include "cli/model_ref.h"

#include <sys/stat.h>

namespace hearth::cli {

Result<std::unique_ptr<store::Store>> OpenDefaultStore() {
  return store::Store::Open(store::Store::DefaultRoot());
}

Result<ModelRef> ResolveModelArg(const std::string& arg) {
  ModelRef ref;
  ref.gguf_path = arg;
  struct stat st;
  if (::stat(arg.c_str(), &st) == 0) return ref;
  const bool gguf_suffix = arg.size() >= 5 && (arg.compare(arg.size() - 5, 5, ".gguf") == 0 ||
                                               arg.compare(arg.size() - 5, 5, ".GGUF") == 0);
  auto name = store::ModelName::Parse(arg);
  if (!name.ok() || gguf_suffix) return ref;
  HEARTH_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> s, OpenDefaultStore());
  auto resolved = s->Resolve(*name);
  if (!resolved.ok()) {
    if (resolved.status().code() == StatusCode::kNotFound) {
      return NotFound("model \"" + arg + "\" not found, try pulling it first");
    }
    return resolved.status();
  }
  ref.gguf_path = resolved->model_path;
  ref.resolved = std::move(resolved).value();
  return ref;
}

}  // namespace hearth::cli
