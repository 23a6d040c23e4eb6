#pragma once
// The transport's vocabulary, independent of the HTTP library behind it: a parsed request, a
// complete response, and how a status becomes an HTTP status and a JSON error body. Value types;
// thread-compatible.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace hearth::http {

// Header fields of one request. Names compare case-insensitively; a repeated field keeps its
// values joined by ", " (RFC 9110 §5.3).
class Headers {
 public:
  void Add(std::string_view name, std::string_view value);
  // The value of `name`, or nullopt when absent.
  std::optional<std::string> Get(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;  // lower-case name, value
};

struct Request {
  std::string method;  // "GET", "POST", ... as sent
  std::string target;  // raw request-target, e.g. "/api/tags?x=1"
  std::string path;    // percent-decoded path without the query, e.g. "/api/tags"
  std::string query;   // raw query string without '?', may be empty
  Headers headers;
  std::string body;    // the whole body; empty for routes that stream their body
  // Values of the route pattern's ":name" segments, percent-decoded.
  std::map<std::string, std::string, std::less<>> params;
  std::string remote_address;  // "ip:port" of the peer

  // The value of route parameter `name`, or "" when the route has none.
  const std::string& Param(std::string_view name) const;
};

// A region of a file sent as the body (blob downloads); the transport reads it in chunks.
struct FileRegion {
  std::string path;
  uint64_t offset = 0;
  uint64_t length = 0;
};

struct Response {
  int status = 200;
  std::string content_type;  // empty: no Content-Type header
  std::string body;
  std::optional<FileRegion> file;  // when set, the body is this file region instead of `body`
  std::vector<std::pair<std::string, std::string>> headers;  // extra header fields
  bool close = false;  // close the connection after this response

  static Response Text(int status, std::string text);             // text/plain; charset=utf-8
  static Response Json(int status, std::string json_text);        // application/json; charset=utf-8
  static Response Empty(int status);                              // no body (Content-Length: 0)
  Response& Header(std::string name, std::string value);
};

// The one place where a StatusCode becomes an HTTP status: kInvalidArgument and
// kFailedPrecondition 400, kNotFound 404, kAlreadyExists 409, kResourceExhausted and kUnavailable
// 503, kCancelled 499 (Ollama's "client closed request"), everything else 500.
int HttpStatusFor(StatusCode code);

// The JSON error body for a request to `path`: {"error":"message"} (Ollama's shape) for every
// path except /v1/..., which gets OpenAI's {"error":{"message","type","param":null,"code":null}}
// with the type chosen from `http_status`.
std::string ErrorBody(std::string_view path, int http_status, std::string_view message);
// Response::Json(http_status, ErrorBody(path, http_status, message)).
Response ErrorResponse(std::string_view path, int http_status, std::string_view message);
// ErrorResponse(path, HttpStatusFor(status.code()), status.message()).
Response ErrorResponse(std::string_view path, const Status& status);

// Decodes %XX escapes in one path segment or query component. InvalidArgument on a malformed
// escape or a decoded NUL byte.
Result<std::string> PercentDecode(std::string_view text);

}  // namespace hearth::http
