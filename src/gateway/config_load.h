#pragma once
// Loading the gateway's config.yaml (LiteLLM proxy format plus hearth's `hearth:` section) into
// gateway::Config. Pure functions apart from LoadConfigFile's read and the env lookup; thread-safe.
//
// What is accepted (LiteLLM's meaning unless noted):
//  - model_list[i]: model_name (required), litellm_params (required; model is required),
//    model_info (id, max_input_tokens, max_output_tokens). litellm_params.model is
//    "<provider>/<model>" with provider one of openai, hosted_vllm (api_base required), anthropic,
//    gemini, ollama, ollama_chat, local (hearth's own store: "local/qwen2.5-coder:1.5b"; no
//    api_base). Like LiteLLM, a bare name is inferred: "gpt-*", "o1*", "o3*", "o4*" -> openai,
//    "claude-*" -> anthropic, "gemini-*" -> gemini; any other prefix (azure/, bedrock/, ...) or
//    bare name is an error naming the value and listing the supported providers.
//    Deployment.id is filled in: model_info.id, else "<model_name>/<n>" (n-th deployment of that
//    group, from 0). Ids must be unique.
//  - Any scalar in litellm_params and general_settings.master_key may be "os.environ/NAME",
//    resolved through `env`; an unset or empty variable is an error naming it.
//  - router_settings: routing_strategy, num_retries, allowed_fails, cooldown_time, timeout,
//    stream_timeout, fallbacks, context_window_fallbacks, content_policy_fallbacks,
//    default_fallbacks, retry_policy, allowed_fails_policy, enable_pre_call_checks,
//    model_group_alias. Fallbacks use LiteLLM's form, a list of single-key maps
//    [{"gpt-4o": ["claude-3", "local"]}]; every name in them must be a group, an alias or an
//    explicit model_info.id.
//  - litellm_settings: request_timeout (router timeout when router_settings.timeout is unset),
//    num_retries (when router_settings has none), fallbacks / context_window_fallbacks /
//    content_policy_fallbacks / default_fallbacks (router_settings wins per source group).
//    drop_params: true (also per deployment, and additional_drop_params) is refused: hearth never
//    drops a parameter silently.
//  - general_settings.master_key.
//  - hearth: stall_timeout, max_attempts, retry_backoff_base, retry_backoff_max, max_retry_after
//    (durations in seconds). An unknown key here is an error (our own schema).
// Every other key, anywhere outside `hearth:`, is not an error: it is recorded once in
// Config.unimplemented_keys as "litellm_settings.success_callback (config.yaml:30:3)".
//
// Errors are InvalidArgument "<yaml path>: <what, quoting the bad value> (<source>:<line>:<col>)",
// 1-based, e.g.
//   model_list[2].litellm_params.api_key: environment variable OPENAI_API_KEY is not set
//   (config.yaml:9:16)
// Secrets (api_key, master_key) are never quoted in an error. Hostile input is bounded: at most
// kMaxConfigBytes of text, YAML nesting as deep as yaml-cpp's own guard allows, and at most
// kMaxConfigNodes nodes visited (aliases count each time they are used), so a "billion laughs"
// file fails quickly instead of exhausting memory or time. An empty file, or one without
// model_list, is a valid empty config.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "gateway/config.h"

namespace hearth::gateway {

// Looks up an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The process environment (std::getenv). An empty EnvLookup passed below means this.
EnvLookup ProcessEnv();

inline constexpr size_t kMaxConfigBytes = 4 << 20;
inline constexpr size_t kMaxConfigNodes = 200000;

// Parses `yaml_text`; `source_name` (e.g. the path) prefixes every line:column in messages and
// becomes Config.path.
Result<Config> ParseConfig(std::string_view yaml_text, std::string_view source_name,
                           const EnvLookup& env = {});

// Reads and parses the file at `path`. IOError naming the path when it cannot be read.
Result<Config> LoadConfigFile(const std::string& path, const EnvLookup& env = {});

// Human-readable summary for `hearth config check`: each model group with its aliases and
// deployments (provider/model, id, api_base, order, weight, limits, timeouts, the key only as
// Secret::Redacted()), then the router settings, fallbacks, hearth settings and the
// unimplemented keys. Never contains a secret's text.
std::string DescribeConfig(const Config& c);

}  // namespace hearth::gateway
