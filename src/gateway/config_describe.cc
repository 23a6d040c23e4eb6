// DescribeConfig: the text `hearth config check` prints. Secrets appear only as Redacted().

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "gateway/config.h"
#include "gateway/config_load.h"

namespace hearth::gateway {
namespace {

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// 1500ms -> "1.5s", 250ms -> "250ms".
std::string Dur(Millis d) {
  const int64_t ms = d.count();
  if (ms != 0 && ms % 1000 != 0 && ms < 1000) return std::to_string(ms) + "ms";
  return Num(static_cast<double>(ms) / 1000.0) + "s";
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

const char* ClassName(ErrorClass c) {
  switch (c) {
    case ErrorClass::kBadRequest: return "BadRequestError";
    case ErrorClass::kAuthentication: return "AuthenticationError";
    case ErrorClass::kTimeout: return "TimeoutError";
    case ErrorClass::kRateLimit: return "RateLimitError";
    case ErrorClass::kContentPolicy: return "ContentPolicyViolationError";
    case ErrorClass::kInternalServer: return "InternalServerError";
  }
  return "?";
}

void Fallbacks(const char* name, const std::map<std::string, std::vector<std::string>>& m,
               std::string* out) {
  if (m.empty()) {
    *out += std::string("  ") + name + ": none\n";
    return;
  }
  *out += std::string("  ") + name + ":\n";
  for (const auto& [group, targets] : m) *out += "    " + group + " -> " + Join(targets) + "\n";
}

void Policy(const char* name, const char* suffix, const std::map<ErrorClass, int>& m,
            std::string* out) {
  if (m.empty()) return;
  *out += std::string("  ") + name + ":";
  bool first = true;
  for (const auto& [cls, n] : m) {
    *out += std::string(first ? " " : ", ") + ClassName(cls) + suffix + "=" + std::to_string(n);
    first = false;
  }
  *out += "\n";
}

}  // namespace

std::string DescribeConfig(const Config& c) {
  std::string out;
  out += "config: " + (c.path.empty() ? std::string("(built in)") : c.path) + "\n";
  const std::vector<std::string> groups = c.Groups();
  out += "model groups: " + std::to_string(groups.size()) + ", deployments: " +
         std::to_string(c.model_list.size()) + "\n";
  for (const std::string& g : groups) {
    std::vector<std::string> aliases;
    for (const auto& [alias, target] : c.router.model_group_alias) {
      if (target == g) {
        aliases.push_back(alias + (c.router.hidden_aliases.count(alias) ? " (hidden)" : ""));
      }
    }
    out += "  " + g;
    if (!aliases.empty()) out += "  (aliases: " + Join(aliases) + ")";
    out += "\n";
    for (const Deployment& d : c.model_list) {
      if (d.model_name != g) continue;
      out += "    - " + std::string(ProviderName(d.provider)) + "/" + d.model + "\n";
      out += "        id: " + d.id + "\n";
      out += "        api_base: " + (d.api_base.empty() ? std::string("(provider default)") : d.api_base) + "\n";
      out += "        api_key: " + (d.api_key.empty() ? std::string("(none)") : d.api_key.Redacted()) + "\n";
      if (!d.api_version.empty()) out += "        api_version: " + d.api_version + "\n";
      out += "        order: " + (d.order == 0 ? std::string("(unset)") : std::to_string(d.order)) +
             ", weight: " + Num(d.weight) + "\n";
      if (d.rpm || d.tpm || d.max_parallel_requests) {
        out += "        limits:";
        if (d.rpm) out += " rpm=" + std::to_string(*d.rpm);
        if (d.tpm) out += " tpm=" + std::to_string(*d.tpm);
        if (d.max_parallel_requests) out += " max_parallel_requests=" + std::to_string(*d.max_parallel_requests);
        out += "\n";
      }
      out += "        timeout: " + (d.timeout ? Dur(*d.timeout) : std::string("(router default)")) +
             ", stream_timeout: " +
             (d.stream_timeout ? Dur(*d.stream_timeout) : std::string("(router default)")) + "\n";
      if (d.max_input_tokens || d.max_output_tokens) {
        out += "        tokens:";
        if (d.max_input_tokens) out += " max_input=" + std::to_string(*d.max_input_tokens);
        if (d.max_output_tokens) out += " max_output=" + std::to_string(*d.max_output_tokens);
        out += "\n";
      }
      if (d.input_cost_per_token || d.output_cost_per_token || d.cache_read_input_token_cost) {
        out += "        cost per token:";
        if (d.input_cost_per_token) out += " input=" + Num(*d.input_cost_per_token);
        if (d.output_cost_per_token) out += " output=" + Num(*d.output_cost_per_token);
        if (d.cache_read_input_token_cost) out += " cache_read=" + Num(*d.cache_read_input_token_cost);
        out += "\n";
      }
      if (!d.source.empty()) out += "        from: " + d.source + "\n";
    }
  }
  const RouterSettings& r = c.router;
  out += "router:\n";
  out += "  routing_strategy: " + std::string(RoutingStrategyName(r.routing_strategy)) + "\n";
  out += "  num_retries: " + std::to_string(r.num_retries) + ", allowed_fails: " +
         std::to_string(r.allowed_fails) + ", cooldown_time: " + Dur(r.cooldown_time) + "\n";
  out += "  timeout: " + (r.timeout ? Dur(*r.timeout) : std::string("(none)")) +
         ", stream_timeout: " + (r.stream_timeout ? Dur(*r.stream_timeout) : std::string("(none)")) + "\n";
  out += "  enable_pre_call_checks: " + std::string(r.enable_pre_call_checks ? "true" : "false") + "\n";
  Fallbacks("fallbacks", r.fallbacks, &out);
  Fallbacks("context_window_fallbacks", r.context_window_fallbacks, &out);
  Fallbacks("content_policy_fallbacks", r.content_policy_fallbacks, &out);
  out += "  default_fallbacks: " + (r.default_fallbacks.empty() ? std::string("none") : Join(r.default_fallbacks)) + "\n";
  Policy("retry_policy", "Retries", r.retry_policy, &out);
  Policy("allowed_fails_policy", "AllowedFails", r.allowed_fails_policy, &out);
  const HearthSettings& h = c.hearth;
  out += "hearth:\n";
  out += "  stall_timeout: " + Dur(h.stall_timeout) + ", max_attempts: " + std::to_string(h.max_attempts) +
         "\n  retry_backoff: base " + Dur(h.retry_backoff_base) + ", max " + Dur(h.retry_backoff_max) +
         ", max_retry_after: " + Dur(h.max_retry_after) + "\n";
  out += "master_key: " + (c.master_key.empty() ? std::string("(none)") : c.master_key.Redacted()) + "\n";
  if (!c.unimplemented_keys.empty()) {
    out += "not implemented by hearth (ignored):\n";
    for (const std::string& k : c.unimplemented_keys) out += "  " + k + "\n";
  }
  return out;
}

}  // namespace hearth::gateway
