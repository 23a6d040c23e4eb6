#include "gateway/gateway.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>

#include "gateway/failure.h"
#include "gateway/fakes.h"

namespace hearth::gateway {
namespace {

using namespace std::chrono_literals;
using testing::CallLog;
using testing::Collector;
using testing::Cut;
using testing::Done;
using testing::Fail;
using testing::FakeClock;
using testing::Gate;
using testing::Ok;
using testing::Outcome;
using testing::ScriptedBackend;
using testing::Text;
using testing::Upstream;
using Calls = std::vector<std::string>;

Deployment Dep(std::string group, std::string id, Provider p = Provider::kOpenAI, int order = 0) {
  Deployment d;
  d.model_name = std::move(group);
  d.id = std::move(id);
  d.provider = p;
  d.model = "m-" + d.id;
  d.order = order;
  d.api_key = Secret("sk-supersecret-0123456789abcd");
  return d;
}

Config Cfg(std::vector<Deployment> deployments) {
  Config c;
  c.model_list = std::move(deployments);
  c.router.num_retries = 2;
  c.router.allowed_fails = 3;
  c.router.cooldown_time = Millis(5000);
  c.hearth.max_attempts = 6;
  c.hearth.retry_backoff_base = Millis(100);
  c.hearth.retry_backoff_max = Millis(1000);
  c.hearth.max_retry_after = Millis(60000);
  return c;
}

chat::Request Chat(std::string model, std::string text = "hi") {
  chat::Request r;
  r.kind = chat::RequestKind::kChat;
  r.model = std::move(model);
  chat::Message m;
  m.role = "user";
  m.content = std::move(text);
  r.messages.push_back(std::move(m));
  return r;
}

struct Answer {
  Status status;  // Generate's
  std::string text;
  chat::Chunk final;
};

class GatewayTest : public ::testing::Test {
 protected:
  std::shared_ptr<CallLog> log = std::make_shared<CallLog>();
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  std::shared_ptr<ScriptedBackend> local =
      std::make_shared<ScriptedBackend>("local", log, clock, /*local=*/true);
  std::map<std::string, std::shared_ptr<ScriptedBackend>> fakes;
  std::unique_ptr<Gateway> gw;

  ScriptedBackend& Fake(const std::string& id) {
    auto& f = fakes[id];
    if (!f) f = std::make_shared<ScriptedBackend>(id, log, clock);
    return *f;
  }
  GatewayOptions Options(uint64_t seed = 7) {
    GatewayOptions o;
    o.local = local;
    o.factory = [this](const Deployment& d) -> Result<std::shared_ptr<chat::Backend>> {
      Fake(d.id);
      return std::shared_ptr<chat::Backend>(fakes[d.id]);
    };
    o.clock = clock;
    o.seed = seed;
    return o;
  }
  void Start(Config c, GatewayOptions o) {
    auto g = Gateway::Create(std::move(c), std::move(o));
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    gw = std::move(g).value();
  }
  void Start(Config c) { Start(std::move(c), Options()); }
  void TearDown() override {
    for (auto& [id, f] : fakes) f->JoinAll();
    local->JoinAll();
    gw.reset();
    for (auto& [id, f] : fakes) f->JoinAll();
  }

  Answer Ask(chat::Request r) {
    Collector c;
    Answer a;
    a.status = gw->Generate(std::move(r), c.Sink());
    if (a.status.ok()) {
      EXPECT_TRUE(c.Wait()) << "no done chunk";
      EXPECT_EQ(c.done_count(), 1);
      a.text = c.Text();
      a.final = c.Final();
    } else {
      EXPECT_EQ(c.size(), 0u) << "chunks delivered with an error";
    }
    return a;
  }
  Answer Ask(std::string model) { return Ask(Chat(std::move(model))); }

