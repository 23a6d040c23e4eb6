#pragma once
// Merges a request's options over the model's: engine defaults < the model's params layer
// (Modelfile PARAMETERs, JSON as Ollama stores it) < the request's `options`. A request that sets
// `stop` replaces the model's stop list. Load-time options (num_ctx, num_batch, num_thread) are
// returned apart: the scheduler uses them when it loads or grows a model, never per request.
// Options this engine does not implement (num_gpu, main_gpu, use_mmap, num_keep, ...) are
// type-checked and otherwise ignored, as Ollama ignores them on a CPU. Pure; thread-safe.

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "chat/options.h"
#include "chat/request.h"

namespace hearth::scheduler {

struct LoadSettings {
  int32_t num_ctx = 0;     // 0: not set by the model or the request
  int32_t num_batch = 0;   // 0: not set
  int32_t num_thread = 0;  // 0: not set
};

struct MergedOptions {
  chat::GenerationOptions generation;
  LoadSettings load;
};

// InvalidArgument names the option: "invalid params layer: ..." for a bad model params layer,
// "option top_k: ..." for a request option of the wrong type or an unknown name.
Result<MergedOptions> MergeOptions(std::string_view params_json,
                                   const std::vector<chat::OptionSetting>& request_options);

}  // namespace hearth::scheduler
