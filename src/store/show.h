#pragma once
// ShowModel: what `hearth show` (and later /api/show) reports about a model in the store, as
// Ollama's GetModelInfo builds its ShowResponse: details from the config blob, the model layer's
// GGUF metadata and tensors, capabilities, parameters, template, system, license and the
// generated Modelfile. Reads only; thread-safe as the Store is.

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "gguf/gguf.h"
#include "store/name.h"
#include "store/store.h"

namespace hearth::store {

struct ShowInfo {
  ModelName name;
  // Ollama's ModelDetails.
  std::string parent_model;  // the model layer's "from"
  std::string format;
  std::string family;
  std::vector<std::string> families;
  std::string parameter_size;      // config model_type
  std::string quantization_level;  // config file_type
  std::string renderer, parser, requires_version;

  std::string modelfile;   // FormatModelfile
  std::string parameters;  // FormatParameters
  // The Go template layer; without one, the GGUF's Jinja chat template (what hearth renders
  // with); without either, Ollama's default "{{ .Prompt }}".
  std::string template_text;
  std::string system;
  std::string license;  // every license layer, joined with "\n"
  std::vector<std::pair<std::string, std::string>> messages;  // (role, content)
  std::vector<std::string> capabilities;
  std::chrono::system_clock::time_point modified;

  // The model layer's GGUF header (metadata and tensor infos); unset without a model layer.
  // String arrays are kept only when `verbose`.
  std::optional<gguf::File> model;
  std::optional<gguf::File> projector;
};

// NotFound `model "x" not found` when `name` is not in the store; DataLoss/IOError when a layer
// is missing, corrupt or not a valid GGUF.
Result<ShowInfo> ShowModel(const Store& store, const ModelName& name, bool verbose);

}  // namespace hearth::store
