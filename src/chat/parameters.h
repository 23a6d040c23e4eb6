#pragma once
// Ollama's option names and value types (api.Options + api.Runner), and the parser of
// "name value" pairs ("temperature 0.7", "stop <|im_end|>") shared by `/set parameter`, Modelfile
// PARAMETER and API `options`. Pure functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "chat/options.h"

namespace hearth::chat {

// The JSON type Ollama stores an option as (api.FormatParams).
enum class ParameterType {
  kInt,         // num_ctx, top_k, seed, ... (Go int)
  kFloat,       // temperature, top_p, ... (Go float32)
  kBool,        // use_mmap
  kStringList,  // stop: repeatable, each value appends
};

struct ParameterSpec {
  std::string_view name;
  ParameterType type;
  bool load_time;  // a Runner option: changing it means reloading the model
};

// Returns the spec of Ollama option `name` (case-sensitive, as Ollama), or nullptr.
const ParameterSpec* FindParameter(std::string_view name);

// Returns true iff `name` is one Ollama accepts in a Modelfile only to warn and ignore it
// ("warning: parameter mirostat is deprecated"): penalize_newline, low_vram, f16_kv, logits_all,
// vocab_only, use_mlock, mirostat, mirostat_tau, mirostat_eta.
bool IsDeprecatedParameter(std::string_view name);

// One parsed value. `f` holds a float32 value widened to double.
struct ParameterValue {
  ParameterType type = ParameterType::kInt;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  std::string s;  // kStringList: the one element this value adds
};

// Parses `value` for option `name` with Go's rules (strconv.ParseInt base 10 with an optional
// sign, ParseFloat to float32 range, ParseBool's 1/t/T/TRUE/true/True/0/f/F/FALSE/false/False).
// Non-finite floats and empty stop strings are rejected. InvalidArgument names the parameter:
//   unknown parameter 'foo'
//   invalid value for parameter top_k: "ten" is not an integer
Result<ParameterValue> ParseParameter(std::string_view name, std::string_view value);

// Applies `name` = `value` to `options`. `stop` appends. Returns InvalidArgument naming the
// parameter for an unknown name or a value of the wrong type. Options that are valid but not
// generation options (the load-time ones such as num_ctx, num_batch, num_thread, num_gpu,
// main_gpu, use_mmap, draft_num_predict, and num_keep) are type-checked first and then return
// FailedPrecondition so the caller can handle them.
Status ApplyParameter(GenerationOptions& options, const std::string& name,
                      const std::string& value);

}  // namespace hearth::chat
