#include "scheduler/memory_fit.h"

#include <gtest/gtest.h>

#include "scheduler/scheduler_fixture.h"

namespace hearth::scheduler {
namespace {

using chat::Message;
using testing::Collector;
using testing::GenerateRequest;
using testing::IntOption;

// stories260K: 5 layers, 8 heads of 8 dimensions, 4 KV heads: 2*2*5*4*8 = 640 bytes a cell.
engine::ModelInfo Stories() {
  engine::ModelInfo info;
  info.block_count = 5;
  info.head_count = 8;
  info.head_count_kv = 4;
  info.embedding_length = 64;
  return info;
}

TEST(MemoryFitTest, EstimatesTheKvCache) {
  EXPECT_EQ(EstimateKvBytes(Stories(), 512, 1), 640u * 512);
  EXPECT_EQ(EstimateKvBytes(Stories(), 512, 4), 4u * 640 * 512);
  EXPECT_EQ(EstimateKvBytes(engine::ModelInfo{}, 512, 1), 0u);
  // An 8B Llama-3 (32 layers, 8 KV heads of 128): 128 KiB a cell, 1 GiB at 8192.
  engine::ModelInfo llama3;
  llama3.block_count = 32;
  llama3.head_count = 32;
  llama3.head_count_kv = 8;
  llama3.embedding_length = 4096;
  EXPECT_EQ(EstimateKvBytes(llama3, 8192, 1), 1ull << 30);
}

TEST(MemoryFitTest, StepsDownToTheLargestTierThatFits) {
  EXPECT_EQ(FitTier(Stories(), 512, 64, 1, 0), 512);  // unknown budget
  EXPECT_EQ(FitTier(Stories(), 512, 64, 1, 1 << 20), 512);
  EXPECT_EQ(FitTier(Stories(), 512, 64, 1, 100'000), 128);  // 128 cells + 10% = 90,112 B
  EXPECT_EQ(FitTier(Stories(), 512, 64, 2, 100'000), 64);
  EXPECT_EQ(FitTier(Stories(), 512, 64, 1, 10'000), 0);
}

class MemoryLimitTest : public testing::RouterTest {};

TEST_F(MemoryLimitTest, ALargeNumCtxLoadsWhatFitsAndNeverRetries) {
  CreateModel("stories");
  SchedulerOptions o = TestOptions();
  o.memory_limit = 100'000;
  auto s = Make(o);
  for (int i = 0; i < 3; ++i) {
    Collector c;
    chat::Request r = GenerateRequest("stories", "Once upon a time");
    r.options.push_back(IntOption("num_ctx", 512));
    ASSERT_TRUE(s->Generate(r, c.Sink()).ok());
    ASSERT_TRUE(c.Wait());
  }
  EXPECT_EQ(s->Running().at(0).context_length, 128);
  EXPECT_EQ(s->Stats().loads, 1u);
  EXPECT_EQ(s->Stats().context_grows, 0u);
  bool logged = false;
  for (const auto& line : Logs())
    logged |= line.find("does not fit in memory") != std::string::npos;
  EXPECT_TRUE(logged);
}

TEST_F(MemoryLimitTest, GrowsOnlyAsFarAsMemoryAllows) {
  CreateModel("stories");
  SchedulerOptions o = TestOptions();
  o.memory_limit = 100'000;
  auto s = Make(o);
  auto run = [&](int64_t num_ctx) {
    Collector c;
    chat::Request r = GenerateRequest("stories", "Once");
    r.options.push_back(IntOption("num_ctx", num_ctx));
    ASSERT_TRUE(s->Generate(r, c.Sink()).ok());
    ASSERT_TRUE(c.Wait());
  };
  run(64);
  EXPECT_EQ(s->Running().at(0).context_length, 64);
  run(512);
  EXPECT_EQ(s->Running().at(0).context_length, 128);
  run(512);
  run(256);
  EXPECT_EQ(s->Running().at(0).context_length, 128);
  EXPECT_EQ(s->Stats().context_grows, 1u);
}

TEST_F(MemoryLimitTest, NotEvenTheSmallestTierIsResourceExhausted) {
  CreateModel("stories");
  SchedulerOptions o = TestOptions();
  o.memory_limit = 10'000;
  auto s = Make(o);
  Collector c;
  Status st = s->Generate(GenerateRequest("stories", "Once"), c.Sink());
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(st.message().rfind("model requires more system memory (", 0), 0u) << st.message();
  EXPECT_EQ(c.chunks(), 0);
  EXPECT_TRUE(s->Running().empty());
}

}  // namespace
}  // namespace hearth::scheduler
