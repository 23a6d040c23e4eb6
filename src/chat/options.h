#pragma once
// Per-request generation options, named and defaulted as Ollama's `options` / Modelfile PARAMETERs
// (../shared/reference/anchors.md §1.2). Thread-compatible value type.

#include <cstdint>
#include <string>
#include <vector>

namespace hearth::chat {

struct SamplingOptions {
  float temperature = 0.8f;  // <= 0 means greedy
  int32_t top_k = 40;        // <= 0 disables
  float top_p = 0.9f;        // >= 1 disables
  float min_p = 0.0f;        // <= 0 disables
  float typical_p = 1.0f;    // >= 1 disables
  float repeat_penalty = 1.0f;
  int32_t repeat_last_n = 64;  // 0 disables penalties, -1 = the whole context
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  int64_t seed = -1;  // < 0: a random seed per request
};

// A constraint on the shape of the output, enforced by a grammar while sampling.
struct OutputFormat {
  enum class Kind {
    kNone,
    kJson,        // any JSON object (Ollama "format": "json", OpenAI json_object)
    kJsonSchema,  // `text` is a JSON Schema (Ollama "format": {...}, OpenAI json_schema)
    kGrammar,     // `text` is a GBNF grammar (internal: e.g. required tool calls)
  };
  Kind kind = Kind::kNone;
  std::string text;
};

struct GenerationOptions {
  SamplingOptions sampling;
  OutputFormat format;
  int32_t num_predict = -1;  // < 0: until end of generation or the context is full
  std::vector<std::string> stop;
};

enum class DoneReason { kStop, kLength, kCancelled, kError };
const char* DoneReasonName(DoneReason r);  // "stop", "length", "cancelled", "error"

}  // namespace hearth::chat