  const DeploymentState* State(const std::vector<DeploymentState>& all, const std::string& id) {
    for (const auto& s : all) {
      if (s.id == id) return &s;
    }
    return nullptr;
  }
};

// ---- names -------------------------------------------------------------------------------------

TEST_F(GatewayTest, NameThatIsNoGroupGoesToLocalUnchanged) {
  Start(Cfg({Dep("gpt", "d1")}));
  EXPECT_FALSE(gw->IsGroup("qwen2.5-coder:1.5b"));
  EXPECT_TRUE(gw->IsGroup("gpt"));
  int routes = 0;
  chat::Request r = Chat("qwen2.5-coder:1.5b");
  r.on_route = [&](const chat::RouteDecision& d) {
    ++routes;
    EXPECT_EQ(d.backend, "local");
  };
  Answer a = Ask(std::move(r));
  ASSERT_TRUE(a.status.ok()) << a.status.ToString();
  EXPECT_EQ(log->Get(), (Calls{"local:qwen2.5-coder:1.5b"}));
  EXPECT_EQ(a.final.backend, "local");
  EXPECT_EQ(a.final.attempts, 1);
  EXPECT_EQ(routes, 1);
  EXPECT_FALSE(local->requests().back().on_route) << "on_route must not leak below the gateway";
}

TEST_F(GatewayTest, AliasAndLocalDeploymentGetTheStoreName) {
  Config c = Cfg({Dep("coder", "c1", Provider::kLocal)});
  c.model_list[0].model = "qwen2.5-coder:7b";
  c.router.model_group_alias["c"] = "coder";
  Start(c);
  EXPECT_TRUE(gw->IsGroup("c"));
  Answer a = Ask("c");
  ASSERT_TRUE(a.status.ok()) << a.status.ToString();
  EXPECT_EQ(log->Get(), (Calls{"local:qwen2.5-coder:7b"}));
  EXPECT_EQ(a.final.backend, "local");
  EXPECT_EQ(a.final.deployment, "c1");
}

TEST_F(GatewayTest, ALoadOnlyRequestForAGroupIsAnsweredAtOnce) {
  Start(Cfg({Dep("gpt", "d1")}));
  chat::Request r;
  r.model = "gpt";
  Answer a = Ask(r);
  ASSERT_TRUE(a.status.ok());
  EXPECT_EQ(a.final.done_reason, chat::DoneReason::kStop);
  EXPECT_EQ(a.final.backend, "gateway");
  EXPECT_TRUE(log->Get().empty());
}

TEST_F(GatewayTest, RunningAndUnloadAreTheLocalBackends) {
  Start(Cfg({Dep("gpt", "d1")}));
  ASSERT_EQ(gw->Running().size(), 1u);
  EXPECT_EQ(gw->Running()[0].name, "local-running");
  EXPECT_TRUE(gw->Unload("qwen:7b").ok());
  EXPECT_EQ(log->Get(), (Calls{"unload:qwen:7b"}));
}

// ---- retries -----------------------------------------------------------------------------------

TEST_F(GatewayTest, RetryOn500GoesToAnotherDeploymentThenSucceeds) {
  Start(Cfg({Dep("g", "d1", Provider::kOpenAI, 1), Dep("g", "d2", Provider::kOpenAI, 2)}));
  Fake("d1").Push(Fail(Upstream(StatusCode::kUnavailable, 500)));
  Answer a = Ask("g");
  ASSERT_TRUE(a.status.ok()) << a.status.ToString();
  EXPECT_EQ(log->Get(), (Calls{"d1", "d2"}));
  EXPECT_EQ(a.text, "d2");
  EXPECT_EQ(a.final.deployment, "d2");
  EXPECT_EQ(a.final.backend, "openai");
  EXPECT_EQ(a.final.attempts, 2);
  ASSERT_EQ(clock->sleeps().size(), 1u);
  EXPECT_LE(clock->sleeps()[0], Millis(100)) << "first backoff is at most the base";
}

TEST_F(GatewayTest, RetryOnTheOnlyDeploymentWithBackoff) {
  Start(Cfg({Dep("g", "d1")}));
  Fake("d1").Push(Fail(Upstream(StatusCode::kInternal, 500)));
  Fake("d1").Push(Fail(Upstream(StatusCode::kInternal, 502)));
  Answer a = Ask("g");
  ASSERT_TRUE(a.status.ok()) << a.status.ToString();
  EXPECT_EQ(log->Get(), (Calls{"d1", "d1", "d1"}));
  ASSERT_EQ(clock->sleeps().size(), 2u);
  EXPECT_LE(clock->sleeps()[0], Millis(100));
  EXPECT_LE(clock->sleeps()[1], Millis(200));
}

TEST_F(GatewayTest, RetriesRunOutThenTheLastErrorWithItsUpstreamFacts) {
  Config c = Cfg({Dep("g", "d1")});
  c.router.num_retries = 1;
  Start(c);
  Fake("d1").Push(Fail(Upstream(StatusCode::kUnavailable, 500)));
  Fake("d1").Push(Fail(Upstream(StatusCode::kUnavailable, 503)));
  Answer a = Ask("g");
  EXPECT_EQ(a.status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(a.status.upstream().http_status, 503);
  EXPECT_NE(a.status.message().find("d1"), std::string::npos) << a.status.message();
  EXPECT_EQ(log->Get(), (Calls{"d1", "d1"}));
}

TEST_F(GatewayTest, RetryPolicyPerClassOverridesNumRetries) {
  Config c = Cfg({Dep("g", "d1")});
  c.router.num_retries = 3;
  c.router.retry_policy[ErrorClass::kTimeout] = 0;
  Start(c);
  Fake("d1").Push(Fail(DeadlineExceeded("no first byte within 10s")));
  Answer a = Ask("g");
  EXPECT_EQ(a.status.code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(log->Get(), (Calls{"d1"}));
}

TEST_F(GatewayTest, RetryAfterIsHonouredOnTheVirtualClock) {
  Start(Cfg({Dep("g", "d1")}));
  Fake("d1").Push(Fail(Upstream(StatusCode::kResourceExhausted, 429, 2000)));
  Answer a = Ask("g");
  ASSERT_TRUE(a.status.ok()) << a.status.ToString();
  EXPECT_EQ(log->Get(), (Calls{"d1", "d1"}));
  EXPECT_EQ(clock->sleeps(), (std::vector<Millis>{Millis(2000)}));
}

TEST_F(GatewayTest, RetryAfterLongerThanTheMaximumCoolsAndTriesAnother) {
  Start(Cfg({Dep("g", "d1", Provider::kOpenAI, 1), Dep("g", "d2", Provider::kOpenAI, 2)}));
  Fake("d1").Push(Fail(Upstream(StatusCode::kUnavailable, 503, 120000)));
  Answer a = Ask("g");
  ASSERT_TRUE(a.status.ok()) << a.status.ToString();
  EXPECT_EQ(log->Get(), (Calls{"d1", "d2"}));
  for (const Millis& s : clock->sleeps()) EXPECT_LT(s, Millis(60000));
  auto states = gw->Deployments();
  ASSERT_NE(State(states, "d1"), nullptr);
  EXPECT_GT(State(states, "d1")->cooling_ms_left, 100000);
  Ask("g");
  EXPECT_EQ(log->Get(), (Calls{"d1", "d2", "d2"}));
}

TEST_F(GatewayTest, CallersOwnErrorReturnsAtOnce) {
  Start(Cfg({Dep("g", "d1"), Dep("g", "d2")}));
  Fake("d1").Push(Fail(Upstream(StatusCode::kInvalidArgument, 400)));
  Fake("d2").Push(Fail(Upstream(StatusCode::kInvalidArgument, 400)));
  Answer a = Ask("g");
  EXPECT_EQ(a.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log->Get().size(), 1u);
  EXPECT_TRUE(clock->sleeps().empty());
}

// ---- cooldowns ---------------------------------------------------------------------------------

TEST_F(GatewayTest, RateLimitCoolsAtOnceAndTheNextRequestSkipsIt) {
  Config c = Cfg({Dep("g", "d1", Provider::kOpenAI, 1), Dep("g", "d2", Provider::kOpenAI, 2)});
  c.router.allowed_fails = 100;
  Start(c);
  Fake("d1").Push(Fail(Upstream(StatusCode::kResourceExhausted, 429)));
  ASSERT_TRUE(Ask("g").status.ok());
  ASSERT_TRUE(Ask("g").status.ok());
  EXPECT_EQ(log->Get(), (Calls{"d1", "d2", "d2"}));
  auto states = gw->Deployments();
  EXPECT_TRUE(State(states, "d1")->cooling_until.has_value());
  EXPECT_FALSE(State(states, "d2")->cooling_until.has_value());
  // cooldown_time passes: d1 (order 1) is back.
  clock->Advance(Millis(5001));
  ASSERT_TRUE(Ask("g").status.ok());
  EXPECT_EQ(log->Get(), (Calls{"d1", "d2", "d2", "d1"}));
}

TEST_F(GatewayTest, AuthAndNotFoundCoolAtOnce) {
  Config c = Cfg({Dep("g", "d1", Provider::kOpenAI, 1), Dep("g", "d2", Provider::kOpenAI, 2),
                  Dep("g", "d3", Provider::kOpenAI, 3)});
  c.router.allowed_fails = 100;
  Start(c);
  Fake("d1").Push(Fail(Upstream(StatusCode::kPermissionDenied, 401)));
  Fake("d2").Push(Fail(Upstream(StatusCode::kNotFound, 404)));
  ASSERT_TRUE(Ask("g").status.ok());
  ASSERT_TRUE(Ask("g").status.ok());
  EXPECT_EQ(log->Get(), (Calls{"d1", "d2", "d3", "d3"}));
}

TEST_F(GatewayTest, AllowedFailsThresholdThenCooldownThenExpiry) {
  Config c = Cfg({Dep("g", "d1", Provider::kOpenAI, 1), Dep("g", "d2", Provider::kOpenAI, 2)});
  c.router.allowed_fails = 1;
  c.router.num_retries = 0;
  Start(c);
  Fake("d1").Push(Fail(Upstream(StatusCode::kInternal, 500)));
  Fake("d1").Push(Fail(Upstream(StatusCode::kInternal, 500)));
  EXPECT_FALSE(Ask("g").status.ok());
  EXPECT_EQ(State(gw->Deployments(), "d1")->recent_fails, 1);
  EXPECT_FALSE(State(gw->Deployments(), "d1")->cooling_until.has_value()) << "1 fail is allowed";
  EXPECT_FALSE(Ask("g").status.ok());
  EXPECT_TRUE(State(gw->Deployments(), "d1")->cooling_until.has_value()) << "the 2nd is not";
  EXPECT_TRUE(Ask("g").status.ok());
  EXPECT_EQ(log->Get(), (Calls{"d1", "d1", "d2"}));
  clock->Advance(Millis(5000));
  EXPECT_TRUE(Ask("g").status.ok());
  EXPECT_EQ(log->Get(), (Calls{"d1", "d1", "d2", "d1"}));
}

TEST_F(GatewayTest, FailuresOlderThanAMinuteDoNotCount) {
  Config c = Cfg({Dep("g", "d1")});
  c.router.allowed_fails = 1;
  c.router.num_retries = 0;
  Start(c);
  Fake("d1").Push(Fail(Upstream(StatusCode::kInternal, 500)));
  Fake("d1").Push(Fail(Upstream(StatusCode::kInternal, 500)));
  EXPECT_FALSE(Ask("g").status.ok());
  clock->Advance(Millis(61000));
  EXPECT_FALSE(Ask("g").status.ok());
  EXPECT_FALSE(State(gw->Deployments(), "d1")->cooling_until.has_value());
}

TEST_F(GatewayTest, AllCoolingAnswersUnavailableWithSecondsUntilTheFirstIsBack) {
  Config c = Cfg({Dep("g", "d1"), Dep("g2", "e1")});
  c.router.num_retries = 0;
  c.router.fallbacks["g"] = {"g2"};
  c.hearth.max_retry_after = Millis(1000);
  Start(c);
  Fake("d1").Push(Fail(Upstream(StatusCode::kResourceExhausted, 429, 10000)));
  Fake("e1").Push(Fail(Upstream(StatusCode::kResourceExhausted, 429, 4000)));
  EXPECT_FALSE(Ask("g2").status.ok());  // e1 cools 4 s
  Answer first = Ask("g");              // d1 cools 10 s, falls back to g2: cooling
  EXPECT_EQ(first.status.upstream().http_status, 429) << first.status.ToString();
  EXPECT_EQ(log->Get(), (Calls{"e1", "d1"}));
  Answer a = Ask("g");
  EXPECT_EQ(a.status.code(), StatusCode::kUnavailable) << a.status.ToString();
  EXPECT_NE(a.status.message().find("try again in 4 seconds"), std::string::npos)
      << a.status.message();
  EXPECT_EQ(a.status.upstream().retry_after_ms, 4000);
  EXPECT_EQ(log->Get(), (Calls{"e1", "d1"})) << "nothing is called while all cool";
}

// ---- choice ------------------------------------------------------------------------------------

TEST_F(GatewayTest, OrderPrioritiesLowestSetOrderFirstUnsetLast) {
  Config c = Cfg({Dep("g", "unset", Provider::kOpenAI, 0), Dep("g", "second", Provider::kOpenAI, 2),
                  Dep("g", "first", Provider::kOpenAI, 1)});
  c.router.allowed_fails = 100;
  c.router.num_retries = 0;
  Start(c);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Ask("g").status.ok());
  EXPECT_EQ(log->Get(), Calls(5, "first"));
  log->Clear();
  Fake("first").Push(Fail(Upstream(StatusCode::kResourceExhausted, 429)));
  EXPECT_FALSE(Ask("g").status.ok());
  ASSERT_TRUE(Ask("g").status.ok());
  Fake("second").Push(Fail(Upstream(StatusCode::kResourceExhausted, 429)));
  EXPECT_FALSE(Ask("g").status.ok());
  ASSERT_TRUE(Ask("g").status.ok());
  EXPECT_EQ(log->Get(), (Calls{"first", "second", "second", "unset"}));
}

TEST_F(GatewayTest, WeightedShuffleFollowsWeightsAndIsSeeded) {
  Config c = Cfg({Dep("g", "heavy"), Dep("g", "light")});
  c.model_list[0].weight = 3;
  c.model_list[1].weight = 1;
  Start(c);
  int heavy = 0;
  for (int i = 0; i < 400; ++i) heavy += Ask("g").final.deployment == "heavy";
  EXPECT_GT(heavy, 240);
  EXPECT_LT(heavy, 360);
  // Two gateways with the same seed choose the same sequence.
  auto g1 = Gateway::Create(c, Options(99));
  auto g2 = Gateway::Create(c, Options(99));
  ASSERT_TRUE(g1.ok() && g2.ok());
  std::vector<std::string> a, b;
  for (int i = 0; i < 20; ++i) {
    Collector x, y;
    ASSERT_TRUE((*g1)->Generate(Chat("g"), x.Sink()).ok());
    ASSERT_TRUE((*g2)->Generate(Chat("g"), y.Sink()).ok());
    a.push_back(x.Final().deployment);
    b.push_back(y.Final().deployment);
  }
  EXPECT_EQ(a, b);
  EXPECT_NE(std::count(a.begin(), a.end(), "light"), 0);
}

TEST_F(GatewayTest, ShuffleByRpmWhenNoWeights) {
  Config c = Cfg({Dep("g", "big"), Dep("g", "small")});
  c.model_list[0].rpm = 900;
  c.model_list[1].rpm = 100;
  Start(c);
  int big = 0;
  for (int i = 0; i < 50; ++i) {
    big += Ask("g").final.deployment == "big";
    clock->Advance(Millis(2000));  // stay under the rpm limits
  }
  EXPECT_GT(big, 35);
}

TEST_F(GatewayTest, LeastBusyPicksTheOneWithFewestInFlight) {
  Config c = Cfg({Dep("g", "d1"), Dep("g", "d2")});
  c.router.routing_strategy = RoutingStrategy::kLeastBusy;
  Start(c);
  auto gate = std::make_shared<Gate>();
  Outcome held = Ok("held");
  held.gate = gate;
  held.before_gate = 1;
  Fake("d1").Push(held);
  Fake("d2").Push(held);
  Collector first, second;
  ASSERT_TRUE(gw->Generate(Chat("g"), first.Sink()).ok());
  ASSERT_TRUE(gw->Generate(Chat("g"), second.Sink()).ok());
  EXPECT_EQ(log->Get(), (Calls{"d1", "d2"}));
  auto states = gw->Deployments();
  EXPECT_EQ(State(states, "d1")->in_flight, 1);
  EXPECT_EQ(State(states, "d2")->in_flight, 1);
  gate->Open();
  ASSERT_TRUE(first.Wait());
  ASSERT_TRUE(second.Wait());
  EXPECT_EQ(State(gw->Deployments(), "d1")->in_flight, 0);
}

TEST_F(GatewayTest, MaxParallelRequestsIsAHardLimit) {
  Config c = Cfg({Dep("g", "d1")});
  c.model_list[0].max_parallel_requests = 1;
  Start(c);
  auto gate = std::make_shared<Gate>();
  Outcome held = Ok("held");
  held.gate = gate;
  Fake("d1").Push(held);
  Collector first;
  ASSERT_TRUE(gw->Generate(Chat("g"), first.Sink()).ok());
  Answer busy = Ask("g");
  EXPECT_EQ(busy.status.code(), StatusCode::kResourceExhausted) << busy.status.ToString();
  gate->Open();
  ASSERT_TRUE(first.Wait());
  EXPECT_TRUE(Ask("g").status.ok());
}

TEST_F(GatewayTest, LatencyBasedPicksTheFaster) {
  Config c = Cfg({Dep("g", "slow"), Dep("g", "fast")});
  c.router.routing_strategy = RoutingStrategy::kLatencyBased;
  Start(c);
  Fake("slow").SetDefaultDelay(Millis(500));
  Fake("fast").SetDefaultDelay(Millis(100));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(Ask("g").status.ok());
  EXPECT_EQ(log->Get(), (Calls{"slow", "fast", "fast", "fast"}));
  auto states = gw->Deployments();
  ASSERT_TRUE(State(states, "slow")->latency_ms.has_value());
  EXPECT_DOUBLE_EQ(*State(states, "slow")->latency_ms, 500.0);
  EXPECT_DOUBLE_EQ(*State(states, "fast")->latency_ms, 100.0);
}

TEST_F(GatewayTest, CostBasedPicksTheCheapest) {
  Config c = Cfg({Dep("g", "pricey"), Dep("g", "cheap")});
  c.router.routing_strategy = RoutingStrategy::kCostBased;
  c.model_list[0].input_cost_per_token = 1e-5;
  c.model_list[0].output_cost_per_token = 3e-5;
  c.model_list[1].input_cost_per_token = 1e-7;
  c.model_list[1].output_cost_per_token = 2e-7;
  Start(c);
  ASSERT_TRUE(Ask("g").status.ok());
  EXPECT_EQ(log->Get(), (Calls{"cheap"}));
}

// ---- fallbacks ---------------------------------------------------------------------------------

TEST_F(GatewayTest, FallbacksChainInOrderAfterRetries) {
  Config c = Cfg({Dep("g", "d1"), Dep("g2", "e1"), Dep("g3", "f1")});
  c.router.num_retries = 1;
  c.router.allowed_fails = 100;
  c.router.fallbacks["g"] = {"g2", "g3"};
  Start(c);
  for (int i = 0; i < 2; ++i) {
    Fake("d1").Push(Fail(Upstream(StatusCode::kUnavailable, 500)));
    Fake("e1").Push(Fail(Upstream(StatusCode::kUnavailable, 500)));
  }
  Answer a = Ask("g");
  ASSERT_TRUE(a.status.ok()) << a.status.ToString();
  EXPECT_EQ(log->Get(), (Calls{"d1", "d1", "e1", "e1", "f1"}));
  EXPECT_EQ(a.final.deployment, "f1");
  EXPECT_EQ(a.final.attempts, 5);
}

TEST_F(GatewayTest, DefaultFallbacksAndALocalModelAsFallback) {
  Config c = Cfg({Dep("g", "d1")});
  c.router.num_retries = 0;
  c.router.default_fallbacks = {"qwen2.5:7b"};
  Start(c);
  Fake("d1").Push(Fail(Upstream(StatusCode::kUnavailable, 503)));
  Answer a = Ask("g");
  ASSERT_TRUE(a.status.ok()) << a.status.ToString();
  EXPECT_EQ(log->Get(), (Calls{"d1", "local:qwen2.5:7b"}));
  EXPECT_EQ(a.final.backend, "local");
  EXPECT_FALSE(gw->IsGroup("qwen2.5:7b"));
}

TEST_F(GatewayTest, ContextLengthGoesToContextWindowFallbacksWithoutRetry) {
  Config c = Cfg({Dep("g", "d1"), Dep("g", "d2"), Dep("big", "b1"), Dep("other", "o1")});
  c.router.context_window_fallbacks["g"] = {"big"};
  c.router.fallbacks["g"] = {"other"};
  Start(c);
  Fake("d1").Push(Fail(Upstream(StatusCode::kInvalidArgument, 400, -1, "context_length")));
  Fake("d2").Push(Fail(Upstream(StatusCode::kInvalidArgument, 400, -1, "context_length")));
  Answer a = Ask("g");
  ASSERT_TRUE(a.status.ok()) << a.status.ToString();
  ASSERT_EQ(log->Get().size(), 2u);
  EXPECT_EQ(log->Get()[1], "b1");
}

TEST_F(GatewayTest, PreCallCheckSkipsADeploymentTooSmall) {
  Config c = Cfg({Dep("g", "small"), Dep("big", "b1")});
  c.model_list[0].max_input_tokens = 50;
  c.router.context_window_fallbacks["g"] = {"big"};
  Start(c);
  chat::Request r = Chat("g", std::string(400, 'x'));  // ~100 tokens
  Answer a = Ask(r);
  ASSERT_TRUE(a.status.ok()) << a.status.ToString();
  EXPECT_EQ(log->Get(), (Calls{"b1"}));
  // The prompt fits, but not with num_predict on top.
  log->Clear();
  chat::Request fits = Chat("g", std::string(100, 'x'));  // ~25 tokens
  EXPECT_TRUE(Ask(fits).status.ok());
  chat::ParameterValue v;
  v.type = chat::ParameterType::kInt;
  v.i = 40;
  fits.options.emplace_back("num_predict", v);
  EXPECT_TRUE(Ask(fits).status.ok());
  EXPECT_EQ(log->Get(), (Calls{"small", "b1"}));
}

TEST_F(GatewayTest, InjectedTokenCounterDecidesThePreCallCheck) {
  Config c = Cfg({Dep("g", "small")});
  c.model_list[0].max_input_tokens = 10;
  GatewayOptions o = Options();
  o.count_tokens = [](const chat::Request&, const Deployment&) -> int64_t { return 5; };
  Start(c, o);
  EXPECT_TRUE(Ask(Chat("g", std::string(4000, 'x'))).status.ok());
  GatewayOptions big = Options();
  big.count_tokens = [](const chat::Request&, const Deployment&) -> int64_t { return 11; };
  Start(c, big);
  Answer a = Ask(Chat("g", "short"));
  EXPECT_EQ(a.status.code(), StatusCode::kInvalidArgument) << a.status.ToString();
  EXPECT_EQ(a.status.upstream().kind, "context_length");
  EXPECT_EQ(log->Get(), (Calls{"small"}));
}

TEST_F(GatewayTest, ContentPolicyGoesToContentPolicyFallbacks) {
  Config c = Cfg({Dep("g", "d1"), Dep("safe", "s1"), Dep("other", "o1")});
  c.router.content_policy_fallbacks["g"] = {"safe"};
  c.router.fallbacks["g"] = {"other"};
  Start(c);
  Fake("d1").Push(Fail(Upstream(StatusCode::kInvalidArgument, 400, -1, "content_policy")));
  Answer a = Ask("g");
  ASSERT_TRUE(a.status.ok()) << a.status.ToString();
  EXPECT_EQ(log->Get(), (Calls{"d1", "s1"}));
}

TEST_F(GatewayTest, OneAttemptBudgetAcrossRetriesAndFallbacks) {
  Config c = Cfg({Dep("g", "d1"), Dep("g", "d2"), Dep("g2", "e1")});
  c.router.num_retries = 10;
  c.router.allowed_fails = 100;
  c.router.fallbacks["g"] = {"g2"};
  c.hearth.max_attempts = 3;
  Start(c);
  for (int i = 0; i < 10; ++i) {
    Fake("d1").Push(Fail(Upstream(StatusCode::kInternal, 500)));
    Fake("d2").Push(Fail(Upstream(StatusCode::kInternal, 500)));
  }
  Answer a = Ask("g");
  EXPECT_EQ(a.status.code(), StatusCode::kInternal);
  EXPECT_NE(a.status.message().find("3 attempts"), std::string::npos) << a.status.message();
  EXPECT_EQ(log->Get().size(), 3u);
}

// ---- streams -----------------------------------------------------------------------------------

TEST_F(GatewayTest, MidStreamCutContinuesOnAPrefillDeploymentAsOneAnswer) {
  Config c = Cfg({Dep("g", "o1", Provider::kOpenAI, 1), Dep("g", "a1", Provider::kAnthropic, 2)});
  Start(c);
  Fake("o1").Push(Cut({"Hello, ", "wor"}, Upstream(StatusCode::kUnavailable, 502)));
  Fake("a1").Push(Outcome{{}, {Text("ld!"), Done()}});
  std::vector<chat::RouteDecision> routes;
  chat::Request r = Chat("g");
  r.on_route = [&](const chat::RouteDecision& d) { routes.push_back(d); };
  Answer a = Ask(std::move(r));
  ASSERT_TRUE(a.status.ok()) << a.status.ToString();
  EXPECT_EQ(a.text, "Hello, world!");
  EXPECT_EQ(a.final.done_reason, chat::DoneReason::kStop);
  EXPECT_EQ(a.final.deployment, "a1");
  EXPECT_EQ(a.final.backend, "anthropic");
  EXPECT_EQ(a.final.attempts, 2);
  EXPECT_EQ(log->Get(), (Calls{"o1", "a1"}));
  auto sent = Fake("a1").requests();
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_EQ(sent[0].messages.size(), 2u);
  EXPECT_EQ(sent[0].messages[1].role, "assistant");
  EXPECT_EQ(sent[0].messages[1].content, "Hello, wor");
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0].deployment, "o1");
}

TEST_F(GatewayTest, MidStreamCutWithoutAPrefillDeploymentPassesTheErrorThrough) {
  Start(Cfg({Dep("g", "o1"), Dep("g", "o2")}));
  Fake("o1").Push(Cut({"Hello, ", "wor"}, Upstream(StatusCode::kUnavailable, 502)));
  Fake("o2").Push(Cut({"Hello, ", "wor"}, Upstream(StatusCode::kUnavailable, 502)));
  Answer a = Ask("g");
  ASSERT_TRUE(a.status.ok()) << a.status.ToString();
  EXPECT_EQ(a.text, "Hello, wor");
  EXPECT_EQ(a.final.done_reason, chat::DoneReason::kError);
  EXPECT_FALSE(a.final.error.ok());
  EXPECT_EQ(a.final.error.upstream().http_status, 502);
  EXPECT_EQ(log->Get().size(), 1u) << "an openai deployment cannot continue a cut answer";
}

TEST_F(GatewayTest, StreamErrorBeforeAnyContentIsRetriedAnywhere) {
  Start(Cfg({Dep("g", "o1", Provider::kOpenAI, 1), Dep("g", "o2", Provider::kOpenAI, 2)}));
  Fake("o1").Push(Outcome{{}, {Done(chat::DoneReason::kError, DeadlineExceeded("stalled"))}});
  int routes = 0;
  chat::Request r = Chat("g");
  r.on_route = [&](const chat::RouteDecision& d) {
    ++routes;
    EXPECT_EQ(d.deployment, "o2");
  };
  Answer a = Ask(std::move(r));
  ASSERT_TRUE(a.status.ok());
  EXPECT_EQ(a.text, "o2");
  EXPECT_EQ(a.final.done_reason, chat::DoneReason::kStop);
  EXPECT_EQ(log->Get(), (Calls{"o1", "o2"}));
  EXPECT_EQ(routes, 1);
}

TEST_F(GatewayTest, ContentPolicyInAStreamIsPassedThrough) {
  Config c = Cfg({Dep("g", "a1", Provider::kAnthropic), Dep("g", "a2", Provider::kAnthropic),
                  Dep("safe", "s1", Provider::kAnthropic)});
  c.router.content_policy_fallbacks["g"] = {"safe"};
  Start(c);
  Outcome cut = Cut({"Sure, here"}, Upstream(StatusCode::kInvalidArgument, 400, -1, "content_policy"));
  Fake("a1").Push(cut);
  Fake("a2").Push(cut);
  Answer a = Ask("g");
  ASSERT_TRUE(a.status.ok());
  EXPECT_EQ(a.text, "Sure, here");
  EXPECT_EQ(a.final.done_reason, chat::DoneReason::kError);
  EXPECT_EQ(a.final.error.upstream().kind, "content_policy");
  EXPECT_EQ(log->Get().size(), 1u);
}

TEST_F(GatewayTest, ACutStreamNeverEndsWithStopWhenEveryContinuationFails) {
  Config c = Cfg({Dep("g", "a1", Provider::kAnthropic, 1), Dep("g", "a2", Provider::kAnthropic, 2)});
  c.router.num_retries = 1;
  Start(c);
  Fake("a1").Push(Cut({"part"}, Upstream(StatusCode::kUnavailable, 502)));
  Fake("a2").Push(Fail(Upstream(StatusCode::kUnavailable, 503)));
  Answer a = Ask("g");
  ASSERT_TRUE(a.status.ok());
  EXPECT_EQ(a.text, "part");
  EXPECT_EQ(a.final.done_reason, chat::DoneReason::kError);
  EXPECT_EQ(a.final.error.upstream().http_status, 503);
  EXPECT_EQ(a.final.attempts, 2);
}

TEST_F(GatewayTest, CancelDuringBackoffReturnsAtOnce) {
  Config c = Cfg({Dep("g", "d1")});
  c.hearth.max_retry_after = Millis(3600 * 1000);
  GatewayOptions o = Options();
  o.clock = SystemClock();  // a real wait, woken by the token
  Start(c, o);
  Fake("d1").Push(Fail(Upstream(StatusCode::kResourceExhausted, 429, 300 * 1000)));
  chat::Request r = Chat("g");
  r.cancel = std::make_shared<CancelToken>();
  std::thread canceller([token = r.cancel] {
    std::this_thread::sleep_for(50ms);
    token->Cancel();
  });
  Collector sink;
  Status s = gw->Generate(std::move(r), sink.Sink());
  canceller.join();
  EXPECT_EQ(s.code(), StatusCode::kCancelled) << s.ToString();
  EXPECT_EQ(log->Get(), (Calls{"d1"}));
}

TEST_F(GatewayTest, CancellableSleepWakesOnCancelAndRunsOutOtherwise) {
  auto token = std::make_shared<CancelToken>();
  token->Cancel();
  EXPECT_FALSE(CancellableSleep(Millis(3600 * 1000), token));
  EXPECT_TRUE(CancellableSleep(Millis(1), std::make_shared<CancelToken>()));
  EXPECT_TRUE(CancellableSleep(Millis(1), nullptr));
}

// ---- reload ------------------------------------------------------------------------------------

TEST_F(GatewayTest, ReloadWhileAStreamIsInFlight) {
  Start(Cfg({Dep("g", "d1")}));
  auto gate = std::make_shared<Gate>();
  Outcome held{{}, {Text("a"), Text("b"), Done()}};
  held.gate = gate;
  held.before_gate = 1;
  Fake("d1").Push(held);
  Collector first;
  ASSERT_TRUE(gw->Generate(Chat("g"), first.Sink()).ok());
  ASSERT_TRUE(gw->Reload(Cfg({Dep("g", "d2")})).ok());
  Answer second = Ask("g");
  EXPECT_EQ(second.final.deployment, "d2");
  gate->Open();
  ASSERT_TRUE(first.Wait());
  EXPECT_EQ(first.Text(), "ab");
  EXPECT_EQ(first.Final().deployment, "d1");
  EXPECT_EQ(log->Get(), (Calls{"d1", "d2"}));
  auto states = gw->Deployments();
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].id, "d2");
}

