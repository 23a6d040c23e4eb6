#include "gateway/failure.h"

namespace hearth::gateway {

Failure Classify(const Status& status) {
  Failure f;
  const UpstreamFacts& up = status.upstream();
  const int http = up.http_status;
  if (up.kind == "context_length") {
    f.error_class = ErrorClass::kBadRequest;
    f.fallback = FallbackKind::kContextWindow;
    f.skip_group_retries = true;
    f.deployment_fault = false;
    return f;
  }
  if (up.kind == "content_policy") {
    f.error_class = ErrorClass::kContentPolicy;
    f.fallback = FallbackKind::kContentPolicy;
    f.skip_group_retries = true;
    f.deployment_fault = false;
    return f;
  }
  f.cool_now = http == 429 || http == 401 || http == 404 || http == 408;
  if (http == 429 || up.kind == "rate_limit" ||
      status.code() == StatusCode::kResourceExhausted) {
    f.error_class = ErrorClass::kRateLimit;
    return f;
  }
  if (http == 401 || http == 403 || status.code() == StatusCode::kPermissionDenied) {
    f.error_class = ErrorClass::kAuthentication;
    f.cool_now = true;
    return f;
  }
  if (http == 408 || status.code() == StatusCode::kDeadlineExceeded) {
    f.error_class = ErrorClass::kTimeout;
    return f;
  }
  if (status.code() == StatusCode::kCancelled) {
    f.caller_fault = true;
    f.deployment_fault = false;
    return f;
  }
  if (status.code() == StatusCode::kInvalidArgument && (http == 0 || (http >= 400 && http < 500))) {
    f.error_class = ErrorClass::kBadRequest;
    f.caller_fault = true;
    f.deployment_fault = false;
    return f;
  }
  if (status.code() == StatusCode::kNotFound) f.cool_now = true;  // the deployment's model is gone
  f.error_class = ErrorClass::kInternalServer;
  return f;
}

int RetriesFor(const RouterSettings& router, ErrorClass error_class) {
  auto it = router.retry_policy.find(error_class);
  return it != router.retry_policy.end() ? it->second : router.num_retries;
}

int AllowedFailsFor(const RouterSettings& router, ErrorClass error_class) {
  auto it = router.allowed_fails_policy.find(error_class);
  return it != router.allowed_fails_policy.end() ? it->second : router.allowed_fails;
}

}  // namespace hearth::gateway
