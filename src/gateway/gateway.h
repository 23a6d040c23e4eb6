#pragma once
// Gateway: the chat::Backend that serves LiteLLM-style model groups over deployments (remote
// providers, or hearth's own scheduler through `local/<name>`), with LiteLLM's router semantics:
//
//   Names     model_group_alias -> group; a group routes over its deployments; any other name goes
//             to options.local unchanged (hearth without a config behaves as before).
//   Choice    per attempt: deployments cooling down, at max_parallel_requests or at their rpm/tpm
//             this minute, or whose max_input_tokens cannot hold the prompt plus num_predict are
//             skipped; a retry prefers a deployment this request has not tried in the group; then
//             the lowest `order`; then the routing strategy (select.h). Seeded: deterministic.
//   Retries   per group: retry_policy[class] else num_retries (failure.h maps a Status to its
//             class); full-jitter exponential backoff (retry_backoff_base .. retry_backoff_max)
//             before each; when no deployment of the group is available but one leaves its
//             cooldown within max_retry_after (e.g. an upstream Retry-After), the retry waits for
//             it. Backoff sleeps wake at once when request.cancel fires.
//   Cooldowns per deployment id: an upstream 429/401/404/408 cools at once (for Retry-After when
//             given, else cooldown_time); a Retry-After on any failure cools for that long; more
//             than allowed_fails (allowed_fails_policy[class]) failures within a minute cool for
//             cooldown_time. A longer cooldown is never shortened.
//   Fallbacks after a group is spent: context_length errors (or every deployment too small) go to
//             context_window_fallbacks[group], content policy to content_policy_fallbacks[group],
//             others to fallbacks[group] else default_fallbacks, in order, each group once. A
//             fallback name that is not a group is a local model name (options.local).
//   Budget    hearth.max_attempts attempts in all. The caller's own errors (plain
//             InvalidArgument, Cancelled) return at once.
//   Streams   a deployment's Generate returns OK once streaming began. A done chunk with kError
//             before any chunk reached the client is retried like an error (on a gateway thread).
//             After content reached the client, a kChat request continues on the next candidate
//             that accepts an assistant prefill (anthropic, local) with the partial answer as an
//             assistant message, into the same sink; without one the error chunk is passed
//             through. A cut stream never ends with kStop; content-policy errors in a stream are
//             always passed through.
//   Reporting request.on_route once before the first chunk; the done chunk's backend,
//             deployment and attempts.
//
// Thread-safe: routing state sits under one mutex, never held while a deployment backend, a sink
// or a callback runs. Requests keep the table snapshot they started with across Reload.

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/status.h"
#include "chat/backend.h"
#include "gateway/clock.h"
#include "gateway/config.h"

namespace hearth::gateway {

// Makes the chat::Backend that talks to one (non-local) deployment. Called at Create and at each
// Reload, outside any lock; an error fails the Create/Reload.
using DeploymentFactory =
    std::function<Result<std::shared_ptr<chat::Backend>>(const Deployment&)>;
// Estimates a request's prompt tokens for `deployment` (pre-call context check).
using TokenCounter = std::function<int64_t(const chat::Request&, const Deployment&)>;

struct GatewayOptions {
  std::shared_ptr<chat::Backend> local;  // hearth's scheduler; null: local names are NotFound
  DeploymentFactory factory;             // required when the config has remote deployments
  std::shared_ptr<Clock> clock;          // null: SystemClock()
  uint64_t seed = 0;                     // 0: from std::random_device
  TokenCounter count_tokens;             // null: EstimateTokens (bytes / 4)
};

// What `hearth ps` and logs show about one deployment. Never holds a credential.
struct DeploymentState {
  std::string group, id, provider, model;
  int order = 0;
  double weight = 1.0;
  int in_flight = 0;
  std::optional<TimePoint> cooling_until;  // set while cooling down
  int64_t cooling_ms_left = 0;             // 0 when not cooling
  int recent_fails = 0;                    // failures within the last minute
  std::optional<double> latency_ms;        // EWMA: time to first chunk (Generate), total (Embed)
};

// Prompt bytes / 4 (messages, prompt, system, suffix, tools) plus num_predict when set.
int64_t EstimateTokens(const chat::Request& request);

class Gateway final : public chat::Backend {
 public:
  // InvalidArgument naming the field for a config the gateway cannot serve (a deployment without
  // model_name, duplicate ids, negative retries, max_attempts < 1, a remote deployment without a
  // factory); the factory's error names the deployment.
  static Result<std::unique_ptr<Gateway>> Create(Config config, GatewayOptions options);
  ~Gateway() override;  // joins the gateway's failover threads

  // Replaces the table atomically. Requests in flight finish on the snapshot they started with;
  // deployments keeping their id keep their cooldown, failures, in-flight count and latency.
  // On error the old table stays.
  Status Reload(Config config);

  Status Generate(chat::Request request, chat::ChunkSink sink) override;
  Result<chat::EmbedResult> Embed(chat::EmbedRequest request) override;
  std::vector<chat::RunningModel> Running() const override;  // the local backend's
  Status Unload(const std::string& model) override;          // forwards to the local backend

  std::vector<DeploymentState> Deployments() const;
  // True iff `name` is a model group or an alias of one.
  bool IsGroup(std::string_view name) const;

  struct Stats;
  struct Entry;
  struct Table;
  struct Call;
  struct Attempt;

 private:
  Gateway(GatewayOptions options, std::shared_ptr<Clock> clock);
  Result<std::shared_ptr<const Table>> Build(Config config);
  std::shared_ptr<const Table> Snapshot() const;

  Status Drive(const std::shared_ptr<Call>& call, Status failed);
  Status RunAttempt(const std::shared_ptr<Call>& call, size_t index);
  bool OnChunk(const std::shared_ptr<Call>& call, const std::shared_ptr<Attempt>& attempt,
               chat::Chunk&& chunk);
  void DeliverFinal(const std::shared_ptr<Call>& call, chat::Chunk&& chunk);
  std::optional<size_t> Choose(Call& call, bool reserve, std::optional<TimePoint>* earliest);
  void EndAttempt(const Call& call, Attempt& attempt, const Status* failure, int64_t tokens);
  Millis Backoff(const Call& call, int retry);
  void Spawn(std::function<void()> fn);

  const GatewayOptions options_;
  const std::shared_ptr<Clock> clock_;

  mutable std::mutex mu_;
  std::shared_ptr<const Table> table_;                      // guarded by mu_
  std::map<std::string, std::shared_ptr<Stats>> stats_;    // by deployment id; guarded by mu_
  std::mt19937_64 rng_;                                     // guarded by mu_

  std::mutex threads_mu_;
  std::list<std::pair<std::thread, std::shared_ptr<std::atomic<bool>>>> threads_;  // guarded by threads_mu_
};

}  // namespace hearth::gateway
