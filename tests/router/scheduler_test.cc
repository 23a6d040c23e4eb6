#include "router/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <sys/stat.h>

#include <cstdlib>
#include <future>
#include <set>
#include <thread>

#include "router/router_fixture.h"

namespace hearth::router {
namespace {

using chat::Message;
using testing::ChatRequest;
using testing::Collector;
using testing::Eventually;
using testing::GenerateRequest;
using testing::IntOption;

class SchedulerTest : public testing::RouterTest {};

std::vector<std::string> Names(const std::vector<RunningModel>& running) {
  std::vector<std::string> out;
  for (const auto& m : running) out.push_back(m.name);
  return out;
}

// A sink that blocks the engine thread on its first chunk until released: the request stays
// running (holding its sequence) for as long as the test needs.
class Blocker {
 public:
  chat::ChunkSink Sink() {
    return [this](chat::Chunk&& c) {
      if (!c.done && !started_.exchange(true)) {
        started_promise_.set_value();
        release_.wait();
      }
      if (c.done) done_promise_.set_value(std::move(c));
      return true;
    };
  }
  bool WaitStarted() {
    return started_future_.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
  }
  void Release() { release_promise_.set_value(); }
  chat::Chunk WaitDone() {
    EXPECT_EQ(done_future_.wait_for(std::chrono::seconds(120)), std::future_status::ready);
    return done_future_.get();
  }

 private:
  std::atomic<bool> started_{false};
  std::promise<void> started_promise_;
  std::future<void> started_future_ = started_promise_.get_future();
  std::promise<void> release_promise_;
  std::shared_future<void> release_ = release_promise_.get_future().share();
  std::promise<chat::Chunk> done_promise_;
  std::future<chat::Chunk> done_future_ = done_promise_.get_future();
};

TEST_F(SchedulerTest, UnknownModelIsNotFound) {
  auto s = Make(TestOptions());
  Collector c;
  Status st = s->Generate(ChatRequest("nope", {Message{"user", "hi"}}), c.Sink());
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_EQ(st.message(), "model 'nope' not found");
  EXPECT_EQ(c.chunks(), 0);
  EXPECT_EQ(s->Unload("nope").code(), StatusCode::kNotFound);
  EXPECT_EQ(s->Generate(ChatRequest("bad//name", {Message{"user", "hi"}}), c.Sink()).code(),
            StatusCode::kNotFound);
}

TEST_F(SchedulerTest, GeneratesWithTheRealModel) {
  CreateModel("stories");
  auto s = Make(TestOptions());
  Collector c;
  // Any ASCII case and the implied :latest resolve.
  Status st = s->Generate(GenerateRequest("Stories", "Once upon a time", 10), c.Sink());
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_TRUE(c.Wait());
  const chat::Chunk f = c.final_chunk();
  EXPECT_EQ(c.text(), ", there was a little girl named Lily");  // the published greedy sample
  EXPECT_EQ(f.model, "stories:latest");
  EXPECT_EQ(f.done_reason, chat::DoneReason::kLength);
  EXPECT_EQ(f.usage.prompt_tokens, 5);
  EXPECT_EQ(f.usage.completion_tokens, 10);
  EXPECT_GT(f.usage.load.count(), 0);
  EXPECT_GE(f.usage.total, f.usage.load);
  EXPECT_FALSE(f.truncated);
  EXPECT_EQ(c.done_count(), 1);

  const auto running = s->Running();
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].name, "stories:latest");
  EXPECT_EQ(running[0].digest.size(), 64u);
  EXPECT_EQ(running[0].context_length, 128);
  EXPECT_GT(running[0].size, 1'000'000u);
  EXPECT_EQ(running[0].format, "gguf");
  EXPECT_EQ(running[0].family, "llama");
  const auto left = running[0].expires_at - std::chrono::system_clock::now();
  EXPECT_GT(left, std::chrono::minutes(4));
  EXPECT_LE(left, std::chrono::minutes(5));

  // A second request reuses the loaded model: no load time.
  Collector c2;
  ASSERT_TRUE(s->Generate(GenerateRequest("stories", "Once upon a time", 3), c2.Sink()).ok());
  ASSERT_TRUE(c2.Wait());
  EXPECT_EQ(c2.final_chunk().usage.load.count(), 0);
  EXPECT_EQ(s->Stats().loads, 1u);
}

