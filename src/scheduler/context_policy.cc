#include "scheduler/context_policy.h"

#include <algorithm>

namespace hearth::scheduler {

int32_t ContextTier(int32_t requested, int32_t min_tier, int32_t train_ctx) {
  int64_t tier = std::max<int32_t>(min_tier, 1);
  const int64_t want = std::max<int64_t>(requested, tier);
  const int64_t cap = train_ctx > 0 ? train_ctx : INT32_MAX;
  while (tier < want && tier < cap) tier *= 2;
  return static_cast<int32_t>(std::min(tier, cap));
}

int32_t ContextTarget(int32_t requested, int32_t loaded, int32_t min_tier, int32_t train_ctx) {
  const int32_t tier = ContextTier(requested, min_tier, train_ctx);
  return loaded >= tier ? loaded : tier;
}

}  // namespace hearth::scheduler
