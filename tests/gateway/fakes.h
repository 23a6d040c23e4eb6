#pragma once
// Test doubles for the gateway: a virtual clock, and a scripted chat::Backend per deployment
// (a queue of outcomes: an error, chunks, a mid-stream cut, a delay on the virtual clock, a gate
// that holds the stream open) that logs every call into a shared, ordered log.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "chat/backend.h"
#include "gateway/clock.h"

namespace hearth::gateway::testing {

class FakeClock final : public Clock {
 public:
  TimePoint Now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  // Records the wait and advances the clock by it; false at once when `cancel` already fired.
  bool Sleep(Millis duration, const CancelTokenPtr& cancel) override {
    if (cancel && cancel->IsCancelled()) return false;
    std::lock_guard lock(mu_);
    sleeps_.push_back(duration);
    now_ += duration;
    return true;
  }
  void Advance(Millis d) {
    std::lock_guard lock(mu_);
    now_ += d;
  }
  std::vector<Millis> sleeps() const {
    std::lock_guard lock(mu_);
    return sleeps_;
  }

 private:
  mutable std::mutex mu_;
  TimePoint now_ = TimePoint(std::chrono::hours(100));
  std::vector<Millis> sleeps_;
};

// Every backend call, in order ("d1", "local:qwen:7b").
class CallLog {
 public:
  void Add(std::string s) {
    std::lock_guard lock(mu_);
    calls_.push_back(std::move(s));
  }
  std::vector<std::string> Get() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  void Clear() {
    std::lock_guard lock(mu_);
    calls_.clear();
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> calls_;
};

class Gate {
 public:
  void Open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  void Wait() {  // bounded: a broken test must not hang
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(30), [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

inline chat::Chunk Text(std::string s) {
  chat::Chunk c;
  c.content = std::move(s);
  return c;
}
inline chat::Chunk Done(chat::DoneReason reason = chat::DoneReason::kStop, Status error = {}) {
  chat::Chunk c;
  c.done = true;
  c.done_reason = reason;
  c.error = std::move(error);
  return c;
}
inline Status Upstream(StatusCode code, int http, int64_t retry_after_ms = -1,
                       std::string kind = "") {
  return Status(code, "upstream said " + std::to_string(http))
      .WithUpstream(UpstreamFacts{http, retry_after_ms, std::move(kind)});
}

struct Outcome {
  Status status;                    // non-OK: Generate/Embed returns it
  std::vector<chat::Chunk> chunks;  // else delivered in order
  Millis delay{0};                  // the virtual clock advances by this before the first chunk
  std::shared_ptr<Gate> gate;       // set: delivered on a thread that waits for the gate
  size_t before_gate = 0;           // chunks delivered before waiting
};
inline Outcome Ok(std::string text) { return Outcome{{}, {Text(std::move(text)), Done()}}; }
inline Outcome Fail(Status s) { return Outcome{std::move(s), {}}; }
// Streams `parts`, then ends with a done chunk whose done_reason is kError.
inline Outcome Cut(std::vector<std::string> parts, Status error) {
  Outcome o;
  for (auto& p : parts) o.chunks.push_back(Text(std::move(p)));
  o.chunks.push_back(Done(chat::DoneReason::kError, std::move(error)));
  return o;
}

class ScriptedBackend final : public chat::Backend {
 public:
  // `local`: log "local:<request.model>" (the scheduler); else log `name`.
  ScriptedBackend(std::string name, std::shared_ptr<CallLog> log,
                  std::shared_ptr<FakeClock> clock, bool local = false)
      : name_(std::move(name)), log_(std::move(log)), clock_(std::move(clock)), local_(local) {}
  ~ScriptedBackend() override { JoinAll(); }

  void Push(Outcome o) {
    std::lock_guard lock(mu_);
    script_.push_back(std::move(o));
  }
  // What an empty script answers: Ok("<name>") with this delay.
  void SetDefaultDelay(Millis d) {
    std::lock_guard lock(mu_);
    default_delay_ = d;
  }
  std::vector<chat::Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  void JoinAll() {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mu_);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }

  Status Generate(chat::Request request, chat::ChunkSink sink) override {
    Outcome o = Next(request.model);
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
    }
    if (clock_ && o.delay.count() > 0) clock_->Advance(o.delay);
    if (!o.status.ok()) return o.status;
    if (!o.gate) {
      for (auto& c : o.chunks) sink(std::move(c));
      return Status::Ok();
    }
    std::lock_guard lock(mu_);
    threads_.emplace_back([o = std::move(o), sink = std::move(sink)]() mutable {
      for (size_t i = 0; i < o.chunks.size(); ++i) {
        if (i == o.before_gate) o.gate->Wait();
        sink(std::move(o.chunks[i]));
      }
    });
    return Status::Ok();
  }

  Result<chat::EmbedResult> Embed(chat::EmbedRequest request) override {
    Outcome o = Next(request.model);
    if (clock_ && o.delay.count() > 0) clock_->Advance(o.delay);
    if (!o.status.ok()) return o.status;
    chat::EmbedResult r;
    r.model = name_;
    r.embeddings.assign(request.inputs.size(), std::vector<float>{1.0f, 0.0f});
    return r;
  }
  std::vector<chat::RunningModel> Running() const override {
    chat::RunningModel m;
    m.name = name_ + "-running";
    return {m};
  }
  Status Unload(const std::string& model) override {
    log_->Add("unload:" + model);
    return Status::Ok();
  }

 private:
  Outcome Next(const std::string& model) {
    log_->Add(local_ ? "local:" + model : name_);
    std::lock_guard lock(mu_);
    if (script_.empty()) {
      Outcome o = Ok(name_);
      o.delay = default_delay_;
      return o;
    }
    Outcome o = std::move(script_.front());
    script_.pop_front();
    return o;
  }

  const std::string name_;
  const std::shared_ptr<CallLog> log_;
  const std::shared_ptr<FakeClock> clock_;
  const bool local_;
  mutable std::mutex mu_;
  std::deque<Outcome> script_;
  Millis default_delay_{0};
  std::vector<chat::Request> requests_;
  std::vector<std::thread> threads_;
};

// A client: collects chunks; Wait() for the done chunk (bounded).
class Collector {
 public:
  chat::ChunkSink Sink() {
    return [this](chat::Chunk&& c) {
      std::lock_guard lock(mu_);
      if (c.done) ++done_count_;
      chunks_.push_back(std::move(c));
      cv_.notify_all();
      return true;
    };
  }
  bool Wait() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return done_count_ > 0; });
  }
  std::string Text() const {
    std::lock_guard lock(mu_);
    std::string s;
    for (const auto& c : chunks_) s += c.content;
    return s;
  }
  chat::Chunk Final() const {
    std::lock_guard lock(mu_);
    return chunks_.empty() ? chat::Chunk{} : chunks_.back();
  }
  int done_count() const {
    std::lock_guard lock(mu_);
    return done_count_;
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return chunks_.size();
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<chat::Chunk> chunks_;
  int done_count_ = 0;
};

}  // namespace hearth::gateway::testing
