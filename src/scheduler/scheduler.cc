#include "scheduler/scheduler.h"

#include <algorithm>
#include <cstdio>

#include "scheduler/context_policy.h"
#include "scheduler/memory_fit.h"
#include "scheduler/scheduler_entry.h"

namespace hearth::scheduler {
namespace {

using Clock = std::chrono::steady_clock;
using WallClock = std::chrono::system_clock;

// How often a waiting request looks at its cancel token.
constexpr std::chrono::milliseconds kCancelPoll{100};

}  // namespace

bool KeptForever(std::chrono::nanoseconds keep_alive) {
  // Negative, or so long that adding it to a clock could overflow: forever.
  return keep_alive < std::chrono::nanoseconds(0) || keep_alive >= kForever;
}

std::chrono::system_clock::time_point ExpiryTime(std::chrono::system_clock::time_point now,
                                                 std::chrono::nanoseconds keep_alive) {
  if (KeptForever(keep_alive)) return now + kForever;
  return now + std::chrono::duration_cast<WallClock::duration>(keep_alive);
}

Scheduler::Scheduler(store::Store& store, SchedulerOptions options)
    : store_(store), options_(std::move(options)) {}

Result<std::unique_ptr<Scheduler>> Scheduler::Create(store::Store& store,
                                                     SchedulerOptions options) {
  if (options.max_loaded_models < 1) return InvalidArgument("max_loaded_models must be positive");
  if (options.max_queue < 0) return InvalidArgument("max_queue must not be negative");
  if (options.num_parallel < 1 || options.num_parallel > 256)
    return InvalidArgument("num_parallel must be between 1 and 256");
  if (options.default_context < 16) return InvalidArgument("default_context must be at least 16");
  if (options.min_context_tier < 16) return InvalidArgument("min_context_tier must be at least 16");
  std::unique_ptr<Scheduler> s(new Scheduler(store, std::move(options)));
  s->expiry_thread_ = std::thread([p = s.get()] { p->ExpiryLoop(); });
  return s;
}

Scheduler::~Scheduler() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  expiry_cv_.notify_all();
  if (expiry_thread_.joinable()) expiry_thread_.join();
  // Engines are freed without the lock: their cancelled requests' on_done calls Release.
  std::vector<std::unique_ptr<engine::Engine>> engines;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, e] : entries_) {
      if (e->engine) engines.push_back(std::move(e->engine));
    }
  }
  engines.clear();
  std::lock_guard<std::mutex> lock(mu_);
  entries_.clear();
}

void Scheduler::Log(const std::string& line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    std::fprintf(stderr, "hearth: %s\n", line.c_str());
  }
}

Result<store::ResolvedModel> Scheduler::ResolveName(const std::string& model) const {
  auto name = store::ModelName::Parse(model);
  if (!name.ok()) return NotFound("model '" + model + "' not found");
  auto resolved = store_.Resolve(*name);
  if (!resolved.ok()) {
    if (resolved.status().code() == StatusCode::kNotFound)
      return NotFound("model '" + model + "' not found");
    return resolved.status();
  }
  return resolved;
}

int Scheduler::WaitingLocked() const {
  int n = acquiring_;
  for (const auto& [key, e] : entries_) {
    if (e->engine && e->state != Entry::State::kLoading) n += e->engine->pending_requests();
  }
  return n;
}

uint64_t Scheduler::BudgetLocked(const EntryPtr& e) const {
  const uint64_t own = e->engine ? e->engine->memory().kv_cache : 0;
  if (options_.memory_limit == 0) {
    const uint64_t available = AvailableMemory();
    return available == 0 ? 0 : available + own;
  }
  uint64_t used = 0;
  for (const auto& [key, other] : entries_) {
    if (other != e && other->engine) used += other->engine->memory().kv_cache;
  }
  return used >= options_.memory_limit ? 1 : options_.memory_limit - used;
}

int Scheduler::Waiting() const {
  std::lock_guard<std::mutex> lock(mu_);
  return WaitingLocked();
}

SchedulerStats Scheduler::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

