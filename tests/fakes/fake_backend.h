#pragma once
// A scripted chat::Backend for the server's route tests: each Generate takes the next script
// (an error to return, or chunks to deliver on a thread of its own, optionally waiting for the
// request's CancelToken first), and records the request it was given; CountTokens answers what
// SetCount gave and records its requests too. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "chat/backend.h"

namespace hearth::testing {

class FakeBackend : public chat::Backend {
 public:
  struct Script {
    Status status;                    // non-OK: Generate returns it and delivers nothing
    std::vector<chat::Chunk> chunks;  // delivered in order
    // After the chunks: wait (bounded) until the request is cancelled, then deliver a done chunk
    // with done_reason kCancelled.
    bool wait_for_cancel = false;
  };

  ~FakeBackend() override {
    for (auto& t : threads_) t.join();
  }

  void Push(Script s) {
    std::lock_guard<std::mutex> lock(mu_);
    scripts_.push_back(std::move(s));
  }
  void SetEmbed(Result<chat::EmbedResult> r) {
    std::lock_guard<std::mutex> lock(mu_);
    embed_ = std::move(r);
  }
  // What CountTokens answers (every call records its request).
  void SetCount(Result<int32_t> r) {
    std::lock_guard<std::mutex> lock(mu_);
    count_ = std::move(r);
  }
  void SetRunning(std::vector<chat::RunningModel> r) {
    std::lock_guard<std::mutex> lock(mu_);
    running_ = std::move(r);
  }

  Status Generate(chat::Request request, chat::ChunkSink sink) override {
    Script s;
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
      if (!scripts_.empty()) {
        s = std::move(scripts_.front());
        scripts_.pop_front();
      } else {
        chat::Chunk done;
        done.done = true;
        s.chunks.push_back(done);
      }
    }
    if (!s.status.ok()) return s.status;
    std::lock_guard<std::mutex> lock(mu_);
    threads_.emplace_back(
        [this, s = std::move(s), request = std::move(request), sink = std::move(sink)]() mutable {
          bool go_on = true;
          for (auto& c : s.chunks) go_on = sink(std::move(c)) && go_on;
          if (!s.wait_for_cancel) return;
          const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
          while (!(request.cancel && request.cancel->IsCancelled()) &&
                 std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
          }
          {
            std::lock_guard<std::mutex> l(mu_);
            saw_cancel_ = request.cancel && request.cancel->IsCancelled();
            cancel_checked_ = true;
          }
          cv_.notify_all();
          chat::Chunk done;
          done.done = true;
          done.done_reason = chat::DoneReason::kCancelled;
          sink(std::move(done));
        });
    return Status::Ok();
  }

  Result<int32_t> CountTokens(chat::Request request) override {
    std::lock_guard<std::mutex> lock(mu_);
    count_requests_.push_back(std::move(request));
    return count_;
  }
  Result<chat::EmbedResult> Embed(chat::EmbedRequest request) override {
    std::lock_guard<std::mutex> lock(mu_);
    embed_requests_.push_back(std::move(request));
    return embed_;
  }
  std::vector<chat::RunningModel> Running() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return running_;
  }
  Status Unload(const std::string& model) override {
    std::lock_guard<std::mutex> lock(mu_);
    unloaded_.push_back(model);
    return Status::Ok();
  }

  std::vector<chat::Request> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  std::vector<chat::Request> count_requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return count_requests_;
  }
  std::vector<chat::EmbedRequest> embed_requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return embed_requests_;
  }
  // Waits (bounded) for a wait_for_cancel script to finish waiting; true iff it saw the cancel.
  bool WaitForCancelResult() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(40), [&] { return cancel_checked_; });
    return saw_cancel_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Script> scripts_;
  std::vector<chat::Request> requests_;
  std::vector<chat::EmbedRequest> embed_requests_;
  std::vector<chat::Request> count_requests_;
  Result<int32_t> count_ = Status(StatusCode::kNotFound, "no count scripted");
  std::vector<std::thread> threads_;
  Result<chat::EmbedResult> embed_ = Status(StatusCode::kNotFound, "no embedding scripted");
  std::vector<chat::RunningModel> running_;
  std::vector<std::string> unloaded_;
  bool saw_cancel_ = false;
  bool cancel_checked_ = false;
};

}  // namespace hearth::testing