TEST_F(GatewayTest, ReloadKeepsTheStateOfDeploymentsWithTheSameId) {
  Config c = Cfg({Dep("g", "d1", Provider::kOpenAI, 1), Dep("g", "d2", Provider::kOpenAI, 2)});
  Start(c);
  Fake("d1").Push(Fail(Upstream(StatusCode::kResourceExhausted, 429)));
  ASSERT_TRUE(Ask("g").status.ok());
  ASSERT_TRUE(gw->Reload(c).ok());
  EXPECT_TRUE(State(gw->Deployments(), "d1")->cooling_until.has_value());
  ASSERT_TRUE(Ask("g").status.ok());
  EXPECT_EQ(log->Get(), (Calls{"d1", "d2", "d2"}));
  // A bad config leaves the old table.
  Config bad = c;
  bad.hearth.max_attempts = 0;
  Status s = gw->Reload(bad);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("max_attempts"), std::string::npos);
  EXPECT_TRUE(gw->IsGroup("g"));
}

TEST_F(GatewayTest, ManyThreadsAtOnceAllFinishAndNothingStaysInFlight) {
  Config c = Cfg({Dep("g", "d1"), Dep("g", "d2", Provider::kAnthropic), Dep("g", "d3")});
  c.router.routing_strategy = RoutingStrategy::kLeastBusy;
  c.router.allowed_fails = 1000;
  Start(c);
  for (int i = 0; i < 40; ++i) {
    Fake("d1").Push(Fail(Upstream(StatusCode::kUnavailable, 500)));
    Fake("d2").Push(Cut({"x"}, Upstream(StatusCode::kUnavailable, 502)));
  }
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        Collector sink;
        if (gw->Generate(Chat("g"), sink.Sink()).ok() && sink.Wait()) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 200);
  for (const DeploymentState& s : gw->Deployments()) EXPECT_EQ(s.in_flight, 0) << s.id;
}

