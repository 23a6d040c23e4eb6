#pragma once
// Process-wide libllama initialisation. Engine-internal.

namespace hearth::engine {
// Initialises the ggml backends and routes libllama's log through hearth's verbosity setting.
// Idempotent and thread-safe.
void InitBackend();
// When true, libllama's info/debug log lines are printed on stderr; warnings and errors always
// are. Default false. Thread-safe.
void SetBackendVerbose(bool verbose);
}  // namespace hearth::engine