Result<Scheduler::Lease> Scheduler::Acquire(const store::ResolvedModel& resolved,
                                            const LoadSettings& load, const CancelTokenPtr& cancel,
                                            std::chrono::nanoseconds& load_time) {
  std::unique_lock<std::mutex> lock(mu_);
  if (WaitingLocked() >= options_.max_queue) {
    ++stats_.rejected;
    return ResourceExhausted("server busy, please try again. maximum pending requests exceeded");
  }
  ++acquiring_;
  struct Leave {
    int& n;
    ~Leave() { --n; }  // runs while `lock` is still held (declared after it)
  } leave{acquiring_};
  const std::string key = resolved.name.Full();
  const int32_t requested = load.num_ctx;
  auto timed = [&](auto&& fn) {
    const auto t0 = Clock::now();
    Status s = fn();
    load_time += Clock::now() - t0;
    return s;
  };
  for (;;) {
    if (stopping_) return Status(StatusCode::kUnavailable, "the scheduler is shutting down");
    if (cancel && cancel->IsCancelled()) return Cancelled("request cancelled");
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      if (static_cast<int>(entries_.size()) >= options_.max_loaded_models) {
        // Evict the idle model that expires first; when none is idle, wait for one.
        EntryPtr victim;
        for (const auto& [k, e] : entries_) {
          if (e->state != Entry::State::kReady || e->running > 0 || e->waiting > 0) continue;
          if (!victim || e->expires < victim->expires) victim = e;
        }
        if (!victim) {
          cv_.wait_for(lock, kCancelPoll);
          continue;
        }
        ++stats_.evictions;
        DropLocked(lock, victim, "evicted to make room");
        continue;
      }
      auto e = std::make_shared<Entry>();
      e->key = key;
      entries_[key] = e;
      Status s = timed([&] { return LoadLocked(lock, e, resolved, load, requested); });
      if (!s.ok()) {
        if (auto again = entries_.find(key); again != entries_.end() && again->second == e)
          entries_.erase(again);
        cv_.notify_all();
        return s;
      }
      ++stats_.loads;
      e->state = Entry::State::kReady;
      cv_.notify_all();
      continue;
    }
    EntryPtr e = it->second;
    if (e->state != Entry::State::kReady) {
      ++e->waiting;
      cv_.wait_for(lock, kCancelPoll);
      --e->waiting;
      continue;
    }
    const bool changed = !(e->digest == resolved.manifest_digest);
    const int32_t train = e->model->info().context_length;
    // An embedding-only model has no generation context to grow: Embed sizes its Embedder.
    int32_t target =
        e->engine ? ContextTarget(requested, e->tier, options_.min_context_tier, train) : e->tier;
    if (e->failed_tier > 0 && target >= e->failed_tier) target = e->tier;
    if (target > e->tier) {
      // Grow only as far as memory allows; a grow that cannot happen is not tried again.
      const int32_t fit = FitTier(e->model->info(), target, options_.min_context_tier,
                                  options_.num_parallel, BudgetLocked(e));
      if (fit < target) {
        e->failed_tier = ContextTier(std::max(fit, e->tier) + 1, options_.min_context_tier, train);
        Log("model " + e->details.name + ": a context of " + std::to_string(target) +
            " tokens does not fit in memory; staying at " + std::to_string(std::max(fit, e->tier)) +
            " tokens at most");
        target = std::max(fit, e->tier);
      }
    }
    if (changed || target != e->tier) {
      // Grow (or reload): new requests wait, running ones finish, then the engine is rebuilt.
      e->state = Entry::State::kDraining;
      cv_.wait(lock, [&] { return e->running == 0 || stopping_; });
      if (stopping_) return Status(StatusCode::kUnavailable, "the scheduler is shutting down");
      e->state = Entry::State::kLoading;
      const int32_t old_tier = e->tier;
      Log("model " + e->details.name + ": " +
          (changed ? std::string("changed in the store, reloading")
                   : "growing the context from " + std::to_string(old_tier) + " to " +
                         std::to_string(target) + " tokens"));
      Status s =
          timed([&] { return LoadLocked(lock, e, resolved, load, changed ? requested : target); });
      if (!s.ok() && !changed) {
        // Keep serving at the old size; larger requests run there (and truncate or fail).
        e->failed_tier = target;
        Log("model " + e->details.name + ": growing the context failed (" + s.message() +
            "); staying at " + std::to_string(old_tier) + " tokens");
        Status back = LoadLocked(lock, e, resolved, load, old_tier);
        if (back.ok()) {
          e->state = Entry::State::kReady;
          cv_.notify_all();
          return s;
        }
      }
      if (!s.ok()) {
        if (auto again = entries_.find(key); again != entries_.end() && again->second == e)
          entries_.erase(again);
        cv_.notify_all();
        return s;
      }
      ++(changed ? stats_.reloads : stats_.context_grows);
      e->state = Entry::State::kReady;
      cv_.notify_all();
      continue;
    }
    ++e->running;
    e->expire_when_idle = false;  // a new request after an unload request keeps it again
    e->last_used = Clock::now();
    return Lease{e, e->engine.get(), e->prompting.get()};
  }
}

