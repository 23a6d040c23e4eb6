#include "gateway/clock.h"

#include <condition_variable>
#include <mutex>
#include <thread>

namespace hearth::gateway {

bool CancellableSleep(Millis duration, const CancelTokenPtr& cancel) {
  if (!cancel) {
    std::this_thread::sleep_for(duration);
    return true;
  }
  // Shared with the callback: the token may run it on another thread after we returned.
  struct Waiter {
    std::mutex mu;
    std::condition_variable cv;
    bool woken = false;
  };
  auto waiter = std::make_shared<Waiter>();
  const uint64_t id = cancel->OnCancel([waiter] {
    {
      std::lock_guard lock(waiter->mu);
      waiter->woken = true;
    }
    waiter->cv.notify_all();
  });
  {
    std::unique_lock lock(waiter->mu);
    waiter->cv.wait_for(lock, duration, [&] { return waiter->woken; });
  }
  cancel->RemoveCallback(id);
  return !cancel->IsCancelled();
}

namespace {

class System final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  bool Sleep(Millis duration, const CancelTokenPtr& cancel) override {
    return CancellableSleep(duration, cancel);
  }
};

}  // namespace

std::shared_ptr<Clock> SystemClock() {
  static const std::shared_ptr<Clock> clock = std::make_shared<System>();
  return clock;
}

}  // namespace hearth::gateway
