#include "scheduler/context_policy.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace hearth::scheduler {
namespace {

TEST(ContextPolicyTest, TiersDoubleFromTheMinimumUpToTheTrainingContext) {
  EXPECT_EQ(ContextTier(0, 4096, 131072), 4096);
  EXPECT_EQ(ContextTier(100, 4096, 131072), 4096);
  EXPECT_EQ(ContextTier(4096, 4096, 131072), 4096);
  EXPECT_EQ(ContextTier(4097, 4096, 131072), 8192);
  EXPECT_EQ(ContextTier(8192, 4096, 131072), 8192);
  EXPECT_EQ(ContextTier(8193, 4096, 131072), 16384);
  EXPECT_EQ(ContextTier(1'000'000, 4096, 131072), 131072);
  EXPECT_EQ(ContextTier(40000, 4096, 40960), 40960);  // the cap need not be a tier
  EXPECT_EQ(ContextTier(8192, 4096, 512), 512);       // small training context
  EXPECT_EQ(ContextTier(1 << 30, 4096, 0), 1 << 30);  // unknown training context: no cap
}

TEST(ContextPolicyTest, LoadedContextServesSmallerRequests) {
  EXPECT_EQ(ContextTarget(2048, 16384, 4096, 131072), 16384);
  EXPECT_EQ(ContextTarget(16384, 16384, 4096, 131072), 16384);
  EXPECT_EQ(ContextTarget(16385, 16384, 4096, 131072), 32768);
  EXPECT_EQ(ContextTarget(8192, 0, 4096, 131072), 8192);
  EXPECT_EQ(ContextTarget(999999, 512, 4096, 512), 512);
}

// Replays a client's num_ctx sequence; returns the contexts loaded (first load and each grow).
std::vector<int32_t> Replay(const std::vector<int32_t>& num_ctx, int32_t train) {
  std::vector<int32_t> loads;
  int32_t loaded = 0;
  for (int32_t n : num_ctx) {
    const int32_t target = ContextTarget(n, loaded, 4096, train);
    if (target != loaded) loads.push_back(target);
    loaded = target;
  }
  return loads;
}

TEST(ContextPolicyTest, AiderGrowingNumCtxLoadsEachTierAtMostOnce) {
  // Aider: num_ctx = int(tokens * 1.25) + 8192, the conversation growing every turn.
  std::vector<int32_t> seq;
  for (int tokens = 300; tokens < 120000; tokens += 750) {
    seq.push_back(static_cast<int32_t>(tokens * 1.25) + 8192);
  }
  ASSERT_GT(seq.size(), 150u);
  const std::vector<int32_t> loads = Replay(seq, 131072);
  EXPECT_EQ(loads, (std::vector<int32_t>{16384, 32768, 65536, 131072}));
}

TEST(ContextPolicyTest, ContinueConstantNumCtxLoadsOnce) {
  const std::vector<int32_t> seq(100, 8192);
  EXPECT_EQ(Replay(seq, 32768), (std::vector<int32_t>{8192}));
}

TEST(ContextPolicyTest, MixedClientsNeverShrinkOrRepeatATier) {
  std::vector<int32_t> seq = {8192, 2048, 30000, 8192, 4096, 30000, 100, 70000, 8192};
  const std::vector<int32_t> loads = Replay(seq, 131072);
  EXPECT_EQ(loads, (std::vector<int32_t>{8192, 32768, 131072}));
  std::set<int32_t> unique(loads.begin(), loads.end());
  EXPECT_EQ(unique.size(), loads.size());
}

}  // namespace
}  // namespace hearth::scheduler
