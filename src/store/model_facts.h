#pragma once
// Facts Ollama derives from a GGUF header when it creates or shows a model: the layer media type
// (model, adapter or projector), the config's family / parameter size / file type, and the
// capabilities. Pure functions over gguf::File; thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "gguf/gguf.h"

namespace hearth::store {

struct GgufFacts {
  std::string architecture;       // general.architecture ("" when absent)
  std::string kind;               // general.type, "unknown" when absent
  uint64_t parameter_count = 0;   // sum of tensor element counts (as Ollama patches it)
  std::string file_type;          // "Q4_K_M", "F16", ... "unknown"
  uint64_t context_length = 0;    // <arch>.context_length, 0 when absent
  uint64_t embedding_length = 0;  // <arch>.embedding_length, 0 when absent
  std::string media_type;         // kMediaModel, kMediaAdapter or kMediaProjector
  std::string chat_template;      // tokenizer.chat_template
  bool has_pooling = false;       // <arch>.pooling_type present: an embedding model
  bool has_vision = false;        // <arch>.vision.block_count present
  bool has_audio = false;         // <arch>.audio.block_count present
};

GgufFacts FactsOf(const gguf::File& f);

// Ollama's format.HumanNumber: "512", "293K", "1.24M", "8B", "7.2B".
std::string HumanNumber(uint64_t n);

// Ollama's ggml FileType names by general.file_type value ("F32", "Q4_0", "Q4_K_M", ...);
// "unknown" for values it does not name.
std::string FileTypeName(int64_t file_type);

// Capabilities as Ollama's Model.Capabilities orders them: those listed in the config, the GGUF
// chat template's (tools, thinking; only when the model has no Go template), completion or
// embedding, vision (from the model or a projector layer), then the Go template's (tools, insert,
// thinking). `go_template_caps` are OllamaTemplate::Capabilities() of the template layer.
std::vector<std::string> Capabilities(const std::vector<std::string>& config_caps,
                                      const GgufFacts* model, bool has_go_template,
                                      const std::vector<std::string>& go_template_caps,
                                      bool has_projector);

}  // namespace hearth::store