void Scheduler::ExpireWhenIdle(const std::string& key) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return;
    Entry& e = *it->second;
    e.expire_when_idle = true;
    if (e.running == 0) {
      e.keep_alive = std::chrono::nanoseconds(0);
      e.expires = Clock::now();
      e.expires_wall = WallClock::now();
    }
  }
  expiry_cv_.notify_all();
}

void Scheduler::Release(const EntryPtr& e, std::chrono::nanoseconds keep_alive) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    --e->running;
    const auto now = Clock::now();
    e->last_used = now;
    if (e->expire_when_idle) keep_alive = std::chrono::nanoseconds(0);
    e->keep_alive = keep_alive;
    if (KeptForever(keep_alive)) {
      e->expires = Clock::time_point::max();
    } else {
      e->expires = now + std::chrono::duration_cast<Clock::duration>(keep_alive);
    }
    e->expires_wall = ExpiryTime(WallClock::now(), keep_alive);
  }
  cv_.notify_all();
  expiry_cv_.notify_all();
}

void Scheduler::DropLocked(std::unique_lock<std::mutex>& lock, const EntryPtr& e, const char* why) {
  if (auto it = entries_.find(e->key); it != entries_.end() && it->second == e) entries_.erase(it);
  std::unique_ptr<engine::Engine> engine = std::move(e->engine);
  std::unique_ptr<engine::Embedder> embedder;
  {
    std::lock_guard<std::mutex> embed_lock(e->embed_mu);  // free: no request holds the entry
    embedder = e->TakeEmbedder();
  }
  e->state = Entry::State::kLoading;  // nobody may take it any more
  const std::string name = e->details.name;
  lock.unlock();
  engine.reset();
  embedder.reset();
  Log("model " + name + ": unloaded (" + why + ")");
  lock.lock();
  cv_.notify_all();
}

void Scheduler::ExpiryLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    const auto now = Clock::now();
    EntryPtr expired;
    auto next = Clock::time_point::max();
    for (const auto& [key, e] : entries_) {
      if (e->state != Entry::State::kReady || e->running > 0 || e->waiting > 0) continue;
      if (e->expires <= now) {
        expired = e;
        break;
      }
      next = std::min(next, e->expires);
    }
    if (expired) {
      ++stats_.unloads;
      DropLocked(lock, expired, "keep_alive expired");
      continue;
    }
    if (next == Clock::time_point::max()) {
      expiry_cv_.wait(lock);
    } else {
      expiry_cv_.wait_until(lock, next);
    }
  }
}

std::vector<RunningModel> Scheduler::Running() const {
  std::vector<std::pair<Clock::time_point, RunningModel>> rows;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = Clock::now();
    const auto wall = WallClock::now();
    for (const auto& [key, e] : entries_) {
      if (e->state == Entry::State::kLoading || (!e->engine && e->embed_ctx == 0)) continue;
      if (e->running == 0 && e->expires <= now) continue;  // being unloaded
      RunningModel m = e->details;
      if (e->engine) {
        // An embedder beside the engine shares its weights: only its context adds.
        m.size = e->engine->memory().total() + e->embed_context_bytes;
        m.context_length = e->engine->options().n_ctx;
      } else {
        m.size = e->embed_bytes;
        m.context_length = e->embed_ctx;
      }
      m.expires_at = e->running > 0 ? ExpiryTime(wall, e->keep_alive) : e->expires_wall;
      rows.emplace_back(e->last_used, std::move(m));
    }
  }
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<RunningModel> out;
  for (auto& r : rows) out.push_back(std::move(r.second));
  return out;
}

Status Scheduler::Unload(const std::string& model) {
  auto name = store::ModelName::Parse(model);
  if (!name.ok()) return NotFound("model '" + model + "' not found");
  std::unique_lock<std::mutex> lock(mu_);
  // Match the loaded name ignoring ASCII case, as the store resolves names.
  auto lower = [](std::string s) {
    for (char& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    return s;
  };
  const std::string want = lower(name->Full());
  for (;;) {
    EntryPtr e;
    for (const auto& [key, entry] : entries_) {
      if (lower(key) == want) e = entry;
    }
    if (!e) return NotFound("model '" + model + "' not found");
    if (e->state != Entry::State::kReady) {
      ++e->waiting;
      cv_.wait_for(lock, kCancelPoll);
      --e->waiting;
      continue;
    }
    e->state = Entry::State::kDraining;
    cv_.wait(lock, [&] { return e->running == 0 || stopping_; });
    if (stopping_) return Status(StatusCode::kUnavailable, "the scheduler is shutting down");
    ++stats_.unloads;
    DropLocked(lock, e, "unload requested");
    return Status();
  }
}

}  // namespace hearth::scheduler
