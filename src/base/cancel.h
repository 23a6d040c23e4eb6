#pragma once
// CancelToken: one flag that a client disconnect, a deadline, Ctrl-C or an explicit cancel set,
// and that the engine checks before every decode step. Thread-safe.

#include <atomic>
#include <memory>

namespace hearth {

class CancelToken {
 public:
  void Cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool IsCancelled() const { return cancelled_.load(std::memory_order_relaxed); }
  void Reset() { cancelled_.store(false, std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancelled_{false};
};

using CancelTokenPtr = std::shared_ptr<CancelToken>;

}  // namespace hearth
