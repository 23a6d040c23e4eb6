#pragma once
// The gateway's time source: cooldowns, latency and backoff read it, so tests can run on a
// virtual clock. Thread-safe.

#include <chrono>
#include <memory>

#include "base/cancel.h"
#include "gateway/config.h"

namespace hearth::gateway {

using TimePoint = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  // Waits `duration`, or less when `cancel` (may be null) fires: then returns false at once.
  // Returns true after the full wait.
  virtual bool Sleep(Millis duration, const CancelTokenPtr& cancel) = 0;
};

// steady_clock; Sleep waits on a condition variable that the token's OnCancel callback wakes.
std::shared_ptr<Clock> SystemClock();

// The wait SystemClock uses, on its own (steady_clock).
bool CancellableSleep(Millis duration, const CancelTokenPtr& cancel);

}  // namespace hearth::gateway