// ---- reporting ---------------------------------------------------------------------------------

TEST_F(GatewayTest, OnRouteIsCalledOnceWithTheAnsweringDeployment) {
  Start(Cfg({Dep("g", "d1", Provider::kOpenAI, 1), Dep("g", "d2", Provider::kGemini, 2)}));
  Fake("d1").Push(Fail(Upstream(StatusCode::kUnavailable, 500)));
  std::vector<chat::RouteDecision> routes;
  chat::Request r = Chat("g");
  r.on_route = [&](const chat::RouteDecision& d) { routes.push_back(d); };
  Answer a = Ask(std::move(r));
  ASSERT_TRUE(a.status.ok());
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0].deployment, "d2");
  EXPECT_EQ(routes[0].backend, "gemini");
  EXPECT_EQ(routes[0].attempts, 2);
  EXPECT_FALSE(Fake("d2").requests().back().on_route);
  EXPECT_EQ(Fake("d2").requests().back().model, "m-d2");
}

TEST_F(GatewayTest, DeploymentsNeverContainASecret) {
  Start(Cfg({Dep("g", "d1"), Dep("g", "d2", Provider::kAnthropic)}));
  Fake("d1").Push(Fail(Upstream(StatusCode::kPermissionDenied, 401)));
  Answer a = Ask("g");
  auto states = gw->Deployments();
  ASSERT_EQ(states.size(), 2u);
  for (const DeploymentState& s : states) {
    for (const std::string& f : {s.group, s.id, s.provider, s.model}) {
      EXPECT_EQ(f.find("supersecret"), std::string::npos) << f;
      EXPECT_EQ(f.find("abcd"), std::string::npos) << f;
    }
  }
  EXPECT_EQ(a.status.message().find("supersecret"), std::string::npos);
  EXPECT_EQ(State(states, "d1")->provider, "openai");
  EXPECT_EQ(State(states, "d1")->group, "g");
}

