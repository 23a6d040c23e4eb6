#include "gateway/config.h"

#include <set>

namespace hearth::gateway {

std::string Secret::Redacted() const {
  if (value_.empty()) return "";
  if (value_.size() < 12) return "***";
  return "***" + value_.substr(value_.size() - 4);
}

const char* ProviderName(Provider p) {
  switch (p) {
    case Provider::kOpenAI: return "openai";
    case Provider::kHostedVllm: return "hosted_vllm";
    case Provider::kAnthropic: return "anthropic";
    case Provider::kGemini: return "gemini";
    case Provider::kOllama: return "ollama";
    case Provider::kOllamaChat: return "ollama_chat";
    case Provider::kLocal: return "local";
  }
  return "unknown";
}

const char* RoutingStrategyName(RoutingStrategy s) {
  switch (s) {
    case RoutingStrategy::kSimpleShuffle: return "simple-shuffle";
    case RoutingStrategy::kLeastBusy: return "least-busy";
    case RoutingStrategy::kLatencyBased: return "latency-based-routing";
    case RoutingStrategy::kCostBased: return "cost-based-routing";
    case RoutingStrategy::kUsageBased: return "usage-based-routing-v2";
  }
  return "unknown";
}

std::vector<std::string> Config::Groups() const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const Deployment& d : model_list) {
    if (seen.insert(d.model_name).second) out.push_back(d.model_name);
  }
  return out;
}

}  // namespace hearth::gateway
