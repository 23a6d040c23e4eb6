#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "gateway/config_load.h"

namespace hearth::gateway {
namespace {

using namespace std::chrono_literals;

// Strips the newline after R"( so that the text's line 1 is the line below it.
std::string Y(const char* text) { return text[0] == '\n' ? text + 1 : text; }

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

const EnvLookup kNoEnv = FakeEnv({});

Result<Config> Parse(const std::string& yaml, const EnvLookup& env = kNoEnv) {
  return ParseConfig(yaml, "config.yaml", env);
}

// The error message of a parse that must fail with InvalidArgument.
std::string Error(const std::string& yaml, const EnvLookup& env = kNoEnv) {
  Result<Config> r = Parse(yaml, env);
  EXPECT_FALSE(r.ok()) << "parsed:\n" << yaml;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  return r.status().message();
}

Config MustParse(const std::string& yaml, const EnvLookup& env = kNoEnv) {
  Result<Config> r = Parse(yaml, env);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : Config{};
}

// --- valid files ------------------------------------------------------------------------------

TEST(ConfigLoad, EmptyFilesAreValidEmptyConfigs) {
  for (const char* text : {"", "\n", "# just a comment\n", "---\n", "{}\n", "model_list:\n",
                           "model_list: []\n"}) {
    Config c = MustParse(text);
    EXPECT_TRUE(c.model_list.empty()) << text;
    EXPECT_EQ(c.path, "config.yaml");
    EXPECT_EQ(c.router.num_retries, RouterSettings{}.num_retries);
  }
  Config c = MustParse("router_settings:\n  num_retries: 1\n");
  EXPECT_TRUE(c.model_list.empty());
  EXPECT_EQ(c.router.num_retries, 1);
}

// LiteLLM's load-balancing example: one group, several deployments with rpm (azure/ -> openai/).
TEST(ConfigLoad, LoadBalancedGroupWithRpm) {
  Config c = MustParse(Y(R"(
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o-eu
      api_base: https://eu.example.invalid/v1
      api_key: os.environ/EU_API_KEY
      api_version: "2024-06-01"
      rpm: 6
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o-ca
      api_base: os.environ/CA_API_BASE
      api_key: os.environ/CA_API_KEY
      rpm: 6
      tpm: 100000
  - model_name: gpt-4o
    litellm_params:
      model: gpt-4o
      api_key: sk-literal-key-0001
      rpm: 1440
      weight: 2.5
      order: 2
      timeout: 30
      stream_timeout: 1.5
      max_parallel_requests: 10
      input_cost_per_token: 0.0000025
      output_cost_per_token: 0.00001
      cache_read_input_token_cost: 0.00000125
    model_info:
      id: primary-openai
      max_input_tokens: 128000
      max_output_tokens: 16384
router_settings:
  routing_strategy: usage-based-routing-v2
  num_retries: 3
  allowed_fails: 2
  cooldown_time: 0.5
  timeout: 30
  stream_timeout: 10
  enable_pre_call_checks: true
)"),
                       FakeEnv({{"EU_API_KEY", "eu-secret-value"},
                                {"CA_API_BASE", "https://ca.example.invalid/v1"},
                                {"CA_API_KEY", "ca-secret-value"}}));
  ASSERT_EQ(c.model_list.size(), 3u);
  const Deployment& eu = c.model_list[0];
  EXPECT_EQ(eu.model_name, "gpt-4o");
  EXPECT_EQ(eu.provider, Provider::kOpenAI);
  EXPECT_EQ(eu.model, "gpt-4o-eu");
  EXPECT_EQ(eu.api_base, "https://eu.example.invalid/v1");
  EXPECT_EQ(eu.api_key.reveal(), "eu-secret-value");
  EXPECT_EQ(eu.api_version, "2024-06-01");
  EXPECT_EQ(eu.rpm, 6);
  EXPECT_FALSE(eu.tpm.has_value());
  EXPECT_EQ(eu.weight, 1.0);
  EXPECT_EQ(eu.order, 0);
  EXPECT_FALSE(eu.timeout.has_value());
  EXPECT_EQ(eu.id, "gpt-4o/0");
  EXPECT_EQ(eu.source, "config.yaml:2:5");

  const Deployment& ca = c.model_list[1];
  EXPECT_EQ(ca.api_base, "https://ca.example.invalid/v1");
  EXPECT_EQ(ca.api_key.reveal(), "ca-secret-value");
  EXPECT_EQ(ca.tpm, 100000);
  EXPECT_EQ(ca.id, "gpt-4o/1");

  const Deployment& oa = c.model_list[2];
  EXPECT_EQ(oa.provider, Provider::kOpenAI);  // bare "gpt-4o" inferred as LiteLLM does
  EXPECT_EQ(oa.model, "gpt-4o");
  EXPECT_EQ(oa.api_base, "");
  EXPECT_EQ(oa.api_key.reveal(), "sk-literal-key-0001");
  EXPECT_EQ(oa.rpm, 1440);
  EXPECT_EQ(oa.weight, 2.5);
  EXPECT_EQ(oa.order, 2);
  EXPECT_EQ(oa.timeout, Millis(30000));
  EXPECT_EQ(oa.stream_timeout, Millis(1500));
  EXPECT_EQ(oa.max_parallel_requests, 10);
  EXPECT_DOUBLE_EQ(*oa.input_cost_per_token, 0.0000025);
  EXPECT_DOUBLE_EQ(*oa.output_cost_per_token, 0.00001);
  EXPECT_DOUBLE_EQ(*oa.cache_read_input_token_cost, 0.00000125);
  EXPECT_EQ(oa.id, "primary-openai");
  EXPECT_EQ(oa.max_input_tokens, 128000);
  EXPECT_EQ(oa.max_output_tokens, 16384);

  EXPECT_EQ(c.Groups(), std::vector<std::string>{"gpt-4o"});
  EXPECT_EQ(c.router.routing_strategy, RoutingStrategy::kUsageBased);
  EXPECT_EQ(c.router.num_retries, 3);
  EXPECT_EQ(c.router.allowed_fails, 2);
  EXPECT_EQ(c.router.cooldown_time, Millis(500));
  EXPECT_EQ(c.router.timeout, Millis(30000));
  EXPECT_EQ(c.router.stream_timeout, Millis(10000));
  EXPECT_TRUE(c.router.enable_pre_call_checks);
  EXPECT_TRUE(c.unimplemented_keys.empty());
}

TEST(ConfigLoad, AzureIsNotOneOfOurProviders) {
  EXPECT_EQ(Error(Y(R"(
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: azure/gpt-4o-eu
      api_base: https://my-endpoint-europe.openai.azure.com/
)")),
            "model_list[0].litellm_params.model: \"azure/gpt-4o-eu\": provider \"azure\" is not "
            "supported (supported: openai/, hosted_vllm/, anthropic/, gemini/, ollama/, "
            "ollama_chat/, local/; bare gpt-*, o1*, o3*, o4*, claude-* and gemini-* names are "
            "inferred) (config.yaml:4:14)");
}

TEST(ConfigLoad, EveryRoutingStrategyName) {
  const std::pair<const char*, RoutingStrategy> cases[] = {
      {"simple-shuffle", RoutingStrategy::kSimpleShuffle},
      {"least-busy", RoutingStrategy::kLeastBusy},
      {"latency-based-routing", RoutingStrategy::kLatencyBased},
      {"cost-based-routing", RoutingStrategy::kCostBased},
      {"usage-based-routing", RoutingStrategy::kUsageBased},
      {"usage-based-routing-v2", RoutingStrategy::kUsageBased},
  };
  for (const auto& [name, strategy] : cases) {
    Config c = MustParse(std::string("router_settings:\n  routing_strategy: ") + name + "\n");
    EXPECT_EQ(c.router.routing_strategy, strategy) << name;
  }
  EXPECT_EQ(MustParse("{}").router.routing_strategy, RoutingStrategy::kSimpleShuffle);
  EXPECT_EQ(Error("router_settings:\n  routing_strategy: fastest\n"),
            "router_settings.routing_strategy: \"fastest\" is not a routing strategy "
            "(simple-shuffle, least-busy, latency-based-routing, cost-based-routing, "
            "usage-based-routing, usage-based-routing-v2) (config.yaml:2:21)");
}

// LiteLLM's fallbacks quick start, its context_window_fallbacks and content_policy_fallbacks
// examples, in router_settings.
TEST(ConfigLoad, FallbacksInLiteLLMForm) {
  Config c = MustParse(Y(R"(
model_list:
  - model_name: gpt-3.5-turbo
    litellm_params:
      model: openai/gpt-3.5-turbo
      rpm: 6
  - model_name: gpt-4
    litellm_params:
      model: openai/gpt-4-ca
      api_base: https://my-endpoint-canada.example.invalid/v1
      rpm: 6
  - model_name: gpt-3.5-turbo-large
    litellm_params:
      model: openai/gpt-3.5-turbo-1106
  - model_name: claude-opus
    litellm_params:
      model: anthropic/claude-3-opus-20240229
  - model_name: local
    litellm_params:
      model: local/qwen2.5-coder:1.5b
router_settings:
  fallbacks: [{"gpt-3.5-turbo": ["gpt-4"]}, {"gpt-4": ["claude-opus", "local"]}]
  context_window_fallbacks: [{"gpt-3.5-turbo": ["gpt-3.5-turbo-large"]}]
  content_policy_fallbacks:
    - gpt-3.5-turbo: ["claude-opus"]
  default_fallbacks: ["local"]
)"));
  ASSERT_EQ(c.model_list.size(), 5u);
  EXPECT_EQ(c.model_list[3].provider, Provider::kAnthropic);
  EXPECT_EQ(c.model_list[3].model, "claude-3-opus-20240229");
  EXPECT_EQ(c.model_list[4].provider, Provider::kLocal);
  EXPECT_EQ(c.model_list[4].model, "qwen2.5-coder:1.5b");
  using Map = std::map<std::string, std::vector<std::string>>;
  EXPECT_EQ(c.router.fallbacks,
            (Map{{"gpt-3.5-turbo", {"gpt-4"}}, {"gpt-4", {"claude-opus", "local"}}}));
  EXPECT_EQ(c.router.context_window_fallbacks, (Map{{"gpt-3.5-turbo", {"gpt-3.5-turbo-large"}}}));
  EXPECT_EQ(c.router.content_policy_fallbacks, (Map{{"gpt-3.5-turbo", {"claude-opus"}}}));
  EXPECT_EQ(c.router.default_fallbacks, std::vector<std::string>{"local"});
  EXPECT_EQ(c.Groups(), (std::vector<std::string>{"gpt-3.5-turbo", "gpt-4", "gpt-3.5-turbo-large",
                                                  "claude-opus", "local"}));
}

// The LiteLLM proxy form with fallbacks, num_retries and request_timeout in litellm_settings.
TEST(ConfigLoad, LitellmSettingsFeedTheRouter) {
  const std::string models = Y(R"(
model_list:
  - model_name: gpt-4
    litellm_params: {model: openai/gpt-4}
  - model_name: gpt-3.5-turbo
    litellm_params: {model: openai/gpt-3.5-turbo}
  - model_name: gpt-3.5-turbo-16k
    litellm_params: {model: openai/gpt-3.5-turbo-16k}
)");
  Config c = MustParse(models + Y(R"(
litellm_settings:
  num_retries: 3
  request_timeout: 600
  fallbacks:
    - gpt-4: ["gpt-3.5-turbo"]
  context_window_fallbacks:
    - gpt-3.5-turbo: ["gpt-3.5-turbo-16k"]
  default_fallbacks: ["gpt-3.5-turbo"]
  drop_params: false
)"));
  EXPECT_EQ(c.router.num_retries, 3);
  EXPECT_EQ(c.router.timeout, Millis(600000));
  EXPECT_EQ(c.router.fallbacks.at("gpt-4"), std::vector<std::string>{"gpt-3.5-turbo"});
  EXPECT_EQ(c.router.context_window_fallbacks.at("gpt-3.5-turbo"),
            std::vector<std::string>{"gpt-3.5-turbo-16k"});
  EXPECT_EQ(c.router.default_fallbacks, std::vector<std::string>{"gpt-3.5-turbo"});

  // router_settings wins, whichever section comes first in the file.
  Config both = MustParse(models + Y(R"(
litellm_settings:
  num_retries: 3
  request_timeout: 600
  fallbacks:
    - gpt-4: ["gpt-3.5-turbo"]
    - gpt-3.5-turbo: ["gpt-4"]
  default_fallbacks: ["gpt-3.5-turbo"]
router_settings:
  num_retries: 1
  timeout: 20
  fallbacks: [{"gpt-4": ["gpt-3.5-turbo-16k"]}]
  default_fallbacks: ["gpt-4"]
)"));
  EXPECT_EQ(both.router.num_retries, 1);
  EXPECT_EQ(both.router.timeout, Millis(20000));
  EXPECT_EQ(both.router.fallbacks.at("gpt-4"), std::vector<std::string>{"gpt-3.5-turbo-16k"});
  EXPECT_EQ(both.router.fallbacks.at("gpt-3.5-turbo"), std::vector<std::string>{"gpt-4"});
  EXPECT_EQ(both.router.default_fallbacks, std::vector<std::string>{"gpt-4"});
}

TEST(ConfigLoad, ProvidersAndInferredNames) {
  Config c = MustParse(Y(R"(
model_list:
  - {model_name: a, litellm_params: {model: openai/facebook/opt-125m, api_base: "http://127.0.0.1:8000/v1"}}
  - {model_name: b, litellm_params: {model: hosted_vllm/meta-llama/Llama-3-8B, api_base: "http://127.0.0.1:8001/v1"}}
  - {model_name: c, litellm_params: {model: anthropic/claude-3-5-sonnet-latest}}
  - {model_name: d, litellm_params: {model: gemini/gemini-1.5-pro}}
  - {model_name: e, litellm_params: {model: ollama/llama3, api_base: "http://127.0.0.1:11434"}}
  - {model_name: f, litellm_params: {model: ollama_chat/llama3}}
  - {model_name: g, litellm_params: {model: local/qwen2.5-coder:1.5b}}
  - {model_name: h, litellm_params: {model: o3-mini}}
  - {model_name: i, litellm_params: {model: o1}}
  - {model_name: j, litellm_params: {model: claude-3-haiku-20240307}}
  - {model_name: k, litellm_params: {model: gemini-2.0-flash}}
)"));
  const std::pair<Provider, const char*> want[] = {
      {Provider::kOpenAI, "facebook/opt-125m"},
      {Provider::kHostedVllm, "meta-llama/Llama-3-8B"},
      {Provider::kAnthropic, "claude-3-5-sonnet-latest"},
      {Provider::kGemini, "gemini-1.5-pro"},
      {Provider::kOllama, "llama3"},
      {Provider::kOllamaChat, "llama3"},
      {Provider::kLocal, "qwen2.5-coder:1.5b"},
      {Provider::kOpenAI, "o3-mini"},
      {Provider::kOpenAI, "o1"},
      {Provider::kAnthropic, "claude-3-haiku-20240307"},
      {Provider::kGemini, "gemini-2.0-flash"},
  };
  ASSERT_EQ(c.model_list.size(), std::size(want));
  for (size_t i = 0; i < std::size(want); ++i) {
    EXPECT_EQ(c.model_list[i].provider, want[i].first) << i;
    EXPECT_EQ(c.model_list[i].model, want[i].second) << i;
  }
}

TEST(ConfigLoad, BadModelStrings) {
  EXPECT_EQ(Error("model_list:\n  - model_name: x\n    litellm_params:\n      model: llama3\n"),
            "model_list[0].litellm_params.model: \"llama3\": no provider prefix and no known "
            "model family (supported: openai/, hosted_vllm/, anthropic/, gemini/, ollama/, "
            "ollama_chat/, local/; bare gpt-*, o1*, o3*, o4*, claude-* and gemini-* names are "
            "inferred) (config.yaml:4:14)");
  EXPECT_EQ(Error("model_list:\n  - model_name: x\n    litellm_params:\n      model: openai/\n"),
            "model_list[0].litellm_params.model: \"openai/\" names no model after the provider "
            "(config.yaml:4:14)");
  EXPECT_EQ(Error("model_list:\n  - model_name: x\n    litellm_params:\n      model: hosted_vllm/m\n"),
            "model_list[0].litellm_params: hosted_vllm/ needs api_base (the vLLM server's URL, "
            "e.g. http://host:8000/v1) (config.yaml:4:7)");
  EXPECT_EQ(Error("model_list:\n  - model_name: x\n    litellm_params:\n      model: local/m\n"
                  "      api_base: http://127.0.0.1:1\n"),
            "model_list[0].litellm_params.api_base: local/ models run in this hearth's own "
            "scheduler and take no api_base (config.yaml:5:17)");
  EXPECT_EQ(Error("model_list:\n  - model_name: x\n    litellm_params:\n      model: openai/m\n"
                  "      api_base: api.openai.com\n"),
            "model_list[0].litellm_params.api_base: \"api.openai.com\" is not an http:// or "
            "https:// URL (config.yaml:5:17)");
  EXPECT_EQ(Error("model_list:\n  - model_name: x\n    litellm_params:\n      api_key: k\n"),
            "model_list[0].litellm_params: model is missing (e.g. model: openai/gpt-4o) "
            "(config.yaml:4:7)");
  EXPECT_EQ(Error("model_list:\n  - model_name: x\n"),
            "model_list[0]: litellm_params is missing (config.yaml:2:5)");
  EXPECT_EQ(Error("model_list:\n  - litellm_params: {model: openai/x}\n"),
            "model_list[0]: model_name is missing (config.yaml:2:5)");
  EXPECT_EQ(Error("model_list:\n  - gpt-4o\n"),
            "model_list[0]: expected a mapping with model_name and litellm_params, got a scalar "
            "(config.yaml:2:5)");
  EXPECT_EQ(Error("model_list:\n  model_name: x\n"),
            "model_list: expected a list, got a mapping (config.yaml:2:3)");
}

// --- os.environ/ ----------------------------------------------------------------------------

TEST(ConfigLoad, EnvironmentVariables) {
  const std::string yaml = Y(R"(
model_list:
  - model_name: a
    litellm_params: {model: openai/a}
  - model_name: b
    litellm_params: {model: openai/b}
  - model_name: c
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY
      rpm: os.environ/C_RPM
general_settings:
  master_key: os.environ/HEARTH_TEST_MASTER_KEY
)");
  // The example from the contract, at its exact position.
  EXPECT_EQ(Error(Y(R"(
model_list:
  - model_name: a
    litellm_params: {model: openai/a}
  - model_name: b
    litellm_params: {model: openai/b}
  - model_name: c
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY
)")),
            "model_list[2].litellm_params.api_key: environment variable OPENAI_API_KEY is not set "
            "(config.yaml:9:16)");

  Config c = MustParse(yaml, FakeEnv({{"OPENAI_API_KEY", "sk-from-env-000000"},
                                      {"C_RPM", "120"},
                                      {"HEARTH_TEST_MASTER_KEY", "sk-master-000000"}}));
  EXPECT_EQ(c.model_list[2].api_key.reveal(), "sk-from-env-000000");
  EXPECT_EQ(c.model_list[2].rpm, 120);
  EXPECT_EQ(c.master_key.reveal(), "sk-master-000000");

  EXPECT_EQ(Error(yaml, FakeEnv({{"OPENAI_API_KEY", "k"}, {"C_RPM", "lots"}})),
            "model_list[2].litellm_params.rpm: \"lots\" is not a non-negative integer "
            "(config.yaml:10:12)");
  EXPECT_EQ(Error(yaml, FakeEnv({{"OPENAI_API_KEY", "k"}, {"C_RPM", "1"}})),
            "general_settings.master_key: environment variable HEARTH_TEST_MASTER_KEY is not set "
            "(config.yaml:12:15)");
  EXPECT_EQ(Error(yaml, FakeEnv({{"OPENAI_API_KEY", ""}})),
            "model_list[2].litellm_params.api_key: environment variable OPENAI_API_KEY is empty "
            "(config.yaml:9:16)");
  EXPECT_EQ(Error("general_settings:\n  master_key: os.environ/\n"),
            "general_settings.master_key: os.environ/ needs a variable name (config.yaml:2:15)");
}

TEST(ConfigLoad, DefaultEnvIsTheProcessEnvironment) {
  ASSERT_EQ(::setenv("HEARTH_CONFIG_TEST_KEY", "sk-process-env-0000", 1), 0);
  Result<Config> r = ParseConfig(
      "general_settings:\n  master_key: os.environ/HEARTH_CONFIG_TEST_KEY\n", "c.yaml");
  ::unsetenv("HEARTH_CONFIG_TEST_KEY");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->master_key.reveal(), "sk-process-env-0000");
  EXPECT_EQ(ProcessEnv()("HEARTH_CONFIG_TEST_KEY"), std::nullopt);
}

// --- validation errors with their positions -------------------------------------------------

TEST(ConfigLoad, WrongTypesAndRanges) {
  const std::string head = "model_list:\n  - model_name: x\n    litellm_params:\n      model: openai/x\n";
  struct Case {
    std::string line;  // line 5 of the file, under litellm_params
    std::string want;
  };
  const Case cases[] = {
      {"      rpm: \"abc\"", "model_list[0].litellm_params.rpm: \"abc\" is not a non-negative integer (config.yaml:5:12)"},
      {"      rpm: -1", "model_list[0].litellm_params.rpm: \"-1\" is not a non-negative integer (config.yaml:5:12)"},
      {"      tpm: 1.5", "model_list[0].litellm_params.tpm: \"1.5\" is not a non-negative integer (config.yaml:5:12)"},
      {"      rpm: [1]", "model_list[0].litellm_params.rpm: expected a number, got a list (config.yaml:5:12)"},
      {"      weight: 0", "model_list[0].litellm_params.weight: \"0\" is not a number greater than 0 (config.yaml:5:15)"},
      {"      weight: -2", "model_list[0].litellm_params.weight: \"-2\" is not a number greater than 0 (config.yaml:5:15)"},
      {"      weight: .nan", "model_list[0].litellm_params.weight: \".nan\" is not a number greater than 0 (config.yaml:5:15)"},
      {"      order: 0", "model_list[0].litellm_params.order: \"0\" is not a positive integer (config.yaml:5:14)"},
      {"      timeout: 0", "model_list[0].litellm_params.timeout: \"0\" is not a number greater than 0 (config.yaml:5:16)"},
      {"      timeout: thirty", "model_list[0].litellm_params.timeout: \"thirty\" is not a number greater than 0 (config.yaml:5:16)"},
      {"      stream_timeout: 1e300", "model_list[0].litellm_params.stream_timeout: \"1e300\" seconds is too long (at most 10000000) (config.yaml:5:23)"},
      {"      max_parallel_requests: 0", "model_list[0].litellm_params.max_parallel_requests: \"0\" is not a positive integer (config.yaml:5:30)"},
      {"      input_cost_per_token: -0.1", "model_list[0].litellm_params.input_cost_per_token: \"-0.1\" is not a non-negative number (config.yaml:5:29)"},
      {"      api_key: {a: b}", "model_list[0].litellm_params.api_key: expected a string, got a mapping (config.yaml:5:16)"},
      {"      model: openai/y", "model_list[0].litellm_params.model: duplicate key (config.yaml:5:7)"},
  };
  for (const Case& c : cases) EXPECT_EQ(Error(head + c.line + "\n"), c.want) << c.line;

  const Case router[] = {
      {"  num_retries: -1", "router_settings.num_retries: \"-1\" is not a non-negative integer (config.yaml:2:16)"},
      {"  num_retries: three", "router_settings.num_retries: \"three\" is not a non-negative integer (config.yaml:2:16)"},
      {"  allowed_fails: 1.5", "router_settings.allowed_fails: \"1.5\" is not a non-negative integer (config.yaml:2:18)"},
      {"  cooldown_time: -5", "router_settings.cooldown_time: \"-5\" is not a non-negative number (config.yaml:2:18)"},
      {"  timeout: \"\"", "router_settings.timeout: \"\" is not a number greater than 0 (config.yaml:2:12)"},
      {"  enable_pre_call_checks: maybe", "router_settings.enable_pre_call_checks: \"maybe\" is not true or false (config.yaml:2:27)"},
      {"  retry_policy: {TimeoutErrorRetries: -1}", "router_settings.retry_policy.TimeoutErrorRetries: \"-1\" is not a non-negative integer (config.yaml:2:39)"},
      {"  fallbacks: {a: [b]}", "router_settings.fallbacks: expected LiteLLM's list of single-key mappings, e.g. [{\"gpt-4o\": [\"claude-3\", \"local\"]}], got a mapping (config.yaml:2:14)"},
      {"  fallbacks: [a]", "router_settings.fallbacks[0]: expected a single-key mapping like {\"gpt-4o\": [\"claude-3\"]}, got a scalar (config.yaml:2:15)"},
      {"  fallbacks: [{x: y}]", "router_settings.fallbacks[0].x: expected a list of model groups, e.g. [\"y\"] (config.yaml:2:19)"},
      {"  fallbacks: [{x: [[y]]}]", "router_settings.fallbacks[0].x[0]: expected a string, got a list (config.yaml:2:20)"},
  };
  for (const Case& c : router) EXPECT_EQ(Error("router_settings:\n" + c.line + "\n"), c.want) << c.line;

  EXPECT_EQ(Error("model_list: 5\n"), "model_list: expected a list, got a scalar (config.yaml:1:13)");
  EXPECT_EQ(Error("- a\n- b\n"),
            "the top level must be a mapping (model_list, router_settings, ...), got a list "
            "(config.yaml:1:1)");
  EXPECT_EQ(Error("router_settings: [1]\n"),
            "router_settings: expected a mapping, got a list (config.yaml:1:18)");
  EXPECT_EQ(Error("? [a, b]\n: c\n"), "keys must be strings, got a list (config.yaml:1:3)");
  EXPECT_EQ(Error("router_settings: {}\nrouter_settings: {}\n"),
            "router_settings: duplicate key (config.yaml:2:1)");
  EXPECT_EQ(Error("a: 1\n---\nb: 2\n"), "the config holds 2 YAML documents; expected one (config.yaml:3:1)");
}

TEST(ConfigLoad, DuplicateDeploymentIds) {
  EXPECT_EQ(Error(Y(R"(
model_list:
  - model_name: a
    litellm_params: {model: openai/a}
    model_info: {id: dep-1}
  - model_name: b
    litellm_params: {model: openai/b}
    model_info:
      id: dep-1
)")),
            "model_list[1].model_info.id: model_info.id \"dep-1\" is already used by "
            "model_list[0]; ids must be unique (config.yaml:8:11)");
  // An explicit id may not take the id hearth derives for another deployment.
  EXPECT_EQ(Error(Y(R"(
model_list:
  - model_name: a
    litellm_params: {model: openai/a}
    model_info: {id: a/1}
  - model_name: a
    litellm_params: {model: openai/b}
)")),
            "model_list[1]: the derived id \"a/1\" is already used by model_list[0]; ids must be "
            "unique (config.yaml:5:5)");
}

TEST(ConfigLoad, FallbackAndAliasReferences) {
  const std::string models = Y(R"(
model_list:
  - model_name: gpt-4o
    litellm_params: {model: openai/gpt-4o}
    model_info: {id: openai-primary}
  - model_name: claude
    litellm_params: {model: anthropic/claude-3-5-sonnet-latest}
)");
  // line 6 onwards
  Config ok = MustParse(models + Y(R"(
router_settings:
  model_group_alias:
    gpt4: gpt-4o
    sonnet: {model: claude, hidden: true}
  fallbacks: [{"gpt4": ["sonnet", "openai-primary"]}]
)"));
  EXPECT_EQ(ok.router.model_group_alias,
            (std::map<std::string, std::string>{{"gpt4", "gpt-4o"}, {"sonnet", "claude"}}));
  EXPECT_EQ(ok.router.hidden_aliases, std::set<std::string>{"sonnet"});
  EXPECT_EQ(ok.router.fallbacks.at("gpt4"),
            (std::vector<std::string>{"sonnet", "openai-primary"}));

  EXPECT_EQ(Error(models + "router_settings:\n  fallbacks: [{\"gpt-4o\": [\"claude\", \"gpt-5\"]}]\n"),
            "router_settings.fallbacks[0].gpt-4o[1]: \"gpt-5\" is not a model group, alias or "
            "model_info.id in model_list (groups: gpt-4o, claude) (config.yaml:8:37)");
  EXPECT_EQ(Error(models + "litellm_settings:\n  context_window_fallbacks:\n    - gpt-5: [claude]\n"),
            "litellm_settings.context_window_fallbacks[0]: \"gpt-5\" is not a model group, alias "
            "or model_info.id in model_list (groups: gpt-4o, claude) (config.yaml:9:7)");
  EXPECT_EQ(Error(models + "router_settings:\n  default_fallbacks: [nope]\n"),
            "router_settings.default_fallbacks[0]: \"nope\" is not a model group, alias or "
            "model_info.id in model_list (groups: gpt-4o, claude) (config.yaml:8:23)");
  EXPECT_EQ(Error(models + "router_settings:\n  model_group_alias:\n    gpt4: gpt-5\n"),
            "router_settings.model_group_alias.gpt4: \"gpt-5\" is not a model group in model_list "
            "(groups: gpt-4o, claude) (config.yaml:9:11)");
  EXPECT_EQ(Error(models + "router_settings:\n  model_group_alias:\n    gpt4: {model: nope}\n"),
            "router_settings.model_group_alias.gpt4: \"nope\" is not a model group in model_list "
            "(groups: gpt-4o, claude) (config.yaml:9:19)");
  EXPECT_EQ(Error(models + "router_settings:\n  model_group_alias:\n    claude: gpt-4o\n"),
            "router_settings.model_group_alias.claude: alias \"claude\" is also a model group in "
            "model_list (config.yaml:9:5)");
  EXPECT_EQ(Error(models + "router_settings:\n  fallbacks: [{a: [claude]}, {a: [gpt-4o]}]\n"),
            "router_settings.fallbacks[1].a: fallbacks for \"a\" are given twice (config.yaml:8:31)");
  EXPECT_EQ(Error("router_settings:\n  default_fallbacks: [x]\n"),
            "router_settings.default_fallbacks[0]: \"x\" is not a model group, alias or "
            "model_info.id in model_list (model_list is empty) (config.yaml:2:23)");
}

TEST(ConfigLoad, RetryAndAllowedFailsPolicies) {
  Config c = MustParse(Y(R"(
router_settings:
  retry_policy:
    BadRequestErrorRetries: 0
    AuthenticationErrorRetries: 0
    TimeoutErrorRetries: 2
    RateLimitErrorRetries: 3
    ContentPolicyViolationErrorRetries: 1
    InternalServerErrorRetries: 4
    SomethingNewRetries: 9
  allowed_fails_policy:
    RateLimitErrorAllowedFails: 100
    ContentPolicyViolationErrorAllowedFails: 1000
    TimeoutErrorRetries: 5
)"));
  EXPECT_EQ(c.router.retry_policy, (std::map<ErrorClass, int>{{ErrorClass::kBadRequest, 0},
                                                               {ErrorClass::kAuthentication, 0},
                                                               {ErrorClass::kTimeout, 2},
                                                               {ErrorClass::kRateLimit, 3},
                                                               {ErrorClass::kContentPolicy, 1},
                                                               {ErrorClass::kInternalServer, 4}}));
  EXPECT_EQ(c.router.allowed_fails_policy,
            (std::map<ErrorClass, int>{{ErrorClass::kRateLimit, 100},
                                       {ErrorClass::kContentPolicy, 1000}}));
  EXPECT_EQ(c.unimplemented_keys,
            (std::vector<std::string>{
                "router_settings.retry_policy.SomethingNewRetries (config.yaml:9:5)",
                "router_settings.allowed_fails_policy.TimeoutErrorRetries (config.yaml:13:5)"}));
}

TEST(ConfigLoad, YamlSyntaxErrorsHaveTheirPosition) {
  EXPECT_EQ(Error("model_list:\n  - model_name: [a\n"),
            "YAML syntax error: end of sequence flow not found (config.yaml:3:1)");
  EXPECT_EQ(Error("router_settings:\n  num_retries: 1\n bad: 2\n"),
            "YAML syntax error: end of map not found (config.yaml:3:2)");
  EXPECT_EQ(Error("a: *nowhere\n"), "YAML syntax error: the referenced anchor is not defined "
                                    "(config.yaml:1:4)");
}

// --- keys hearth does not implement ---------------------------------------------------------

TEST(ConfigLoad, UnimplementedKeysAreRecordedNotFatal) {
  Config c = MustParse(Y(R"(
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      temperature: 0.2
      region_name: eu
    model_info:
      mode: chat
    tpm_limit: 5
router_settings:
  redis_host: localhost
  routing_strategy_args: {ttl: 60}
  model_group_alias:
    big: {model: gpt-4o, hidden: false, note: x}
litellm_settings:
  success_callback: ["langfuse"]
  cache: true
  set_verbose: null
general_settings:
  database_url: postgresql://example.invalid/db
  master_key: sk-1234
environment_variables:
  REDIS_HOST: localhost
)"));
  EXPECT_EQ(c.unimplemented_keys,
            (std::vector<std::string>{
                "model_list[0].litellm_params.temperature (config.yaml:5:7)",
                "model_list[0].litellm_params.region_name (config.yaml:6:7)",
                "model_list[0].model_info.mode (config.yaml:8:7)",
                "model_list[0].tpm_limit (config.yaml:9:5)",
                "router_settings.redis_host (config.yaml:11:3)",
                "router_settings.routing_strategy_args (config.yaml:12:3)",
                "router_settings.model_group_alias.big.note (config.yaml:14:41)",
                "litellm_settings.success_callback (config.yaml:16:3)",
                "litellm_settings.cache (config.yaml:17:3)",
                "litellm_settings.set_verbose (config.yaml:18:3)",
                "general_settings.database_url (config.yaml:20:3)",
                "environment_variables (config.yaml:22:1)",
            }));
  EXPECT_EQ(c.master_key.reveal(), "sk-1234");
  EXPECT_TRUE(c.router.hidden_aliases.empty());
}

TEST(ConfigLoad, DropParamsIsRefused) {
  const std::string refusal =
      "true is refused: hearth never drops a request parameter silently; a parameter a backend "
      "cannot honour is answered with a 400 naming it. Remove drop_params";
  EXPECT_EQ(Error("litellm_settings:\n  drop_params: true\n"),
            "litellm_settings.drop_params: " + refusal + " (config.yaml:2:16)");
  EXPECT_EQ(Error("litellm_settings:\n  drop_params: True\n"),
            "litellm_settings.drop_params: " + refusal + " (config.yaml:2:16)");
  EXPECT_EQ(Error("model_list:\n  - model_name: x\n    litellm_params:\n      model: openai/x\n"
                  "      drop_params: true\n"),
            "model_list[0].litellm_params.drop_params: " + refusal + " (config.yaml:5:20)");
  EXPECT_EQ(Error("model_list:\n  - model_name: x\n    litellm_params:\n      model: openai/x\n"
                  "      additional_drop_params: [\"temperature\"]\n"),
            "model_list[0].litellm_params.additional_drop_params: is refused: hearth never drops "
            "a request parameter silently; a parameter a backend cannot honour is answered with "
            "a 400 naming it (config.yaml:5:31)");
  EXPECT_TRUE(Parse("litellm_settings:\n  drop_params: false\n").ok());
}

// --- hearth: --------------------------------------------------------------------------------

TEST(ConfigLoad, HearthSection) {
  Config c = MustParse(Y(R"(
hearth:
  stall_timeout: 12.5
  max_attempts: 4
  retry_backoff_base: 0.1
  retry_backoff_max: 2
  max_retry_after: 30
)"));
  EXPECT_EQ(c.hearth.stall_timeout, Millis(12500));
  EXPECT_EQ(c.hearth.max_attempts, 4);
  EXPECT_EQ(c.hearth.retry_backoff_base, Millis(100));
  EXPECT_EQ(c.hearth.retry_backoff_max, Millis(2000));
  EXPECT_EQ(c.hearth.max_retry_after, Millis(30000));
  EXPECT_TRUE(c.unimplemented_keys.empty());

  Config defaults = MustParse("hearth:\n");
  EXPECT_EQ(defaults.hearth.stall_timeout, HearthSettings{}.stall_timeout);
  EXPECT_EQ(defaults.hearth.max_attempts, HearthSettings{}.max_attempts);

  EXPECT_EQ(Error("hearth:\n  stall_timout: 5\n"),
            "hearth.stall_timout: unknown key in hearth's own section (known: stall_timeout, "
            "max_attempts, retry_backoff_base, retry_backoff_max, max_retry_after) "
            "(config.yaml:2:3)");
  EXPECT_EQ(Error("hearth:\n  max_attempts: 0\n"),
            "hearth.max_attempts: \"0\" is not a positive integer (config.yaml:2:17)");
  EXPECT_EQ(Error("hearth:\n  stall_timeout: 0\n"),
            "hearth.stall_timeout: \"0\" is not a number greater than 0 (config.yaml:2:18)");
  EXPECT_EQ(Error("hearth:\n  retry_backoff_base: 5\n  retry_backoff_max: 1\n"),
            "hearth: retry_backoff_max must not be less than retry_backoff_base (config.yaml:2:3)");
  EXPECT_EQ(Error("hearth: 5\n"), "hearth: expected a mapping, got a scalar (config.yaml:1:9)");
}

// --- DescribeConfig -------------------------------------------------------------------------

TEST(ConfigLoad, DescribeShowsStructureButNeverSecrets) {
  const std::string key = "sk-VERYSECRETKEYTEXT-wxyz";
  const std::string short_key = "hunter2";
  const std::string master = "sk-MASTERSECRET-9876";
  Config c = MustParse(Y(R"(
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/KEY
      order: 1
      timeout: 30
      stream_timeout: 0.25
      rpm: 100
  - model_name: gpt-4o
    litellm_params:
      model: hosted_vllm/qwen
      api_base: http://127.0.0.1:8000/v1
      api_key: os.environ/SHORT
  - model_name: local
    litellm_params: {model: local/qwen2.5-coder:1.5b}
router_settings:
  routing_strategy: least-busy
  cooldown_time: 1.5
  model_group_alias: {gpt4: gpt-4o}
  fallbacks: [{gpt-4o: [local]}]
  context_window_fallbacks: [{gpt4: [local]}]
general_settings:
  master_key: os.environ/MASTER
litellm_settings:
  success_callback: [x]
)"),
                       FakeEnv({{"KEY", key}, {"SHORT", short_key}, {"MASTER", master}}));
  const std::string text = DescribeConfig(c);
  EXPECT_EQ(text.find("VERYSECRET"), std::string::npos) << text;
  EXPECT_EQ(text.find(short_key), std::string::npos) << text;
  EXPECT_EQ(text.find("MASTERSECRET"), std::string::npos) << text;
  for (const std::string want :
       {"config: config.yaml", "model groups: 2, deployments: 3", "gpt-4o  (aliases: gpt4)",
        "- openai/gpt-4o", "id: gpt-4o/0", "api_key: ***wxyz", "api_key: ***", "order: 1, weight: 1",
        "timeout: 30s, stream_timeout: 250ms", "limits: rpm=100", "- hosted_vllm/qwen",
        "api_base: http://127.0.0.1:8000/v1", "- local/qwen2.5-coder:1.5b",
        "routing_strategy: least-busy", "cooldown_time: 1.5s", "gpt-4o -> local",
        "context_window_fallbacks:\n    gpt4 -> local", "master_key: ***9876",
        "litellm_settings.success_callback (config.yaml:26:3)"}) {
    EXPECT_NE(text.find(want), std::string::npos) << "missing " << want << " in\n" << text;
  }
}

// --- hostile input --------------------------------------------------------------------------

TEST(ConfigLoadHostile, DeepNestingFailsCleanly) {
  for (const std::string& open : {std::string("["), std::string("{a: "), std::string("- ")}) {
    std::string yaml = "router_settings:\n  fallbacks:\n    ";
    for (int i = 0; i < 100000; ++i) yaml += open;
    Result<Config> r = Parse(yaml);
    ASSERT_FALSE(r.ok()) << open;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("YAML syntax error"), std::string::npos)
        << r.status().message();
  }
}

TEST(ConfigLoadHostile, AliasBombsAreBounded) {
  // Classic "billion laughs": 10 levels of 10 aliases each, under a key hearth never walks and
  // under keys it does.
  std::string bomb = "lol0: &l0 [\"lol\"]\n";
  for (int level = 1; level < 10; ++level) {
    bomb += "lol" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) bomb += (i ? ", *l" : "*l") + std::to_string(level - 1);
    bomb += "]\n";
  }
  Result<Config> ignored = Parse(bomb);
  ASSERT_TRUE(ignored.ok()) << ignored.status().ToString();
  EXPECT_EQ(ignored->unimplemented_keys.size(), 10u);
  EXPECT_FALSE(Parse(bomb + "router_settings:\n  default_fallbacks: *l9\n").ok());
  EXPECT_FALSE(Parse(bomb + "router_settings:\n  fallbacks: *l9\n").ok());

  // Walked for real: 1000 deployments sharing one litellm_params of 1000 unknown keys would be
  // a million nodes (and a million unimplemented_keys entries) from a 30 KB file.
  std::string params = "p: &p {model: openai/x";
  for (int i = 0; i < 1000; ++i) params += ", k" + std::to_string(i) + ": 1";
  params += "}\nd: &d {model_name: x, litellm_params: *p}\nmodel_list: [";
  for (int i = 0; i < 1000; ++i) params += i ? ", *d" : "*d";
  params += "]\n";
  Result<Config> r = Parse(params);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("too large or too deeply aliased"), std::string::npos)
      << r.status().message();

  // Self-referencing anchors.
  EXPECT_FALSE(Parse("model_list: &l [*l]\n").ok());
  EXPECT_FALSE(Parse("model_list:\n  - &d {model_name: x, litellm_params: *d}\n").ok());
  EXPECT_FALSE(Parse("router_settings: &r {fallbacks: [*r]}\n").ok());
}

TEST(ConfigLoadHostile, OversizedTextIsRefused) {
  std::string big(kMaxConfigBytes + 1, '#');
  Result<Config> r = Parse(big);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("at most"), std::string::npos);
}

// --- LoadConfigFile -------------------------------------------------------------------------

TEST(ConfigLoad, LoadConfigFile) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("hearth_config_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "config.yaml").string();
  {
    std::ofstream out(path);
    out << "model_list:\n  - model_name: m\n    litellm_params:\n      model: ollama/llama3\n"
           "      api_key: os.environ/NOPE\n";
  }
  Result<Config> missing_var = LoadConfigFile(path, kNoEnv);
  ASSERT_FALSE(missing_var.ok());
  EXPECT_EQ(missing_var.status().message(),
            "model_list[0].litellm_params.api_key: environment variable NOPE is not set (" + path +
                ":5:16)");
  Result<Config> r = LoadConfigFile(path, FakeEnv({{"NOPE", "x"}}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->path, path);
  EXPECT_EQ(r->model_list.at(0).provider, Provider::kOllama);
  EXPECT_EQ(r->model_list.at(0).source, path + ":2:5");

  Result<Config> absent = LoadConfigFile((dir / "absent.yaml").string(), kNoEnv);
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.status().code(), StatusCode::kIOError);
  EXPECT_NE(absent.status().message().find((dir / "absent.yaml").string()), std::string::npos);

  Result<Config> directory = LoadConfigFile(dir.string(), kNoEnv);
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.status().code(), StatusCode::kIOError) << directory.status().ToString();
  EXPECT_NE(directory.status().message().find(dir.string()), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hearth::gateway