// ---- embed -------------------------------------------------------------------------------------

TEST_F(GatewayTest, EmbedRetriesAndFallsBackLikeGenerate) {
  Config c = Cfg({Dep("e", "e1", Provider::kOpenAI, 1), Dep("e", "e2", Provider::kOpenAI, 2),
                  Dep("e-backup", "b1")});
  c.router.num_retries = 1;
  c.router.fallbacks["e"] = {"e-backup"};
  Start(c);
  Fake("e1").Push(Fail(Upstream(StatusCode::kUnavailable, 500)));
  Fake("e2").Push(Fail(Upstream(StatusCode::kUnavailable, 500)));
  chat::EmbedRequest r;
  r.model = "e";
  r.inputs = {"a", "b"};
  auto res = gw->Embed(r);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->model, "b1");
  EXPECT_EQ(res->embeddings.size(), 2u);
  EXPECT_EQ(log->Get(), (Calls{"e1", "e2", "b1"}));
  r.model = "nomic-embed-text";
  ASSERT_TRUE(gw->Embed(r).ok());
  EXPECT_EQ(log->Get().back(), "local:nomic-embed-text");
}

// ---- config errors -----------------------------------------------------------------------------

TEST_F(GatewayTest, CreateRefusesWhatItCannotServe) {
  Config dup = Cfg({Dep("g", "x"), Dep("h", "x")});
  auto a = Gateway::Create(dup, Options());
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("model_info.id 'x'"), std::string::npos);

  GatewayOptions no_factory = Options();
  no_factory.factory = nullptr;
  auto b = Gateway::Create(Cfg({Dep("g", "d1")}), no_factory);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("model_list[0]"), std::string::npos);

  Config unnamed = Cfg({Dep("", "d1")});
  auto d = Gateway::Create(unnamed, Options());
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("model_name"), std::string::npos);

  GatewayOptions failing = Options();
  failing.factory = [](const Deployment&) -> Result<std::shared_ptr<chat::Backend>> {
    return InvalidArgument("api_base is not a URL");
  };
  auto e = Gateway::Create(Cfg({Dep("g", "d1")}), failing);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("deployment 'd1'"), std::string::npos);

  // Derived ids: "<group>/<index in group>".
  Config derived = Cfg({Dep("g", ""), Dep("g", "")});
  Start(derived);
  auto states = gw->Deployments();
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states[0].id, "g/0");
  EXPECT_EQ(states[1].id, "g/1");
}

