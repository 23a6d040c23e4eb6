#pragma once
// CancelToken: one flag that a client disconnect, a deadline, Ctrl-C or an explicit cancel set,
// and that the engine checks before every decode step. Thread-safe.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace hearth {

class CancelToken {
 public:
  // Sets the flag and runs every registered callback once, on the calling thread (outside the
  // token's lock). Later calls do nothing more.
  void Cancel() {
    std::vector<std::function<void()>> run;
    {
      std::lock_guard lock(mu_);
      if (cancelled_.exchange(true, std::memory_order_relaxed)) return;
      for (auto& [id, fn] : callbacks_) run.push_back(std::move(fn));
      callbacks_.clear();
    }
    for (auto& fn : run) fn();
  }
  bool IsCancelled() const { return cancelled_.load(std::memory_order_relaxed); }
  // Clears the flag (callbacks already run are gone; registered ones stay).
  void Reset() { cancelled_.store(false, std::memory_order_relaxed); }

  // Runs `fn` when the token is cancelled: at once (on this thread) if it already is, else on the
  // thread that cancels. Returns an id for RemoveCallback (0 when `fn` already ran). `fn` must be
  // quick and must not call back into this token.
  uint64_t OnCancel(std::function<void()> fn) {
    {
      std::lock_guard lock(mu_);
      if (!cancelled_.load(std::memory_order_relaxed)) {
        callbacks_.emplace_back(++next_id_, std::move(fn));
        return next_id_;
      }
    }
    fn();
    return 0;
  }
  // Forgets a callback that has not run. Safe with any id.
  void RemoveCallback(uint64_t id) {
    std::lock_guard lock(mu_);
    for (auto it = callbacks_.begin(); it != callbacks_.end(); ++it) {
      if (it->first == id) {
        callbacks_.erase(it);
        return;
      }
    }
  }

 private:
  std::atomic<bool> cancelled_{false};
  std::mutex mu_;
  uint64_t next_id_ = 0;
  std::vector<std::pair<uint64_t, std::function<void()>>> callbacks_;
};

using CancelTokenPtr = std::shared_ptr<CancelToken>;

}  // namespace hearth
