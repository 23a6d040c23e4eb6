#pragma once
// Test helpers: a ResponseHandler that records everything, and a client fixture that checks
// after each test that nothing is left in flight and no connection leaked.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "net/async_client.h"

namespace hearth::net::testing {

class RecordingHandler : public ResponseHandler {
 public:
  bool OnHead(const ResponseHead& head) override {
    std::lock_guard lock(mu_);
    head_ = head;
    ++heads_;
    return head_result_;
  }
  bool OnData(std::string_view bytes) override {
    bool keep_going = true;
    {
      std::lock_guard lock(mu_);
      body_.append(bytes);
      chunks_.emplace_back(bytes);
      if (on_data_) keep_going = on_data_(bytes);
    }
    cv_.notify_all();
    return keep_going;
  }
  void OnDone(Status status) override {
    {
      std::lock_guard lock(mu_);
      ++dones_;
      status_ = std::move(status);
    }
    cv_.notify_all();
  }

  // Waits (generously) for OnDone; a hang fails the test instead of blocking it.
  Status Wait() {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(20), [&] { return status_.has_value(); })) {
      ADD_FAILURE() << "OnDone never came";
      return Internal("no OnDone");
    }
    return *status_;
  }
  // Waits until at least `n` body bytes arrived.
  bool WaitBody(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(20), [&] { return body_.size() >= n; });
  }

  void set_head_result(bool v) { head_result_ = v; }
  void set_on_data(std::function<bool(std::string_view)> fn) {
    std::lock_guard lock(mu_);
    on_data_ = std::move(fn);
  }
  ResponseHead head() {
    std::lock_guard lock(mu_);
    return head_;
  }
  std::string body() {
    std::lock_guard lock(mu_);
    return body_;
  }
  std::vector<std::string> chunks() {
    std::lock_guard lock(mu_);
    return chunks_;
  }
  int dones() {
    std::lock_guard lock(mu_);
    return dones_;
  }
  int heads() {
    std::lock_guard lock(mu_);
    return heads_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  ResponseHead head_;
  std::string body_;
  std::vector<std::string> chunks_;
  std::optional<Status> status_;
  int dones_ = 0, heads_ = 0;
  bool head_result_ = true;
  std::function<bool(std::string_view)> on_data_;
};

// Polls `cond` (every 10 ms, up to 20 s); for states reached asynchronously.
inline bool Eventually(const std::function<bool()>& cond) {
  for (int i = 0; i < 2000; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return cond();
}

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override { client_ = MakeClient(ClientOptions{.proxy = ProxyConfig{}}); }
  void TearDown() override {
    if (!client_) return;
    ClientStats s = client_->stats();
    EXPECT_EQ(s.in_flight, 0u);
    // Every open connection is an idle pooled one: nothing leaked by a finished request.
    EXPECT_EQ(s.open_connections, s.idle_connections);
  }
  static std::unique_ptr<AsyncClient> MakeClient(ClientOptions options) {
    auto client = AsyncClient::Create(std::move(options));
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(client).value() : nullptr;
  }
  static Request Get(std::string url) {
    Request r;
    r.method = "GET";
    r.url = std::move(url);
    return r;
  }

  std::unique_ptr<AsyncClient> client_;
};

}  // namespace hearth::net::testing
