#include "scheduler/scheduler.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <future>
#include <set>
#include <thread>

#include "scheduler/scheduler_fixture.h"

namespace hearth::scheduler {
namespace {

using chat::Message;
using testing::Blocker;
using testing::ChatRequest;
using testing::Collector;
using testing::Eventually;
using testing::GenerateRequest;
using testing::IntOption;
using testing::Names;

class SchedulerTest : public testing::RouterTest {};

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

TEST_F(SchedulerTest, StopNeverLoadsAndWaitsForRunningRequests) {
  CreateModel("stories");
  auto s = Make(TestOptions());
  chat::Request stop = GenerateRequest("stories", "");
  stop.keep_alive = std::chrono::nanoseconds(0);
  Collector nothing;
  ASSERT_TRUE(s->Generate(stop, nothing.Sink()).ok());
  ASSERT_TRUE(nothing.Wait());
  EXPECT_EQ(nothing.chunks(), 1);
  EXPECT_EQ(s->Stats().loads, 0u);  // not loaded just to be unloaded

  Blocker block;
  ASSERT_TRUE(s->Generate(GenerateRequest("stories", "Once upon a time", 20), block.Sink()).ok());
  ASSERT_TRUE(block.WaitStarted());
  Collector stopped;
  ASSERT_TRUE(s->Generate(stop, stopped.Sink()).ok());
  ASSERT_TRUE(stopped.Wait());
  EXPECT_EQ(Names(s->Running()), std::vector<std::string>{"stories:latest"});  // still busy
  block.Release();
  EXPECT_EQ(block.WaitDone().done_reason, chat::DoneReason::kLength);
  EXPECT_TRUE(s->Running().empty());  // gone once idle, though that request kept the default
  EXPECT_TRUE(Eventually([&] { return s->Stats().unloads == 1; }));
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
  EXPECT_GT(running[0].expires_at - std::chrono::system_clock::now(), std::chrono::hours(24 * 365));
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
  EXPECT_GT(running[0].expires_at - std::chrono::system_clock::now(), std::chrono::hours(24 * 365));
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
  ASSERT_TRUE(s->Generate(r, [&, cancel](chat::Chunk&& c) {
                 if (!c.done) cancel->Cancel();
                 if (c.done) done.set_value(std::move(c));
                 return true;
               }).ok());
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  const chat::Chunk last = f.get();
  EXPECT_EQ(last.done_reason, chat::DoneReason::kCancelled);
  EXPECT_LT(last.usage.completion_tokens, 100);

  // A sink that returns false cancels too.
  std::promise<chat::Chunk> done2;
  ASSERT_TRUE(
      s->Generate(GenerateRequest("stories", "Once upon a time", 100), [&](chat::Chunk&& c) {
         if (c.done) done2.set_value(std::move(c));
         return false;
       }).ok());
  auto f2 = done2.get_future();
  ASSERT_EQ(f2.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_EQ(f2.get().done_reason, chat::DoneReason::kCancelled);
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
  EXPECT_EQ(o->min_context_tier, 4096);
  EXPECT_EQ(o->num_threads, 0);
  ::setenv("HEARTH_CONTEXT_LENGTH", "1024", 1);  // a small default: tiers start there
  ::setenv("HEARTH_NUM_THREADS", "3", 1);
  o = SchedulerOptions::FromEnv();
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->default_context, 1024);
  EXPECT_EQ(o->min_context_tier, 1024);
  EXPECT_EQ(o->num_threads, 3);
  ::setenv("HEARTH_CONTEXT_LENGTH", "8", 1);
  o = SchedulerOptions::FromEnv();
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.status().message().find("HEARTH_CONTEXT_LENGTH"), std::string::npos);
  ::setenv("HEARTH_CONTEXT_LENGTH", "8192", 1);
  ::setenv("HEARTH_NUM_THREADS", "two", 1);
  o = SchedulerOptions::FromEnv();
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.status().message().find("HEARTH_NUM_THREADS"), std::string::npos);
  ::unsetenv("HEARTH_NUM_THREADS");
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
}  // namespace hearth::scheduler

namespace hearth::scheduler {
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
}  // namespace hearth::scheduler
