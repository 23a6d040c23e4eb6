// The scheduler with real requests: context tiers (Continue's and Aider's num_ctx patterns),
// truncation, model parameters and what a model cannot do.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "scheduler/scheduler_fixture.h"
#include "scheduler/scheduler.h"

namespace hearth::scheduler {
namespace {

using chat::Message;
using testing::Blocker;
using testing::ChatRequest;
using testing::Collector;
using testing::Eventually;
using testing::GenerateRequest;
using testing::IntOption;

class SchedulerRequestTest : public testing::RouterTest {};

// Continue sends the same num_ctx on every request: one load, never a grow.
TEST_F(SchedulerRequestTest, ContinuePatternLoadsOnce) {
  CreateModel("stories");
  auto s = Make(TestOptions());
  for (int i = 0; i < 5; ++i) {
    Collector c;
    chat::Request r = ChatRequest("stories", {Message{"user", "Once upon a time"}});
    r.options.push_back(IntOption("num_ctx", 256));
    ASSERT_TRUE(s->Generate(r, c.Sink()).ok());
    ASSERT_TRUE(c.Wait());
  }
  // FIM-less generate and smaller num_ctx run on the loaded context too.
  Collector c;
  chat::Request g = GenerateRequest("stories", "Once");
  g.options.push_back(IntOption("num_ctx", 100));
  ASSERT_TRUE(s->Generate(g, c.Sink()).ok());
  ASSERT_TRUE(c.Wait());
  EXPECT_EQ(s->Stats().loads, 1u);
  EXPECT_EQ(s->Stats().context_grows, 0u);
  EXPECT_EQ(s->Running().at(0).context_length, 256);
}

// Aider sends num_ctx = tokens * 1.25 + 8192 (scaled down here: + 64), growing every turn: each
// context tier is loaded at most once.
TEST_F(SchedulerRequestTest, AiderPatternGrowsOncePerTier) {
  CreateModel("stories");
  auto s = Make(TestOptions());
  std::vector<Message> conversation;
  std::vector<int32_t> contexts;
  for (int turn = 0; turn < 12; ++turn) {
    conversation.push_back(
        Message{"user", "Tell me about the dog number " + std::to_string(turn) + " in the park."});
    int tokens = 0;
    for (const auto& m : conversation) tokens += static_cast<int>(m.content.size()) / 3;
    Collector c;
    chat::Request r = ChatRequest("stories", conversation, 8);
    r.options.push_back(IntOption("num_ctx", static_cast<int64_t>(tokens * 1.25) + 64));
    ASSERT_TRUE(s->Generate(r, c.Sink()).ok()) << turn;
    ASSERT_TRUE(c.Wait());
    conversation.push_back(Message{"assistant", c.text()});
    contexts.push_back(s->Running().at(0).context_length);
  }
  // Non-decreasing, and every change is one grow to a tier not seen before.
  std::set<int32_t> tiers(contexts.begin(), contexts.end());
  for (size_t i = 1; i < contexts.size(); ++i) EXPECT_GE(contexts[i], contexts[i - 1]);
  const SchedulerStats st = s->Stats();
  EXPECT_EQ(st.loads, 1u);
  EXPECT_EQ(st.context_grows, tiers.size() - 1);
  EXPECT_GE(st.context_grows, 1u);  // the test does cross tiers
  EXPECT_LE(st.context_grows, 3u);  // 64 -> 128 -> 256 -> 512 at most
  EXPECT_EQ(contexts.back(), *tiers.rbegin());
}

TEST_F(SchedulerRequestTest, GrowWaitsForRunningRequests) {
  CreateModel("stories");
  SchedulerOptions o = TestOptions();
  o.num_parallel = 2;
  auto s = Make(o);
  Blocker block;
  ASSERT_TRUE(s->Generate(GenerateRequest("stories", "Once upon a time", 50), block.Sink()).ok());
  ASSERT_TRUE(block.WaitStarted());
  Collector big;
  std::atomic<bool> returned{false};
  std::thread t([&] {
    chat::Request r = GenerateRequest("stories", "Once");
    r.options.push_back(IntOption("num_ctx", 512));
    EXPECT_TRUE(s->Generate(r, big.Sink()).ok());
    returned = true;
  });
  ASSERT_TRUE(Eventually([&] { return s->Waiting() == 1; }));
  EXPECT_FALSE(returned.load());
  // A small request arriving during the drain waits too, then runs on the grown context.
  Collector small;
  std::thread t2(
      [&] { EXPECT_TRUE(s->Generate(GenerateRequest("stories", "Once"), small.Sink()).ok()); });
  ASSERT_TRUE(Eventually([&] { return s->Waiting() == 2; }));
  block.Release();
  const chat::Chunk first = block.WaitDone();
  EXPECT_EQ(first.done_reason, chat::DoneReason::kLength);  // finished, not cut by the grow
  t.join();
  t2.join();
  ASSERT_TRUE(big.Wait());
  ASSERT_TRUE(small.Wait());
  EXPECT_EQ(s->Stats().context_grows, 1u);
  EXPECT_EQ(s->Running().at(0).context_length, 512);
}

TEST_F(SchedulerRequestTest, TruncationIsReportedOrRefused) {
  CreateModel("stories",
              "TEMPLATE \"{{ range .Messages }}<{{ .Role }}>{{ .Content }}{{ end }}\"\n");
  auto s = Make(TestOptions());
  std::vector<Message> msgs = {Message{"system", "You tell stories."}};
  for (int i = 0; i < 15; ++i) {
    msgs.push_back(Message{"user", "Where did the little dog " + std::to_string(i) + " go?"});
    msgs.push_back(Message{"assistant", "The little dog went to the park with Lily."});
  }
  msgs.push_back(Message{"user", "And then?"});
  chat::Request r = ChatRequest("stories", msgs);
  r.options.push_back(IntOption("num_ctx", 64));

  r.truncate = false;
  Collector refused;
  Status st = s->Generate(r, refused.Sink());
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("context is 64 tokens"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().rfind("prompt is ", 0), 0u) << st.message();
  EXPECT_EQ(refused.chunks(), 0);

  r.truncate = true;
  Collector c;
  ASSERT_TRUE(s->Generate(r, c.Sink()).ok());
  ASSERT_TRUE(c.Wait());
  const chat::Chunk f = c.final_chunk();
  EXPECT_TRUE(f.truncated);
  EXPECT_GT(f.original_prompt_tokens, 64);
  EXPECT_LT(f.usage.prompt_tokens, 64);
  EXPECT_EQ(s->Stats().truncations, 1u);
  bool logged = false;
  for (const auto& line : Logs()) logged |= line.find("dropped") != std::string::npos;
  EXPECT_TRUE(logged);
}

TEST_F(SchedulerRequestTest, ModelParametersApply) {
  CreateModel("short", "PARAMETER num_predict 3\nPARAMETER temperature 0\nPARAMETER num_ctx 256\n");
  auto s = Make(TestOptions());
  Collector c;
  chat::Request r;
  r.kind = chat::RequestKind::kGenerate;
  r.model = "short";
  r.prompt = "Once upon a time";
  ASSERT_TRUE(s->Generate(r, c.Sink()).ok());
  ASSERT_TRUE(c.Wait());
  EXPECT_EQ(c.final_chunk().usage.completion_tokens, 3);
  EXPECT_EQ(c.text(), ", there was");
  EXPECT_EQ(s->Running().at(0).context_length, 256);  // the model's num_ctx

  // A request option overrides the model's; a request stop ends the output.
  Collector c2;
  r.options = {IntOption("num_predict", 20)};
  chat::ParameterValue stop;
  stop.type = chat::ParameterType::kStringList;
  stop.s = "girl";
  r.options.push_back({"stop", stop});
  ASSERT_TRUE(s->Generate(r, c2.Sink()).ok());
  ASSERT_TRUE(c2.Wait());
  EXPECT_EQ(c2.text(), ", there was a little ");
  EXPECT_EQ(c2.final_chunk().done_reason, chat::DoneReason::kStop);

  // An option of the wrong type is refused before anything loads or streams.
  Collector c3;
  chat::ParameterValue wrong;
  wrong.type = chat::ParameterType::kFloat;
  wrong.f = 0.5;
  r.options = {{"num_predict", wrong}};
  EXPECT_EQ(s->Generate(r, c3.Sink()).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c3.chunks(), 0);
}

TEST_F(SchedulerRequestTest, UnsupportedFeaturesAreInvalidArgument) {
  CreateModel("stories");
  auto s = Make(TestOptions());
  Collector c;
  chat::Request fim = GenerateRequest("stories", "def f(");
  fim.suffix = "return 1";
  Status st = s->Generate(fim, c.Sink());
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "\"stories\" does not support insert");
  chat::Request img = ChatRequest("stories", {Message{"user", "what is this"}});
  img.images = {"\x89PNG\r\n"};
  EXPECT_EQ(s->Generate(img, c.Sink()).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.chunks(), 0);
  // The model stays loaded and usable after refused requests.
  Collector ok;
  ASSERT_TRUE(s->Generate(GenerateRequest("stories", "Once"), ok.Sink()).ok());
  ASSERT_TRUE(ok.Wait());
}

}  // namespace
}  // namespace hearth::scheduler
