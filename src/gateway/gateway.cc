#include "gateway/gateway.h"

#include <algorithm>
#include <deque>
#include <set>
#include <utility>

#include "gateway/failure.h"
#include "gateway/select.h"

namespace hearth::gateway {

namespace {

constexpr auto kMinute = std::chrono::minutes(1);
constexpr double kLatencyAlpha = 0.3;  // weight of the newest sample in the EWMA

bool AcceptsPrefill(Provider p) { return p == Provider::kAnthropic || p == Provider::kLocal; }

// An empty kGenerate prompt or a kChat without messages only loads (or unloads) a model.
bool IsLoadOnly(const chat::Request& r) {
  return r.kind == chat::RequestKind::kChat ? r.messages.empty()
                                             : r.prompt.empty() && r.suffix.empty();
}

bool IsCancelled(const CancelTokenPtr& cancel) { return cancel && cancel->IsCancelled(); }

int64_t CeilSeconds(std::chrono::steady_clock::duration d) {
  const int64_t ms = std::chrono::ceil<Millis>(d).count();
  return std::max<int64_t>(1, (ms + 999) / 1000);
}

}  // namespace

int64_t EstimateTokens(const chat::Request& request) {
  size_t bytes = request.prompt.size() + request.suffix.size() + request.system.size();
  for (const chat::Message& m : request.messages) {
    bytes += m.content.size() + m.thinking.size();
    for (const chat::ToolCall& c : m.tool_calls) bytes += c.name.size() + c.arguments_json.size();
  }
  for (const chat::Tool& t : request.tools) {
    bytes += t.name.size() + t.description.size() + t.parameters_json.size();
  }
  int64_t tokens = static_cast<int64_t>(bytes / 4);
  for (const chat::OptionSetting& o : request.options) {
    if (o.first == "num_predict" && o.second.i > 0) tokens += o.second.i;
  }
  return tokens;
}

// ---- state -------------------------------------------------------------------------------------

struct Gateway::Stats {  // guarded by Gateway::mu_
  int in_flight = 0;
  TimePoint cooling_until{};
  std::deque<TimePoint> fails;   // within the last minute
  std::deque<TimePoint> starts;  // attempts started within the last minute (rpm)
  std::deque<std::pair<TimePoint, int64_t>> tokens;  // tokens within the last minute (tpm)
  std::optional<double> latency_ms;

  void Prune(TimePoint now) {
    while (!fails.empty() && fails.front() <= now - kMinute) fails.pop_front();
    while (!starts.empty() && starts.front() <= now - kMinute) starts.pop_front();
    while (!tokens.empty() && tokens.front().first <= now - kMinute) tokens.pop_front();
  }
  int64_t TokensLastMinute() const {
    int64_t n = 0;
    for (const auto& t : tokens) n += t.second;
    return n;
  }
  void RecordLatency(std::chrono::steady_clock::duration d) {
    const double ms = std::chrono::duration<double, std::milli>(d).count();
    latency_ms = latency_ms ? (1 - kLatencyAlpha) * *latency_ms + kLatencyAlpha * ms : ms;
  }
};

struct Gateway::Entry {
  Deployment deployment;  // id always set
  std::shared_ptr<chat::Backend> backend;
  std::shared_ptr<Stats> stats;
  bool listed = true;  // false: a local model named only as a fallback target
};

struct Gateway::Table {
  Config config;  // fallback lists hold resolved names (aliases replaced)
  std::vector<Entry> entries;
  std::map<std::string, std::vector<size_t>, std::less<>> groups;  // listed and fallback-only
  std::set<std::string, std::less<>> listed;                      // groups of model_list

  // The group `name` routes to, or nullopt with `local_name` set to what the local backend gets.
  std::optional<std::string> Resolve(std::string_view name, std::string* local_name) const {
    std::string target(name);
    auto alias = config.router.model_group_alias.find(target);
    if (alias != config.router.model_group_alias.end()) target = alias->second;
    if (listed.count(target)) return target;
    if (local_name) *local_name = target;
    return std::nullopt;
  }
  // An alias or group name resolved for a fallback list (not necessarily listed).
  std::string ResolveFallback(const std::string& name) const {
    auto alias = config.router.model_group_alias.find(name);
    return alias != config.router.model_group_alias.end() ? alias->second : name;
  }
};

struct Gateway::Call {
  std::shared_ptr<const Table> table;
  bool embed = false;
  chat::Request request;  // on_route moved out
  chat::ChunkSink sink;
  std::function<void(const chat::RouteDecision&)> on_route;
  chat::EmbedRequest embed_request;
  std::optional<chat::EmbedResult> embed_result;
  CancelTokenPtr cancel;
  std::string origin;  // the group the client asked for

