#pragma once
// Shared by the inference route files (internal to the server module): the backend, the clock,
// response ids, and the one-per-dialect route registration functions. Thread-safe (read-only
// after construction; ids from an atomic counter).

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "server/inference_routes.h"

namespace hearth::server {

class InferenceContext {
 public:
  explicit InferenceContext(InferenceRoutesOptions options);
  chat::Backend* backend() const { return options_.backend; }
  store::Store* store() const { return options_.store; }
  std::chrono::system_clock::time_point Now() const { return options_.now(); }
  // Go's time.Time JSON form of Now() (Ollama's created_at).
  std::string CreatedAt() const;
  int64_t UnixNow() const;
  // "<prefix><unique hex>", e.g. "chatcmpl-1f3a...".
  std::string NewId(const char* prefix) const;

 private:
  InferenceRoutesOptions options_;
  uint64_t seed_;
  mutable std::atomic<uint64_t> counter_{0};
};
using InferenceContextPtr = std::shared_ptr<const InferenceContext>;

void AddOllamaInferenceRoutes(http::RouteTable& router, const InferenceContextPtr& ctx);
void AddOpenAIRoutes(http::RouteTable& router, const InferenceContextPtr& ctx);
void AddAnthropicRoutes(http::RouteTable& router, const InferenceContextPtr& ctx);
void AddResponsesRoutes(http::RouteTable& router, const InferenceContextPtr& ctx);

}  // namespace hearth::server