// ---- classification ----------------------------------------------------------------------------

TEST(FailureTest, ClassifiesLikeLiteLLM) {
  EXPECT_EQ(Classify(Upstream(StatusCode::kResourceExhausted, 429)).error_class, ErrorClass::kRateLimit);
  EXPECT_TRUE(Classify(Upstream(StatusCode::kResourceExhausted, 429)).cool_now);
  EXPECT_EQ(Classify(Upstream(StatusCode::kPermissionDenied, 401)).error_class,
            ErrorClass::kAuthentication);
  EXPECT_EQ(Classify(DeadlineExceeded("t")).error_class, ErrorClass::kTimeout);
  EXPECT_FALSE(Classify(DeadlineExceeded("t")).cool_now);
  EXPECT_TRUE(Classify(Upstream(StatusCode::kDeadlineExceeded, 408)).cool_now);
  EXPECT_TRUE(Classify(InvalidArgument("bad")).caller_fault);
  EXPECT_FALSE(Classify(Upstream(StatusCode::kInvalidArgument, 400, -1, "context_length")).caller_fault);
  EXPECT_EQ(Classify(Upstream(StatusCode::kInvalidArgument, 400, -1, "context_length")).fallback,
            FallbackKind::kContextWindow);
  EXPECT_EQ(Classify(Upstream(StatusCode::kInvalidArgument, 400, -1, "content_policy")).error_class,
            ErrorClass::kContentPolicy);
  EXPECT_EQ(Classify(Upstream(StatusCode::kUnavailable, 503)).error_class,
            ErrorClass::kInternalServer);
  EXPECT_FALSE(Classify(Upstream(StatusCode::kUnavailable, 503)).caller_fault);
}

}  // namespace
}  // namespace hearth::gateway