TEST_F(SchedulerTest, ConcurrentFirstRequestsLoadOnce) {
  CreateModel("stories");
  SchedulerOptions o = TestOptions();
  o.num_parallel = 2;
  auto s = Make(o);
  constexpr int kN = 4;
  Collector c[kN];
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < kN; ++i) {
    threads.emplace_back([&, i] {
      if (s->Generate(ChatRequest("stories", {Message{"user", "Once upon a time"}}), c[i].Sink())
              .ok())
        ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kN);
  for (auto& x : c) ASSERT_TRUE(x.Wait());
  EXPECT_EQ(s->Stats().loads, 1u);
  // Greedy output does not depend on the batch.
  for (auto& x : c) EXPECT_EQ(x.text(), c[0].text());
}

TEST_F(SchedulerTest, KeepAliveZeroUnloadsWhenDone) {
  CreateModel("stories");
  auto s = Make(TestOptions());
  Collector c;
  chat::Request r = GenerateRequest("stories", "Once upon a time");
  r.keep_alive = std::chrono::nanoseconds(0);
  ASSERT_TRUE(s->Generate(r, c.Sink()).ok());
  ASSERT_TRUE(c.Wait());
  EXPECT_TRUE(s->Running().empty());  // unloaded before the done chunk was delivered
  EXPECT_TRUE(Eventually([&] { return s->Stats().unloads == 1; }));
}

TEST_F(SchedulerTest, EmptyInputOnlyLoadsOrUnloads) {
  CreateModel("stories");
  auto s = Make(TestOptions());
  Collector load;
  ASSERT_TRUE(s->Generate(GenerateRequest("stories", ""), load.Sink()).ok());
  ASSERT_TRUE(load.Wait());
  EXPECT_EQ(load.chunks(), 1);
  EXPECT_EQ(load.final_chunk().done_reason, chat::DoneReason::kStop);
  EXPECT_EQ(load.final_chunk().model, "stories:latest");
  EXPECT_GT(load.final_chunk().usage.load.count(), 0);
  EXPECT_EQ(Names(s->Running()), std::vector<std::string>{"stories:latest"});

  Collector unload;
  chat::Request r = ChatRequest("stories", {});
  r.keep_alive = std::chrono::nanoseconds(0);
  ASSERT_TRUE(s->Generate(r, unload.Sink()).ok());
  ASSERT_TRUE(unload.Wait());
  EXPECT_EQ(unload.chunks(), 1);
  EXPECT_TRUE(s->Running().empty());
  EXPECT_EQ(s->Stats().loads, 1u);
}

TEST_F(SchedulerTest, ExpiredModelsAreUnloadedByTheTimer) {
  CreateModel("stories");
  auto s = Make(TestOptions());
  Collector c;
  chat::Request r = GenerateRequest("stories", "Once");
  r.keep_alive = std::chrono::milliseconds(20);
  ASSERT_TRUE(s->Generate(r, c.Sink()).ok());
  ASSERT_TRUE(c.Wait());
  EXPECT_TRUE(Eventually([&] { return s->Stats().unloads == 1; }));
  EXPECT_TRUE(s->Running().empty());
  // Negative keep_alive: kept (expiry far away).
  Collector c2;
  r.keep_alive = std::chrono::seconds(-1);
  ASSERT_TRUE(s->Generate(r, c2.Sink()).ok());
  ASSERT_TRUE(c2.Wait());
  auto running = s->Running();
  ASSERT_EQ(running.size(), 1u);
  EXPECT_GT(running[0].expires_at - std::chrono::system_clock::now(),
            std::chrono::hours(24 * 365));
}

TEST_F(SchedulerTest, HugeKeepAliveIsForever) {
  CreateModel("stories");
  auto s = Make(TestOptions());
  Collector c;
  chat::Request r = GenerateRequest("stories", "Once");
  r.keep_alive = std::chrono::nanoseconds::max();  // must not overflow a clock
  ASSERT_TRUE(s->Generate(r, c.Sink()).ok());
  ASSERT_TRUE(c.Wait());
  auto running = s->Running();
  ASSERT_EQ(running.size(), 1u);
  EXPECT_GT(running[0].expires_at - std::chrono::system_clock::now(),
            std::chrono::hours(24 * 365));
}

TEST_F(SchedulerTest, DefaultKeepAliveComesFromOptions) {
  CreateModel("stories");
  SchedulerOptions o = TestOptions();
  o.default_keep_alive = std::chrono::nanoseconds(0);
  auto s = Make(o);
  Collector c;
  ASSERT_TRUE(s->Generate(GenerateRequest("stories", "Once"), c.Sink()).ok());
  ASSERT_TRUE(c.Wait());
  EXPECT_TRUE(s->Running().empty());
}

TEST_F(SchedulerTest, LoadingOneMoreEvictsTheIdleModelThatExpiresFirst) {
  CreateModel("a");
  CreateModel("b");
  CreateModel("c");
  SchedulerOptions o = TestOptions();
  o.max_loaded_models = 2;
  auto s = Make(o);
  auto run = [&](const char* model, std::chrono::nanoseconds keep) {
    Collector c;
    chat::Request r = GenerateRequest(model, "Once");
    r.keep_alive = keep;
    ASSERT_TRUE(s->Generate(r, c.Sink()).ok());
    ASSERT_TRUE(c.Wait());
  };
  run("a", std::chrono::hours(1));
  run("b", std::chrono::minutes(1));  // expires first
  run("c", std::chrono::hours(1));
  std::vector<std::string> names = Names(s->Running());
  EXPECT_EQ(names, (std::vector<std::string>{"c:latest", "a:latest"}));
  EXPECT_EQ(s->Stats().evictions, 1u);
}

TEST_F(SchedulerTest, ABusyModelIsNeverEvictedTheNewOneWaits) {
  CreateModel("a");
  CreateModel("b");
  SchedulerOptions o = TestOptions();
  o.max_loaded_models = 1;
  auto s = Make(o);
  Blocker block;
  ASSERT_TRUE(s->Generate(GenerateRequest("a", "Once upon a time", 50), block.Sink()).ok());
  ASSERT_TRUE(block.WaitStarted());

  std::atomic<bool> b_returned{false};
  Collector cb;
  std::thread t([&] {
    EXPECT_TRUE(s->Generate(GenerateRequest("b", "Once"), cb.Sink()).ok());
    b_returned = true;
  });
  ASSERT_TRUE(Eventually([&] { return s->Waiting() == 1; }));
  EXPECT_FALSE(b_returned.load());
  EXPECT_EQ(Names(s->Running()), std::vector<std::string>{"a:latest"});

  block.Release();
  EXPECT_EQ(block.WaitDone().done_reason, chat::DoneReason::kLength);
  t.join();
  ASSERT_TRUE(cb.Wait());
  EXPECT_EQ(Names(s->Running()), std::vector<std::string>{"b:latest"});
  EXPECT_EQ(s->Stats().evictions, 1u);
}

TEST_F(SchedulerTest, ARequestCancelledWhileWaitingReturnsCancelled) {
  CreateModel("a");
  CreateModel("b");
  SchedulerOptions o = TestOptions();
  o.max_loaded_models = 1;
  auto s = Make(o);
  Blocker block;
  ASSERT_TRUE(s->Generate(GenerateRequest("a", "Once upon a time", 50), block.Sink()).ok());
  ASSERT_TRUE(block.WaitStarted());
  chat::Request r = GenerateRequest("b", "Once");
  r.cancel = std::make_shared<CancelToken>();
  Collector cb;
  std::promise<Status> result;
  std::thread t([&] { result.set_value(s->Generate(r, cb.Sink())); });
  ASSERT_TRUE(Eventually([&] { return s->Waiting() == 1; }));
  r.cancel->Cancel();
  auto f = result.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_EQ(f.get().code(), StatusCode::kCancelled);
  t.join();
  EXPECT_EQ(cb.chunks(), 0);
  EXPECT_EQ(s->Waiting(), 0);
  block.Release();
  block.WaitDone();
  EXPECT_EQ(Names(s->Running()), std::vector<std::string>{"a:latest"});
}

TEST_F(SchedulerTest, AFullQueueIsResourceExhausted) {
  CreateModel("stories");
  SchedulerOptions o = TestOptions();
  o.max_queue = 1;
  auto s = Make(o);
  Blocker block;
  ASSERT_TRUE(s->Generate(GenerateRequest("stories", "Once upon a time", 50), block.Sink()).ok());
  ASSERT_TRUE(block.WaitStarted());
  Collector queued;  // waits in the engine for the one sequence
  ASSERT_TRUE(s->Generate(GenerateRequest("stories", "Once"), queued.Sink()).ok());
  EXPECT_EQ(s->Waiting(), 1);
  Collector rejected;
  Status st = s->Generate(GenerateRequest("stories", "Once"), rejected.Sink());
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(rejected.chunks(), 0);
  EXPECT_EQ(s->Stats().rejected, 1u);
  block.Release();
  block.WaitDone();
  ASSERT_TRUE(queued.Wait());
  EXPECT_EQ(queued.final_chunk().done_reason, chat::DoneReason::kLength);
}

TEST_F(SchedulerTest, CancelEndsTheRequest) {
  CreateModel("stories");
  auto s = Make(TestOptions());
  chat::Request r = GenerateRequest("stories", "Once upon a time", 100);
  r.cancel = std::make_shared<CancelToken>();
  std::promise<chat::Chunk> done;
  auto cancel = r.cancel;
  ASSERT_TRUE(s->Generate(r,
                          [&, cancel](chat::Chunk&& c) {
                            if (!c.done) cancel->Cancel();
                            if (c.done) done.set_value(std::move(c));
                            return true;
                          })
                  .ok());
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  const chat::Chunk last = f.get();
  EXPECT_EQ(last.done_reason, chat::DoneReason::kCancelled);
  EXPECT_LT(last.usage.completion_tokens, 100);

  // A sink that returns false cancels too.
  std::promise<chat::Chunk> done2;
  ASSERT_TRUE(s->Generate(GenerateRequest("stories", "Once upon a time", 100),
                          [&](chat::Chunk&& c) {
                            if (c.done) done2.set_value(std::move(c));
                            return false;
                          })
                  .ok());
  auto f2 = done2.get_future();
  ASSERT_EQ(f2.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_EQ(f2.get().done_reason, chat::DoneReason::kCancelled);
}

// Continue sends the same num_ctx on every request: one load, never a grow.
TEST_F(SchedulerTest, ContinuePatternLoadsOnce) {
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
TEST_F(SchedulerTest, AiderPatternGrowsOncePerTier) {
  CreateModel("stories");
  auto s = Make(TestOptions());
  std::vector<Message> conversation;
  std::vector<int32_t> contexts;
  for (int turn = 0; turn < 12; ++turn) {
    conversation.push_back(Message{"user", "Tell me about the dog number " +
                                               std::to_string(turn) + " in the park."});
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

TEST_F(SchedulerTest, GrowWaitsForRunningRequests) {
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
  std::thread t2([&] {
    EXPECT_TRUE(s->Generate(GenerateRequest("stories", "Once"), small.Sink()).ok());
  });
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

TEST_F(SchedulerTest, TruncationIsReportedOrRefused) {
  CreateModel("stories", "TEMPLATE \"{{ range .Messages }}<{{ .Role }}>{{ .Content }}{{ end }}\"\n");
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

TEST_F(SchedulerTest, ModelParametersApply) {
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

TEST_F(SchedulerTest, UnsupportedFeaturesAreInvalidArgument) {
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

TEST_F(SchedulerTest, UnloadAndStoreChanges) {
  CreateModel("stories");
  auto s = Make(TestOptions());
  Collector c;
  ASSERT_TRUE(s->Generate(GenerateRequest("stories", "Once"), c.Sink()).ok());
  ASSERT_TRUE(c.Wait());
  ASSERT_TRUE(s->Unload("STORIES:latest").ok());
  EXPECT_TRUE(s->Running().empty());
  EXPECT_EQ(s->Unload("stories").code(), StatusCode::kNotFound);

  Collector c2;
  ASSERT_TRUE(s->Generate(GenerateRequest("stories", "Once"), c2.Sink()).ok());
  ASSERT_TRUE(c2.Wait());
  EXPECT_EQ(s->Stats().loads, 2u);
  // Re-created in the store (new digest): the next request reloads it.
  CreateModel("stories", "PARAMETER num_predict 2\n");
  Collector c3;
  chat::Request r = GenerateRequest("stories", "Once upon a time");
  r.options.clear();
  ASSERT_TRUE(s->Generate(r, c3.Sink()).ok());
  ASSERT_TRUE(c3.Wait());
  EXPECT_EQ(s->Stats().reloads, 1u);
  EXPECT_EQ(c3.final_chunk().usage.completion_tokens, 2);
}

TEST_F(SchedulerTest, EmbedIsNotImplementedYet) {
  CreateModel("stories");
  auto s = Make(TestOptions());
  chat::EmbedRequest e;
  e.model = "missing";
  e.inputs = {"x"};
  EXPECT_EQ(s->Embed(e).status().code(), StatusCode::kNotFound);
  e.model = "stories";
  EXPECT_EQ(s->Embed(e).status().code(), StatusCode::kUnavailable);
}

TEST(SchedulerOptionsTest, FromEnv) {
  ::setenv("HEARTH_KEEP_ALIVE", "10m", 1);
  ::setenv("HEARTH_MAX_LOADED_MODELS", "2", 1);
  ::setenv("HEARTH_MAX_QUEUE", "7", 1);
  ::setenv("HEARTH_NUM_PARALLEL", "4", 1);
  ::setenv("HEARTH_CONTEXT_LENGTH", "8192", 1);
  auto o = SchedulerOptions::FromEnv();
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->default_keep_alive, std::chrono::minutes(10));
  EXPECT_EQ(o->max_loaded_models, 2);
  EXPECT_EQ(o->max_queue, 7);
  EXPECT_EQ(o->num_parallel, 4);
  EXPECT_EQ(o->default_context, 8192);
  ::setenv("HEARTH_KEEP_ALIVE", "-1", 1);
  ::setenv("HEARTH_MAX_LOADED_MODELS", "0", 1);  // 0: the default
  ::setenv("HEARTH_MAX_QUEUE", "0", 1);
  o = SchedulerOptions::FromEnv();
  ASSERT_TRUE(o.ok());
  EXPECT_LT(o->default_keep_alive.count(), 0);
  EXPECT_EQ(o->max_loaded_models, 3);
  EXPECT_EQ(o->max_queue, 512);
  ::setenv("HEARTH_MAX_QUEUE", "many", 1);
  o = SchedulerOptions::FromEnv();
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.status().message().find("HEARTH_MAX_QUEUE"), std::string::npos);
  ::setenv("HEARTH_MAX_QUEUE", "7", 1);
  ::setenv("HEARTH_KEEP_ALIVE", "soon", 1);
  o = SchedulerOptions::FromEnv();
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.status().message().find("HEARTH_KEEP_ALIVE"), std::string::npos);
  for (const char* v : {"HEARTH_KEEP_ALIVE", "HEARTH_MAX_LOADED_MODELS", "HEARTH_MAX_QUEUE",
                        "HEARTH_NUM_PARALLEL", "HEARTH_CONTEXT_LENGTH"})
    ::unsetenv(v);
  o = SchedulerOptions::FromEnv();
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->default_keep_alive, std::chrono::minutes(5));
  EXPECT_EQ(o->max_queue, 512);
  EXPECT_EQ(o->num_parallel, 1);
  EXPECT_EQ(o->default_context, 4096);
}

}  // namespace
}  // namespace hearth::router

namespace hearth::router {
namespace {

TEST_F(SchedulerTest, ABrokenModelFileFailsCleanlyEveryTime) {
  CreateModel("stories");
  auto resolved = store_->Resolve(*store::ModelName::Parse("stories"));
  ASSERT_TRUE(resolved.ok());
  // Damage the blob behind the store's back: same size, but not a GGUF file any more.
  std::string bytes = hearth::testing::ReadAll(resolved->model_path);
  ASSERT_GT(bytes.size(), 4u);
  bytes.replace(0, 4, "BAD!");
  ::chmod(resolved->model_path.c_str(), 0644);
  hearth::testing::WriteAll(resolved->model_path, bytes);
  auto s = Make(TestOptions());
  for (int i = 0; i < 2; ++i) {
    Collector c;
    Status st = s->Generate(GenerateRequest("stories", "Once"), c.Sink());
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("loading model 'stories:latest'"), std::string::npos)
        << st.ToString();
    EXPECT_EQ(c.chunks(), 0);
  }
  EXPECT_TRUE(s->Running().empty());
  EXPECT_EQ(s->Stats().loads, 0u);
  EXPECT_EQ(s->Waiting(), 0);
}

}  // namespace
}  // namespace hearth::router
