#pragma once
// Shared by the scheduler tests: a temp store holding models made from the shared stories260K GGUF,
// a chunk collector, and request builders.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "scheduler/scheduler.h"
#include "store/create.h"
#include "store/modelfile.h"
#include "store/store.h"
#include "testing/test_env.h"

namespace hearth::scheduler::testing {

inline constexpr char kStories[] = "stories260K-f32.gguf";

// Collects the chunks of one request.
class Collector {
 public:
  chat::ChunkSink Sink() {
    return [this](chat::Chunk&& c) {
      std::lock_guard<std::mutex> lock(mu_);
      text_ += c.content;
      thinking_ += c.thinking;
      for (auto& t : c.tool_calls) tool_calls_.push_back(t);
      for (auto& l : c.logprobs) logprobs_.push_back(l);
      ++chunks_;
      if (c.done) {
        ++done_count_;
        final_ = std::move(c);
      }
      cv_.notify_all();
      return true;
    };
  }
  // Waits (bounded) for the done chunk; false if it did not come.
  bool Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(120), [&] { return done_count_ > 0; });
  }
  std::string text() {
    std::lock_guard<std::mutex> lock(mu_);
    return text_;
  }
  std::string thinking() {
    std::lock_guard<std::mutex> lock(mu_);
    return thinking_;
  }
  std::vector<chat::ToolCall> tool_calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return tool_calls_;
  }
  std::vector<chat::TokenLogprob> logprobs() {
    std::lock_guard<std::mutex> lock(mu_);
    return logprobs_;
  }
  chat::Chunk final_chunk() {
    std::lock_guard<std::mutex> lock(mu_);
    return final_;
  }
  int chunks() {
    std::lock_guard<std::mutex> lock(mu_);
    return chunks_;
  }
  int done_count() {
    std::lock_guard<std::mutex> lock(mu_);
    return done_count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::string text_;
  std::string thinking_;
  std::vector<chat::ToolCall> tool_calls_;
  std::vector<chat::TokenLogprob> logprobs_;
  int chunks_ = 0;
  int done_count_ = 0;
  chat::Chunk final_;
};

inline chat::OptionSetting IntOption(const char* name, int64_t v) {
  chat::ParameterValue p;
  p.type = chat::ParameterType::kInt;
  p.i = v;
  return {name, p};
}

inline chat::OptionSetting FloatOption(const char* name, double v) {
  chat::ParameterValue p;
  p.type = chat::ParameterType::kFloat;
  p.f = v;
  return {name, p};
}

// A greedy chat request of `num_predict` tokens.
inline chat::Request ChatRequest(const std::string& model, std::vector<chat::Message> messages,
                                 int num_predict = 4) {
  chat::Request r;
  r.kind = chat::RequestKind::kChat;
  r.model = model;
  r.messages = std::move(messages);
  r.options = {FloatOption("temperature", 0), IntOption("num_predict", num_predict)};
  return r;
}

inline chat::Request GenerateRequest(const std::string& model, const std::string& prompt,
                                     int num_predict = 4) {
  chat::Request r;
  r.kind = chat::RequestKind::kGenerate;
  r.model = model;
  r.prompt = prompt;
  r.options = {FloatOption("temperature", 0), IntOption("num_predict", num_predict)};
  return r;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = hearth::testing::TempDir();
    auto s = store::Store::Open(root_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }

  // Creates model `name` FROM the stories GGUF plus `extra` Modelfile lines.
  void CreateModel(const std::string& name, const std::string& extra = "") {
    const std::string text = "FROM " + hearth::testing::SharedModel(kStories) + "\n" + extra;
    auto mf = store::ParseModelfile(text);
    ASSERT_TRUE(mf.ok()) << mf.status().ToString();
    auto n = store::ModelName::Parse(name);
    ASSERT_TRUE(n.ok());
    store::CreateOptions o;
    Status s = store::CreateModel(*store_, *n, *mf, o);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // Options for tests: small context tiers (the stories model's training context is 512).
  SchedulerOptions TestOptions() {
    SchedulerOptions o;
    o.min_context_tier = 64;
    o.default_context = 128;
    o.num_threads = 1;
    o.log = [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(log_mu_);
      log_.push_back(line);
    };
    return o;
  }

  std::unique_ptr<Scheduler> Make(SchedulerOptions o) {
    auto s = Scheduler::Create(*store_, std::move(o));
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  std::vector<std::string> Logs() {
    std::lock_guard<std::mutex> lock(log_mu_);
    return log_;
  }

  std::string root_;
  std::unique_ptr<store::Store> store_;
  std::mutex log_mu_;
  std::vector<std::string> log_;
};

inline std::vector<std::string> Names(const std::vector<RunningModel>& running) {
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

// Polls `pred` until true or a generous bound passes (not a timing assertion: the bound only
// keeps a broken build from hanging).
template <typename Pred>
bool Eventually(Pred pred) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

}  // namespace hearth::scheduler::testing
