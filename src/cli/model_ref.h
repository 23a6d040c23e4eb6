#pragma once
// What a model argument on the command line means: a GGUF file path, or a model name resolved
// through the store ($HEARTH_MODELS, else ~/.hearth/models). Thread-compatible.

#include <memory>
#include <optional>
#include <string>

#include "base/status.h"
#include "store/store.h"

namespace hearth::cli {

struct ModelRef {
  std::string gguf_path;  // what the engine loads
  // Set when the argument named a store model: its manifest layers (template, system, params,
  // messages, adapters, projector, draft) for whoever applies them.
  std::optional<store::ResolvedModel> resolved;
};

// An existing file stays a path; so does anything that is not a valid model name or ends in
// ".gguf" (the engine then reports the missing file). Anything else is resolved through the
// store: NotFound `model "x" not found, try pulling it first`.
Result<ModelRef> ResolveModelArg(const std::string& arg);

// Opens the store at $HEARTH_MODELS (else ~/.hearth/models).
Result<std::unique_ptr<store::Store>> OpenDefaultStore();

}  // namespace hearth::cli
