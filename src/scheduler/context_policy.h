#pragma once
// How the scheduler sizes a model's context so that clients that send a different num_ctx on
// every request (Aider: tokens*1.25+8192; Continue: 8192 always) do not cause a reload each time.
// Contexts come in tiers (min_tier, 2*min_tier, 4*min_tier, ... capped at the model's training
// context): a request runs on the loaded context when its tier is not larger, and only a larger
// tier reloads, so each tier is loaded at most once while the model stays in memory.
// Pure functions; thread-safe.

#include <cstdint>

namespace hearth::scheduler {

// The smallest tier >= `requested` (requested <= 0 counts as min_tier): min_tier * 2^k, capped
// at `train_ctx` when that is > 0. REQUIRES: min_tier > 0.
int32_t ContextTier(int32_t requested, int32_t min_tier, int32_t train_ctx);

// The tier the model must have for a request of `requested` tokens when it is loaded at tier
// `loaded` (0: not loaded): `loaded` when that is at least the request's tier, else the
// request's tier. A result different from `loaded` means load or grow.
int32_t ContextTarget(int32_t requested, int32_t loaded, int32_t min_tier, int32_t train_ctx);

}  // namespace hearth::scheduler
