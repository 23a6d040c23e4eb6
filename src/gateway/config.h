#pragma once
// The gateway's configuration: a LiteLLM proxy config.yaml (model_list, router_settings,
// litellm_settings, general_settings) plus hearth's own `hearth:` section, parsed into typed
// values. Field names follow LiteLLM so a LiteLLM user's file loads unchanged; durations are
// seconds in the file (LiteLLM's unit) and milliseconds here. Plain value types.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hearth::gateway {

// A credential. Never printed: Redacted() is what logs, errors, /api/show and metrics may show.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  // "" when empty, else "sk-...abcd"-style: at most the last 4 characters, only when the
  // secret is 12 characters or longer; otherwise "***".
  std::string Redacted() const;

 private:
  std::string value_;
};

// LiteLLM's provider prefixes ("openai/gpt-4o" -> kOpenAI, model "gpt-4o").
enum class Provider {
  kOpenAI,       // openai/: chat completions, completions, embeddings (api_base: any compatible)
  kHostedVllm,   // hosted_vllm/: OpenAI-compatible server at api_base (required)
  kAnthropic,    // anthropic/: messages
  kGemini,       // gemini/: generateContent / streamGenerateContent
  kOllama,       // ollama/: another Ollama or hearth, /api/generate
  kOllamaChat,   // ollama_chat/: another Ollama or hearth, /api/chat
  kLocal,        // local/<store name>: hearth's own scheduler
};
const char* ProviderName(Provider p);  // "openai", "hosted_vllm", ..., "local"

using Millis = std::chrono::milliseconds;

// One entry of model_list: a deployment of the model group `model_name`.
struct Deployment {
  std::string model_name;  // the group clients ask for
  Provider provider = Provider::kOpenAI;
  std::string model;       // the upstream model id, without the provider prefix
  std::string api_base;    // "" = the provider's default (https://api.openai.com/v1, ...)
  Secret api_key;          // literal, or resolved from `os.environ/NAME`
  std::string api_version; // Anthropic's anthropic-version header, Azure-style versions
  std::optional<int64_t> rpm, tpm;
  double weight = 1.0;
  int order = 0;           // LiteLLM's priority: 1 first; 0 = unset (after every set order)
  std::optional<Millis> timeout;         // total
  std::optional<Millis> stream_timeout;  // time to first byte of a stream
  std::optional<int> max_parallel_requests;
  std::optional<double> input_cost_per_token, output_cost_per_token, cache_read_input_token_cost;
  // model_info.
  std::string id;  // model_info.id; "" = derived ("<group>/<index>")
  std::optional<int64_t> max_input_tokens, max_output_tokens;
  // Where it came from, for messages: "config.yaml:12:5".
  std::string source;
};

enum class RoutingStrategy { kSimpleShuffle, kLeastBusy, kLatencyBased, kCostBased, kUsageBased };
const char* RoutingStrategyName(RoutingStrategy s);  // LiteLLM's names: "simple-shuffle", ...

// retry_policy / allowed_fails_policy error classes (LiteLLM's names).
enum class ErrorClass {
  kBadRequest,       // BadRequestErrorRetries
  kAuthentication,   // AuthenticationErrorRetries
  kTimeout,          // TimeoutErrorRetries
  kRateLimit,        // RateLimitErrorRetries
  kContentPolicy,    // ContentPolicyViolationErrorRetries
  kInternalServer,   // InternalServerErrorRetries
};

struct RouterSettings {
  RoutingStrategy routing_strategy = RoutingStrategy::kSimpleShuffle;
  int num_retries = 2;  // per deployment group (LiteLLM's default is 0 in the SDK, 3 in docs; ours)
  int allowed_fails = 3;  // failures per minute before a deployment cools down
  Millis cooldown_time{5000};
  std::optional<Millis> timeout;  // total, per attempt, for every deployment without its own
  std::optional<Millis> stream_timeout;
  // group -> groups to try after it, in order.
  std::map<std::string, std::vector<std::string>> fallbacks, context_window_fallbacks,
      content_policy_fallbacks;
  std::vector<std::string> default_fallbacks;
  std::map<ErrorClass, int> retry_policy;          // retries per error class
  std::map<ErrorClass, int> allowed_fails_policy;  // allowed fails per error class
  bool enable_pre_call_checks = false;             // context-window check before each attempt
  std::map<std::string, std::string> model_group_alias;  // alias -> group
  std::set<std::string> hidden_aliases;  // aliases given {model: x, hidden: true}: not listed
};

// hearth's own settings (the `hearth:` section).
struct HearthSettings {
  Millis stall_timeout{30000};  // no chunk for this long mid-stream: the attempt failed
  int max_attempts = 6;         // one budget across retries and fallbacks
  Millis retry_backoff_base{250};  // exponential backoff base (jittered), capped below
  Millis retry_backoff_max{8000};
  Millis max_retry_after{60000};   // a Retry-After longer than this is not waited for
};

struct Config {
  std::vector<Deployment> model_list;
  RouterSettings router;
  HearthSettings hearth;
  Secret master_key;  // general_settings.master_key
  // Keys present in the file that hearth does not implement, each once, as
  // "path (file:line:column)";
  // `hearth serve` logs them in one start-up warning.
  std::vector<std::string> unimplemented_keys;
  std::string path;  // the file it came from ("" when built in code)

  // Groups in order of first appearance, with aliases resolved by the caller.
  std::vector<std::string> Groups() const;
};

}  // namespace hearth::gateway
