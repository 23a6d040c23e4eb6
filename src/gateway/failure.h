#pragma once
// How the gateway reads a failed attempt: LiteLLM's error classes (retry_policy,
// allowed_fails_policy), whose fault it is, which fallback list applies and whether the
// deployment cools down at once. Pure functions; thread-safe.

#include <optional>

#include "base/status.h"
#include "gateway/config.h"

namespace hearth::gateway {

enum class FallbackKind {
  kGeneric,        // fallbacks[group], then default_fallbacks
  kContextWindow,  // context_window_fallbacks[group]
  kContentPolicy,  // content_policy_fallbacks[group]
};

struct Failure {
  ErrorClass error_class = ErrorClass::kInternalServer;
  FallbackKind fallback = FallbackKind::kGeneric;
  // The request itself is wrong (plain InvalidArgument, a cancelled client): returned at once,
  // no retry, no fallback (unless retry_policy sets retries for its class).
  bool caller_fault = false;
  // Not retried on the same group (context length, content policy): straight to its fallbacks.
  bool skip_group_retries = false;
  // Counts against the deployment's health (allowed_fails, cooldowns).
  bool deployment_fault = true;
  // The deployment cools down now, without waiting for allowed_fails: upstream 429, 401, 404,
  // 408 (LiteLLM), or a NotFound/PermissionDenied from the deployment itself.
  bool cool_now = false;
};

// Reads `status` (non-OK) from a deployment: its code and UpstreamFacts (http_status, kind).
//   kind "context_length"                  -> kBadRequest, context-window fallbacks
//   kind "content_policy"                  -> kContentPolicy, content-policy fallbacks
//   http 429, kind "rate_limit", ResourceExhausted -> kRateLimit
//   http 401/403, PermissionDenied         -> kAuthentication
//   http 408, DeadlineExceeded             -> kTimeout
//   plain InvalidArgument (http 400/422 or none) -> kBadRequest, caller's fault
//   Cancelled                              -> caller's fault
//   everything else (5xx, Unavailable, Internal, NotFound of a deployment's model) -> kInternalServer
Failure Classify(const Status& status);

// The retries a group gets after a failure of `error_class`: retry_policy's entry, else
// num_retries.
int RetriesFor(const RouterSettings& router, ErrorClass error_class);
// Failures per minute a deployment may have before it cools down.
int AllowedFailsFor(const RouterSettings& router, ErrorClass error_class);

}  // namespace hearth::gateway
