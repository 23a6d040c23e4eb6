#pragma once
// Status and Result<T>: the error vocabulary at every I/O, parse and upstream boundary.
// Thread-compatible value types.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace hearth {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // the caller's input is wrong (bad request, bad flag, bad file)
  kNotFound,           // a named thing does not exist
  kAlreadyExists,
  kFailedPrecondition, // the system is not in a state to do this
  kResourceExhausted,  // out of memory, queue full, context full
  kUnavailable,        // try again later
  kCancelled,
  kDataLoss,           // corrupt or truncated data
  kIOError,            // the OS refused a read or write
  kInternal,           // a bug or an unexpected library failure
  kDeadlineExceeded,   // a timeout ran out (connect, first byte, stall, total)
  kPermissionDenied,   // authenticated but not allowed (an upstream's 401/403, a policy)
};

// Returns a stable lower-case name for `code`, e.g. "invalid_argument".
const char* StatusCodeName(StatusCode code);

// A failure's facts from an upstream service (a cloud API, another Ollama): its HTTP status and
// how long it asked us to wait. Carried by Status so routing, retries and the client's answer keep
// the upstream's meaning (429 stays 429 with Retry-After).
struct UpstreamFacts {
  int http_status = 0;                 // 0: not an upstream HTTP answer
  int64_t retry_after_ms = -1;         // -1: no hint; from Retry-After (seconds or an HTTP date)
  std::string kind;                    // "context_length", "content_policy", "rate_limit", ... or ""
};

class Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid_argument: message", or "ok".
  std::string ToString() const;
  // Returns a copy whose message is "context: message".
  Status WithContext(const std::string& context) const;

  // Upstream facts (empty unless set); survive WithContext.
  const UpstreamFacts& upstream() const { return upstream_; }
  Status WithUpstream(UpstreamFacts facts) const {
    Status s = *this;
    s.upstream_ = std::move(facts);
    return s;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  UpstreamFacts upstream_;
};

inline Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status FailedPrecondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
inline Status ResourceExhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
inline Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
inline Status DataLoss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status DeadlineExceeded(std::string m) { return {StatusCode::kDeadlineExceeded, std::move(m)}; }
inline Status PermissionDenied(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }

// Result<T> holds a T or a non-OK Status, shaped like std::expected.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status)  // NOLINT: implicit by design; an OK status here is a bug
      : status_(status.ok() ? Status(StatusCode::kInternal, "Result built from an OK status")
                            : std::move(status)) {}
  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  // The error, or an OK status when ok(). The reference lives as long as this Result.
  const Status& status() const { return status_; }
  // REQUIRES: ok().
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace hearth

// Evaluates `expr` (a Status); returns it from the current function when not OK.
#define HEARTH_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::hearth::Status hearth_status_ = (expr);        \
    if (!hearth_status_.ok()) return hearth_status_; \
  } while (0)

#define HEARTH_CONCAT_INNER(a, b) a##b
#define HEARTH_CONCAT(a, b) HEARTH_CONCAT_INNER(a, b)
// Declares `lhs` from a Result<T> expression, or returns its Status.
#define HEARTH_ASSIGN_OR_RETURN(lhs, expr)                                 \
  auto HEARTH_CONCAT(hearth_result_, __LINE__) = (expr);                   \
  if (!HEARTH_CONCAT(hearth_result_, __LINE__).ok())                       \
    return HEARTH_CONCAT(hearth_result_, __LINE__).status();               \
  lhs = std::move(HEARTH_CONCAT(hearth_result_, __LINE__)).value()
