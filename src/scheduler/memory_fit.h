#pragma once
// Keeps a request's num_ctx from allocating more memory than the machine has: a client can ask
// for any num_ctx (Aider asks for tokens*1.25+8192), and a KV cache that does not fit would get
// the server killed instead of answering. The scheduler estimates the KV cache of a context tier
// before it creates an engine and steps down to the largest tier that fits; when not even the
// smallest fits, the load fails with ResourceExhausted, as Ollama's
//   model requires more system memory (X GiB) than is available (Y GiB)
// Pure functions except AvailableMemory(); thread-safe.

#include <cstdint>
#include <string>

#include "engine/model.h"

namespace hearth::scheduler {

// Bytes of f16 K and V cache for `n_ctx` tokens in each of `n_parallel` sequences, from the
// model's layer count, KV heads and head size; 0 when the metadata does not say.
uint64_t EstimateKvBytes(const engine::ModelInfo& info, int32_t n_ctx, int32_t n_parallel);

// The largest tier (min_tier * 2^k, or `tier` itself) <= `tier` whose estimated KV cache plus a
// 10% margin fits in `budget` bytes; 0 when not even min_tier (or `tier`, if smaller) fits.
// `budget` 0 means unknown: `tier` as it is.
int32_t FitTier(const engine::ModelInfo& info, int32_t tier, int32_t min_tier, int32_t n_parallel,
                uint64_t budget);

// MemAvailable from /proc/meminfo in bytes; 0 when unknown.
uint64_t AvailableMemory();

}  // namespace hearth::scheduler
