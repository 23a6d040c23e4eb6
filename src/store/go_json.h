#pragma once
// Go's encoding/json output for JSON values, so that the small layers hearth writes (params,
// messages, config) are byte-identical to Ollama's: HTML-safe string escapes, shortest float
// digits, no spaces. Pure functions; thread-safe.

#include <string>

#include <nlohmann/json.hpp>

namespace hearth::store {

// Appends `j` as json.Marshal writes the equivalent Go value. Objects keep their order unless
// `sort_keys` (Go sorts map keys; structs keep field order). Floats use 64-bit shortest digits.
void AppendGoJson(std::string& out, const nlohmann::ordered_json& j, bool sort_keys);

// json.NewEncoder(w).Encode(v): AppendGoJson plus a trailing newline.
std::string GoJsonEncode(const nlohmann::ordered_json& j, bool sort_keys);

}  // namespace hearth::store
