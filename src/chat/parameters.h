#pragma once
// Parses Ollama parameter names and values ("temperature 0.7", "stop <|im_end|>") into
// GenerationOptions: shared by `/set parameter`, Modelfile PARAMETER and API `options`.

#include <string>

#include "base/status.h"
#include "chat/options.h"

namespace hearth::chat {

// Applies `name` = `value` to `options`. `stop` appends. Returns InvalidArgument naming the
// parameter for an unknown name or a value of the wrong type or range. Load-time parameters
// (num_ctx, num_batch, num_thread, num_gpu) are not generation options: they return
// FailedPrecondition so the caller can handle them.
Status ApplyParameter(GenerationOptions& options, const std::string& name,
                      const std::string& value);

}  // namespace hearth::chat
