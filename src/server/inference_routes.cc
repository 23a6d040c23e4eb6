#include "server/inference_routes.h"

#include <cstdio>
#include <random>

#include "base/check.h"
#include "server/inference_context.h"
#include "server/model_facts.h"

namespace hearth::server {

InferenceContext::InferenceContext(InferenceRoutesOptions options) : options_(std::move(options)) {
  if (!options_.now) options_.now = [] { return std::chrono::system_clock::now(); };
  std::random_device rd;
  seed_ = (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

std::string InferenceContext::CreatedAt() const { return FormatTime(Now()); }

int64_t InferenceContext::UnixNow() const {
  return std::chrono::duration_cast<std::chrono::seconds>(Now().time_since_epoch()).count();
}

std::string InferenceContext::NewId(const char* prefix) const {
  // splitmix64 of seed + counter: unique per process, not guessable across restarts.
  uint64_t z = seed_ + 0x9e3779b97f4a7c15ULL * (counter_.fetch_add(1) + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(z));
  return std::string(prefix) + hex;
}

void AddInferenceRoutes(http::RouteTable& router, InferenceRoutesOptions options) {
  HEARTH_CHECK(options.backend != nullptr);
  auto ctx = std::make_shared<const InferenceContext>(std::move(options));
  AddOllamaInferenceRoutes(router, ctx);
  AddOpenAIRoutes(router, ctx);
  AddAnthropicRoutes(router, ctx);
  AddResponsesRoutes(router, ctx);
}

}  // namespace hearth::server
