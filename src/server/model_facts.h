#pragma once
// The JSON the API reports about stored models, built from the store's own readers
// (store::ShowModel for /api/show; the config blob, store::FactsOf and store::Capabilities for
// /api/tags), so `hearth show` and /api/show always agree. Pure functions; thread-safe.

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "gguf/gguf.h"
#include "store/show.h"
#include "store/store.h"

namespace hearth::server {

// Ollama's ModelDetails with every field empty ("families": null).
nlohmann::json EmptyDetails();

struct ListFacts {
  nlohmann::json details = EmptyDetails();
  std::vector<std::string> capabilities;
};

// An /api/tags entry's details (the config blob; context and embedding length and an unknown
// quantization filled from the GGUF header, as Ollama's list does) and capabilities. Errors when
// the config or the GGUF cannot be read or validated.
Result<ListFacts> ReadListFacts(const store::Store& store, const store::ResolvedModel& model);

// The /api/show body for `info` (read with the same `verbose`).
nlohmann::json ShowJson(const store::ShowInfo& info, bool verbose);

// GGUF metadata as Ollama's model_info: every key but general.name and tokenizer.chat_template;
// arrays longer than 5 elements are emptied unless `verbose`; float32 values keep their shortest
// decimal form.
nlohmann::json ModelInfo(const gguf::File& file, bool verbose);

// Go's time.Time JSON form (RFC 3339 with nanoseconds, trailing zeros trimmed) in local time,
// e.g. "2024-05-01T10:11:12.123456789+02:00" ("Z" when local time is UTC).
std::string FormatTime(std::chrono::system_clock::time_point t);

}  // namespace hearth::server