  // Routing progress. One thread at a time: the caller, then the thread delivering chunks or a
  // failover thread (each hands over before the next starts).
  std::string group;
  std::set<std::string> visited;
  std::set<size_t> tried_in_group;
  int retries_in_group = 0;
  bool retrying = false;
  int attempts = 0;
  Status last_error;
  FallbackKind fallback_kind = FallbackKind::kGeneric;
  std::optional<TimePoint> earliest_cooling;  // over every group looked at
  bool busy_skipped = false;
  bool all_context_skipped = false;  // the last Choose found only deployments too small
  std::map<size_t, bool> fits;       // pre-call check per entry

  // Stream.
  bool committed = false;  // a non-done chunk reached the client
  bool route_sent = false;
  bool tool_calls_sent = false;
  bool client_stopped = false;
  std::string partial_content;
  std::string backend_name, deployment_id;  // the current attempt's
  int32_t carried_tokens = 0;                // completion tokens of cut attempts
  chat::Chunk pending_done;                  // a cut attempt's done chunk, while failing over

  void SendRoute() {
    if (route_sent) return;
    route_sent = true;
    if (on_route) on_route(chat::RouteDecision{backend_name, deployment_id, attempts});
  }
};

struct Gateway::Attempt {
  size_t index = 0;
  std::shared_ptr<Stats> stats;
  TimePoint start;
  bool first_chunk = false;
  bool ended = false;  // guarded by Gateway::mu_
};

// ---- construction ------------------------------------------------------------------------------

Gateway::Gateway(GatewayOptions options, std::shared_ptr<Clock> clock)
    : options_(std::move(options)), clock_(std::move(clock)) {
  rng_.seed(options_.seed != 0 ? options_.seed : std::random_device{}());
}

Gateway::~Gateway() {
  for (;;) {
    std::list<std::pair<std::thread, std::shared_ptr<std::atomic<bool>>>> threads;
    {
      std::lock_guard lock(threads_mu_);
      threads.swap(threads_);
    }
    if (threads.empty()) return;
    for (auto& t : threads) t.first.join();
  }
}

Result<std::unique_ptr<Gateway>> Gateway::Create(Config config, GatewayOptions options) {
  std::shared_ptr<Clock> clock = options.clock ? options.clock : SystemClock();
  std::unique_ptr<Gateway> g(new Gateway(std::move(options), std::move(clock)));
  HEARTH_RETURN_IF_ERROR(g->Reload(std::move(config)));
  return g;
}

Result<std::shared_ptr<const Gateway::Table>> Gateway::Build(Config config) {
  const RouterSettings& r = config.router;
  const HearthSettings& h = config.hearth;
  if (r.num_retries < 0) return InvalidArgument("router_settings.num_retries must be >= 0");
  if (r.allowed_fails < 0) return InvalidArgument("router_settings.allowed_fails must be >= 0");
  if (r.cooldown_time.count() < 0) return InvalidArgument("router_settings.cooldown_time must be >= 0");
  for (const auto& [cls, n] : r.retry_policy) {
    if (n < 0) return InvalidArgument("router_settings.retry_policy: retries must be >= 0");
  }
  if (h.max_attempts < 1) return InvalidArgument("hearth.max_attempts must be >= 1");
  if (h.retry_backoff_base.count() < 0 || h.retry_backoff_max.count() < 0 ||
      h.max_retry_after.count() < 0) {
    return InvalidArgument("hearth.retry_backoff_base/retry_backoff_max/max_retry_after must be >= 0");
  }

  auto table = std::make_shared<Table>();
  std::set<std::string> ids;
  std::map<std::string, int> per_group;
  for (size_t i = 0; i < config.model_list.size(); ++i) {
    const Deployment& d = config.model_list[i];
    const std::string where = "model_list[" + std::to_string(i) + "]" +
                              (d.source.empty() ? "" : " (" + d.source + ")");
    if (d.model_name.empty()) return InvalidArgument(where + ".model_name is empty");
    if (d.model.empty()) return InvalidArgument(where + ".litellm_params.model is empty");
    if (!(d.weight >= 0)) return InvalidArgument(where + ".litellm_params.weight must be >= 0");
    Entry e;
    e.deployment = d;
    const int k = per_group[d.model_name]++;
    if (e.deployment.id.empty()) e.deployment.id = d.model_name + "/" + std::to_string(k);
    if (!ids.insert(e.deployment.id).second) {
      return InvalidArgument(where + ".model_info.id '" + e.deployment.id + "' is not unique");
    }
    if (d.provider == Provider::kLocal) {
      if (!options_.local) return InvalidArgument(where + ": local/ deployment but no local backend");
      e.backend = options_.local;
    } else {
      if (!options_.factory) {
        return InvalidArgument(where + ": no backend factory for provider " +
                               ProviderName(d.provider));
      }
      auto made = options_.factory(e.deployment);
      if (!made.ok()) return made.status().WithContext("deployment '" + e.deployment.id + "'");
      if (!*made) return Internal("deployment '" + e.deployment.id + "': the factory returned null");
      e.backend = std::move(made).value();
    }
    table->groups[d.model_name].push_back(table->entries.size());
    table->listed.insert(d.model_name);
    table->entries.push_back(std::move(e));
  }
  for (const auto& [alias, target] : config.router.model_group_alias) {
    if (target.empty()) {
      return InvalidArgument("router_settings.model_group_alias['" + alias + "'] is empty");
    }
  }
  table->config = std::move(config);

  // Fallback targets: aliases resolved; a name that is no group is a local model.
  auto resolve_list = [&](std::vector<std::string>& list, const std::string& field) -> Status {
    for (std::string& name : list) {
      name = table->ResolveFallback(name);
      if (table->groups.count(name)) continue;
      if (!options_.local) {
        return InvalidArgument("router_settings." + field + ": '" + name +
                               "' is not a model group and there is no local backend");
      }
      Entry e;
      e.deployment.model_name = name;
      e.deployment.provider = Provider::kLocal;
      e.deployment.model = name;
      e.deployment.id = "local/" + name;
      e.backend = options_.local;
      e.listed = false;
      table->groups[name].push_back(table->entries.size());
      table->entries.push_back(std::move(e));
    }
    return Status::Ok();
  };
  RouterSettings& rs = table->config.router;
  for (auto* m : {&rs.fallbacks, &rs.context_window_fallbacks, &rs.content_policy_fallbacks}) {
    const std::string field = m == &rs.fallbacks                  ? "fallbacks"
                              : m == &rs.context_window_fallbacks ? "context_window_fallbacks"
                                                                  : "content_policy_fallbacks";
    for (auto& [group, list] : *m) HEARTH_RETURN_IF_ERROR(resolve_list(list, field));
  }
  HEARTH_RETURN_IF_ERROR(resolve_list(rs.default_fallbacks, "default_fallbacks"));
  return std::shared_ptr<const Table>(table);
}

Status Gateway::Reload(Config config) {
  auto built = Build(std::move(config));  // factories run outside the lock
  if (!built.ok()) return built.status();
  auto table = std::const_pointer_cast<Table>(std::move(built).value());
  std::lock_guard lock(mu_);
  std::map<std::string, std::shared_ptr<Stats>> stats;
  for (Entry& e : table->entries) {
    auto& slot = stats[e.deployment.id];
    if (!slot) {
      auto old = stats_.find(e.deployment.id);
      slot = old != stats_.end() ? old->second : std::make_shared<Stats>();
    }
    e.stats = slot;
  }
  stats_ = std::move(stats);
  table_ = std::move(table);
  return Status::Ok();
}

std::shared_ptr<const Gateway::Table> Gateway::Snapshot() const {
  std::lock_guard lock(mu_);
  return table_;
}

// ---- routing -----------------------------------------------------------------------------------

Millis Gateway::Backoff(const Call& call, int retry) {
  const HearthSettings& h = call.table->config.hearth;
  int64_t cap = h.retry_backoff_base.count();
  for (int i = 0; i < retry && cap < h.retry_backoff_max.count(); ++i) cap *= 2;
  cap = std::min(cap, static_cast<int64_t>(h.retry_backoff_max.count()));
  if (cap <= 0) return Millis(0);
  std::lock_guard lock(mu_);
  std::uniform_int_distribution<int64_t> jitter(0, cap);
  return Millis(jitter(rng_));
}

std::optional<size_t> Gateway::Choose(Call& call, bool reserve,
                                      std::optional<TimePoint>* earliest) {
  const Table& t = *call.table;
  auto group = t.groups.find(call.group);
  if (group == t.groups.end()) return std::nullopt;
  // Pre-call context check, outside the lock (a token counter may be slow).
  for (size_t index : group->second) {
    if (call.fits.count(index)) continue;
    const Deployment& d = t.entries[index].deployment;
    bool fits = true;
    if (d.max_input_tokens) {
      int64_t tokens = 0;
      if (call.embed) {
        for (const std::string& in : call.embed_request.inputs) {
          tokens = std::max<int64_t>(tokens, static_cast<int64_t>(in.size() / 4));
        }
      } else {
        tokens = options_.count_tokens ? options_.count_tokens(call.request, d)
                                       : EstimateTokens(call.request);
      }
      fits = tokens <= *d.max_input_tokens;
    }
    call.fits[index] = fits;
  }
  const bool prefill_only = call.committed;
  std::vector<CandidateView> available, untried;
  int too_small = 0, considered = 0;
  std::lock_guard lock(mu_);
  const TimePoint now = clock_->Now();
  for (size_t index : group->second) {
    const Entry& e = t.entries[index];
    const Deployment& d = e.deployment;
    Stats& s = *e.stats;
    s.Prune(now);
    if (prefill_only && !AcceptsPrefill(d.provider)) continue;
    ++considered;
    if (!call.fits[index]) {
      ++too_small;
      continue;
    }
    if (s.cooling_until > now) {
      if (!*earliest || s.cooling_until < **earliest) *earliest = s.cooling_until;
      if (!call.earliest_cooling || s.cooling_until < *call.earliest_cooling) {
        call.earliest_cooling = s.cooling_until;
      }
      continue;
    }
    if ((d.max_parallel_requests && s.in_flight >= *d.max_parallel_requests) ||
        (d.rpm && static_cast<int64_t>(s.starts.size()) >= *d.rpm) ||
        (d.tpm && s.TokensLastMinute() >= *d.tpm)) {
      call.busy_skipped = true;
      continue;
    }
    CandidateView v{index, &d, s.in_flight, s.TokensLastMinute(), s.latency_ms};
    available.push_back(v);
    if (!call.tried_in_group.count(index)) untried.push_back(v);
  }
  call.all_context_skipped = considered > 0 && too_small == considered;
  auto pick = PickDeployment(t.config.router.routing_strategy,
                             untried.empty() ? available : untried, rng_);
  if (pick && reserve) {
    Stats& s = *t.entries[*pick].stats;
    ++s.in_flight;
    s.starts.push_back(now);
  }
  return pick;
}

void Gateway::EndAttempt(const Call& call, Attempt& attempt, const Status* failure,
                         int64_t tokens) {
  const RouterSettings& router = call.table->config.router;
  std::lock_guard lock(mu_);
  if (attempt.ended) return;
  attempt.ended = true;
  Stats& s = *attempt.stats;
  const TimePoint now = clock_->Now();
  s.in_flight = std::max(0, s.in_flight - 1);
  if (tokens > 0) s.tokens.emplace_back(now, tokens);
  if (!failure) {
    if (!attempt.first_chunk) s.RecordLatency(now - attempt.start);
    return;
  }
  const Failure f = Classify(*failure);
  if (!f.deployment_fault) return;
  const int64_t retry_after = failure->upstream().retry_after_ms;
  Millis cool{0};
  if (f.cool_now) {
    cool = retry_after >= 0 ? Millis(retry_after) : router.cooldown_time;
  } else {
    s.Prune(now);
    s.fails.push_back(now);
    if (static_cast<int>(s.fails.size()) > AllowedFailsFor(router, f.error_class)) {
      cool = router.cooldown_time;
    }
    if (retry_after >= 0) cool = std::max(cool, Millis(retry_after));
  }
  if (cool.count() > 0) {
    s.cooling_until = std::max(s.cooling_until, now + cool);
    s.fails.clear();
  }
}

// Drives `call` from a fresh start (failed OK) or from the failure of its last attempt: retries,
// waits, fallbacks, until an attempt starts streaming (Generate) or succeeds (Embed): OK; or the
// plan is spent: the error to give the client.
Status Gateway::Drive(const std::shared_ptr<Call>& call, Status failed) {
  const Config& cfg = call->table->config;
  Status result = std::move(failed);
  bool have_result = !result.ok();
  for (;;) {
    bool next_group = false;
    if (have_result) {
      have_result = false;
      call->last_error = result;
      if (IsCancelled(call->cancel)) return Cancelled("request cancelled");
      const Failure f = Classify(result);
      const bool retry_bad_request = f.caller_fault &&
                                     f.error_class == ErrorClass::kBadRequest &&
                                     cfg.router.retry_policy.count(ErrorClass::kBadRequest) &&
                                     cfg.router.retry_policy.at(ErrorClass::kBadRequest) > 0;
      if (f.caller_fault && !retry_bad_request) return result;
      if (f.fallback != FallbackKind::kGeneric) call->fallback_kind = f.fallback;
      if (!f.skip_group_retries &&
          call->retries_in_group < RetriesFor(cfg.router, f.error_class)) {
        ++call->retries_in_group;
        call->retrying = true;
      } else {
        next_group = true;
      }
    }
    if (!next_group) {
      if (IsCancelled(call->cancel)) return Cancelled("request cancelled");
      if (call->attempts >= cfg.hearth.max_attempts) break;
      std::optional<TimePoint> earliest;
      std::optional<size_t> pick;
      if (call->retrying) {
        Millis wait = Backoff(*call, call->retries_in_group - 1);
        if (!Choose(*call, false, &earliest)) {
          // Nothing available now: wait for the first to leave its cooldown when that is soon.
          const Millis until =
              earliest ? std::chrono::ceil<Millis>(*earliest - clock_->Now()) : Millis(0);
          if (earliest && until <= cfg.hearth.max_retry_after) {
            wait = std::max(wait, until);
          } else {
            next_group = true;
          }
        }
        if (!next_group) {
          if (wait.count() > 0 && !clock_->Sleep(wait, call->cancel)) {
            return Cancelled("request cancelled");
          }
          pick = Choose(*call, true, &earliest);
        }
      } else {
        pick = Choose(*call, true, &earliest);
      }
      if (pick) {
        ++call->attempts;
        result = RunAttempt(call, *pick);
        if (result.ok()) return result;
        have_result = true;
        continue;
      }
      if (call->all_context_skipped) call->fallback_kind = FallbackKind::kContextWindow;
    }
    // The group is spent: the next fallback group of the origin, each once.
    const RouterSettings& r = cfg.router;
    const std::vector<std::string>* list = nullptr;
    const auto* map = call->fallback_kind == FallbackKind::kContextWindow ? &r.context_window_fallbacks
                      : call->fallback_kind == FallbackKind::kContentPolicy
                          ? &r.content_policy_fallbacks
                          : &r.fallbacks;
    auto it = map->find(call->origin);
    if (it != map->end()) list = &it->second;
    else if (call->fallback_kind == FallbackKind::kGeneric) list = &r.default_fallbacks;
    std::optional<std::string> next;
    if (list) {
      for (const std::string& g : *list) {
        if (!call->visited.count(g)) {
          next = g;
          break;
        }
      }
    }
    if (!next) break;
    call->group = *next;
    call->visited.insert(*next);
    call->tried_in_group.clear();
    call->retries_in_group = 0;
    call->retrying = false;
  }
  // Spent: the last attempt's error, or why nothing could be tried.
  const std::string what = "model '" + call->origin + "'";
  if (call->attempts > 0 && !call->last_error.ok()) {
    return call->last_error.WithContext(what + " (" + std::to_string(call->attempts) +
                                        (call->attempts == 1 ? " attempt)" : " attempts)"));
  }
  if (call->earliest_cooling) {
    const int64_t s = CeilSeconds(*call->earliest_cooling - clock_->Now());
    return Unavailable("no deployments available for " + what +
                       ": every deployment is cooling down; try again in " + std::to_string(s) +
                       (s == 1 ? " second" : " seconds"))
        .WithUpstream(UpstreamFacts{0, s * 1000, "cooldown"});
  }
  if (call->busy_skipped) {
    return ResourceExhausted("no deployments available for " + what +
                             ": every deployment is at its max_parallel_requests or rpm/tpm limit")
        .WithUpstream(UpstreamFacts{0, 1000, "rate_limit"});
  }
  if (call->fallback_kind == FallbackKind::kContextWindow) {
    return InvalidArgument("the prompt does not fit the max_input_tokens of any deployment of " +
                           what)
        .WithUpstream(UpstreamFacts{0, -1, "context_length"});
  }
  return Unavailable("no deployments available for " + what);
}

Status Gateway::RunAttempt(const std::shared_ptr<Call>& call, size_t index) {
  const Entry& e = call->table->entries[index];
  const Deployment& d = e.deployment;
  auto attempt = std::make_shared<Attempt>();
  attempt->index = index;
  attempt->stats = e.stats;
  attempt->start = clock_->Now();
  call->tried_in_group.insert(index);
  call->backend_name = ProviderName(d.provider);
  call->deployment_id = d.id;
  Status st;
  if (call->embed) {
    chat::EmbedRequest req = call->embed_request;
    req.model = d.model;
    auto r = e.backend->Embed(std::move(req));
    if (r.ok()) {
      EndAttempt(*call, *attempt, nullptr, r->usage.prompt_tokens);
      call->embed_result = std::move(r).value();
      return Status::Ok();
    }
    st = r.status();
  } else {
    chat::Request req = call->request;
    req.model = d.model;
    if (call->committed && !call->partial_content.empty()) {
      // Continue the cut answer: the partial text becomes the assistant's prefill.
      if (!req.messages.empty() && req.messages.back().role == "assistant") {
        req.messages.back().content += call->partial_content;
      } else {
        chat::Message m;
        m.role = "assistant";
        m.content = call->partial_content;
        req.messages.push_back(std::move(m));
      }
    }
    st = e.backend->Generate(std::move(req), [this, call, attempt](chat::Chunk&& c) {
      return OnChunk(call, attempt, std::move(c));
    });
    if (st.ok()) return st;  // from here the call belongs to the chunk thread
  }
  st = st.WithContext("deployment '" + d.id + "' (" + ProviderName(d.provider) + ")");
  EndAttempt(*call, *attempt, &st, 0);
  return st;
}

bool Gateway::OnChunk(const std::shared_ptr<Call>& call, const std::shared_ptr<Attempt>& attempt,
                      chat::Chunk&& chunk) {
  if (!chunk.done) {
    if (!attempt->first_chunk) {
      attempt->first_chunk = true;
      std::lock_guard lock(mu_);
      attempt->stats->RecordLatency(clock_->Now() - attempt->start);
    }
    call->committed = true;
    call->partial_content += chunk.content;
    if (!chunk.tool_calls.empty()) call->tool_calls_sent = true;
    call->SendRoute();
    const bool go_on = call->sink(std::move(chunk));
    if (!go_on) call->client_stopped = true;
    return go_on;
  }
  const int64_t tokens = chunk.usage.prompt_tokens + chunk.usage.completion_tokens;
  if (chunk.done_reason != chat::DoneReason::kError) {
    EndAttempt(*call, *attempt, nullptr, tokens);
    DeliverFinal(call, std::move(chunk));
    return true;
  }
  const Entry& e = call->table->entries[attempt->index];
  Status err = chunk.error.ok() ? Internal("the stream ended with an error") : chunk.error;
  err = err.WithContext("deployment '" + e.deployment.id + "' (" +
                        ProviderName(e.deployment.provider) + ")");
  EndAttempt(*call, *attempt, &err, tokens);
  chunk.error = err;
  const Failure f = Classify(err);
  const bool resumable =
      !call->client_stopped && !IsCancelled(call->cancel) &&
      (!call->committed || (call->request.kind == chat::RequestKind::kChat &&
                            !call->tool_calls_sent && f.error_class != ErrorClass::kContentPolicy));
  if (!resumable) {
    DeliverFinal(call, std::move(chunk));
    return true;
  }
  call->carried_tokens += chunk.usage.completion_tokens;
  chunk.usage = chat::Usage{};
  call->pending_done = std::move(chunk);
  // Not on this thread: it belongs to the deployment that failed.
  Spawn([this, call, err] {
    Status s = Drive(call, err);
    if (s.ok()) return;
    chat::Chunk done = std::move(call->pending_done);
    done.done = true;
    done.done_reason = chat::DoneReason::kError;
    done.error = s;
    DeliverFinal(call, std::move(done));
  });
  return true;
}

void Gateway::DeliverFinal(const std::shared_ptr<Call>& call, chat::Chunk&& chunk) {
  chunk.backend = call->backend_name;
  chunk.deployment = call->deployment_id;
  chunk.attempts = call->attempts;
  chunk.usage.completion_tokens += call->carried_tokens;
  call->SendRoute();
  call->sink(std::move(chunk));
}

void Gateway::Spawn(std::function<void()> fn) {
  std::lock_guard lock(threads_mu_);
  for (auto it = threads_.begin(); it != threads_.end();) {
    if (it->second->load()) {
      it->first.join();
      it = threads_.erase(it);
    } else {
      ++it;
    }
  }
  auto done = std::make_shared<std::atomic<bool>>(false);
  threads_.emplace_back(std::thread([fn = std::move(fn), done] {
                          fn();
                          done->store(true);
                        }),
                        done);
}

// ---- chat::Backend -----------------------------------------------------------------------------

Status Gateway::Generate(chat::Request request, chat::ChunkSink sink) {
  auto table = Snapshot();
  std::string local_name;
  std::optional<std::string> group = table->Resolve(request.model, &local_name);
  if (!group) {
    if (!options_.local) return NotFound("model '" + request.model + "' not found");
    request.model = local_name;
    auto on_route = std::move(request.on_route);
    request.on_route = nullptr;
    auto sent = std::make_shared<bool>(false);  // chunks of one request arrive in order
    return options_.local->Generate(
        std::move(request),
        [sink = std::move(sink), on_route = std::move(on_route), sent](chat::Chunk&& c) {
          if (!*sent) {
            *sent = true;
            if (on_route) on_route(chat::RouteDecision{"local", "", 1});
          }
          if (c.done) {
            c.backend = "local";
            c.attempts = 1;
          }
          return sink(std::move(c));
        });
  }
  if (IsLoadOnly(request)) {
    // A group has nothing to load: answer like the local backend answers a load, at once.
    if (request.on_route) request.on_route(chat::RouteDecision{"gateway", "", 0});
    chat::Chunk done;
    done.done = true;
    done.model = request.model;
    done.backend = "gateway";
    sink(std::move(done));
    return Status::Ok();
  }
  auto call = std::make_shared<Call>();
  call->table = std::move(table);
  call->on_route = std::move(request.on_route);
  request.on_route = nullptr;
  call->cancel = request.cancel;
  call->request = std::move(request);
  call->sink = std::move(sink);
  call->origin = *group;
  call->group = *group;
  call->visited.insert(*group);
  return Drive(call, Status::Ok());
}

Result<chat::EmbedResult> Gateway::Embed(chat::EmbedRequest request) {
  auto table = Snapshot();
  std::string local_name;
  std::optional<std::string> group = table->Resolve(request.model, &local_name);
  if (!group) {
    if (!options_.local) return NotFound("model '" + request.model + "' not found");
    request.model = local_name;
    return options_.local->Embed(std::move(request));
  }
  auto call = std::make_shared<Call>();
  call->table = std::move(table);
  call->embed = true;
  call->cancel = request.cancel;
  call->embed_request = std::move(request);
  call->origin = *group;
  call->group = *group;
  call->visited.insert(*group);
  HEARTH_RETURN_IF_ERROR(Drive(call, Status::Ok()));
  return std::move(*call->embed_result);
}

std::vector<chat::RunningModel> Gateway::Running() const {
  return options_.local ? options_.local->Running() : std::vector<chat::RunningModel>{};
}

Status Gateway::Unload(const std::string& model) {
  if (!options_.local) return NotFound("model '" + model + "' not found");
  return options_.local->Unload(model);
}

std::vector<DeploymentState> Gateway::Deployments() const {
  std::lock_guard lock(mu_);
  std::vector<DeploymentState> out;
  const TimePoint now = clock_->Now();
  for (const Entry& e : table_->entries) {
    if (!e.listed) continue;
    const Deployment& d = e.deployment;
    Stats& s = *e.stats;
    s.Prune(now);
    DeploymentState st;
    st.group = d.model_name;
    st.id = d.id;
    st.provider = ProviderName(d.provider);
    st.model = d.model;
    st.order = d.order;
    st.weight = d.weight;
    st.in_flight = s.in_flight;
    if (s.cooling_until > now) {
      st.cooling_until = s.cooling_until;
      st.cooling_ms_left = std::chrono::ceil<Millis>(s.cooling_until - now).count();
    }
    st.recent_fails = static_cast<int>(s.fails.size());
    st.latency_ms = s.latency_ms;
    out.push_back(std::move(st));
  }
  return out;
}

bool Gateway::IsGroup(std::string_view name) const {
  return Snapshot()->Resolve(name, nullptr).has_value();
}

}  // namespace hearth::gateway
