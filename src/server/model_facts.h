#pragma once
// What the API reports about a stored model without loading it: Ollama's "details" (from the
// config blob, gaps filled from the GGUF header), capabilities (from the GGUF metadata, the
// projector layer and the template), and for /api/show the GGUF metadata as "model_info" and the
// tensor list. Every GGUF goes through hearth's bounds-checked reader. Pure functions of the
// store's files; thread-safe.

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/store.h"

namespace hearth::server {

// Ollama's ModelDetails with every field empty ("families": null).
nlohmann::json EmptyDetails();

struct ModelFacts {
  nlohmann::json details = EmptyDetails();  // Ollama's ModelDetails
  std::vector<std::string> capabilities;              // completion|embedding|vision|tools|...
  std::string chat_template;                          // the GGUF's tokenizer.chat_template
  nlohmann::json model_info = nlohmann::json::object();  // with `with_model_info` only
  nlohmann::json tensors = nlohmann::json::array();      // with `with_model_info` only
};

// Reads the facts of `model`. With `with_model_info`, fills model_info (arrays longer than 5
// elements are emptied unless `verbose`, general.name and tokenizer.chat_template left out, as
// Ollama) and tensors. DataLoss/InvalidArgument when the model's GGUF fails validation.
Result<ModelFacts> ReadModelFacts(const store::Store& store, const store::ResolvedModel& model,
                                  bool with_model_info, bool verbose);

// Ollama's ggml FileType name for a general.file_type value ("Q4_0", "F16", ...; "unknown").
std::string FileTypeName(int64_t file_type);
// Ollama's format.HumanNumber: 260000 -> "260K", 1500000 -> "1.50M", 8030000000 -> "8.0B".
std::string HumanNumber(uint64_t n);
// Go's time.Time JSON form (RFC 3339 with nanoseconds, trailing zeros trimmed) in local time,
// e.g. "2024-05-01T10:11:12.123456789+02:00" ("Z" when local time is UTC).
std::string FormatTime(std::chrono::system_clock::time_point t);

}  // namespace hearth::server
