#include "scheduler/memory_fit.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

namespace hearth::scheduler {

uint64_t EstimateKvBytes(const engine::ModelInfo& info, int32_t n_ctx, int32_t n_parallel) {
  if (info.block_count <= 0 || info.head_count <= 0 || info.embedding_length <= 0) return 0;
  const uint64_t kv_heads = info.head_count_kv > 0 ? info.head_count_kv : info.head_count;
  const uint64_t head_dim = static_cast<uint64_t>(info.embedding_length / info.head_count);
  // K and V, 2 bytes (f16) each, per layer, KV head, head dimension and cell.
  return 2ull * 2ull * static_cast<uint64_t>(info.block_count) * kv_heads * head_dim *
         static_cast<uint64_t>(std::max(n_ctx, 0)) * static_cast<uint64_t>(std::max(n_parallel, 1));
}

int32_t FitTier(const engine::ModelInfo& info, int32_t tier, int32_t min_tier, int32_t n_parallel,
                uint64_t budget) {
  if (budget == 0) return tier;
  auto fits = [&](int32_t t) {
    const uint64_t kv = EstimateKvBytes(info, t, n_parallel);
    return kv + kv / 10 <= budget;
  };
  if (fits(tier)) return tier;
  // Step down through the tiers below `tier`.
  int64_t t = min_tier;
  int32_t best = 0;
  while (t < tier) {
    if (fits(static_cast<int32_t>(t))) best = static_cast<int32_t>(t);
    t *= 2;
  }
  return best;
}

uint64_t AvailableMemory() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t value = 0;
  std::string unit;
  while (in >> key >> value) {
    std::getline(in, unit);
    if (key == "MemAvailable:") return value * 1024;  // kB
  }
  return 0;
}

}  // namespace hearth::scheduler
