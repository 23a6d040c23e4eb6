#pragma once
// A small blocking HTTP client over libcurl for the registry client (and the CLI's API client,
// cli/api_client.h). One call = one request/response exchange: redirects are never followed here
// (the registry session decides what to follow), only http and https are spoken, bodies are
// bounded, and a transfer that moves no bytes for `stall_timeout` fails as kUnavailable
// ("stalled").
// Thread-safe: every call uses its own curl handle.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/cancel.h"
#include "base/status.h"

namespace hearth::net::curl {

struct Response;

struct Request {
  std::string method = "GET";        // GET, HEAD, POST, PUT, PATCH, DELETE
  std::string url;                   // absolute http:// or https:// URL
  std::vector<std::string> headers;  // "Name: value" lines, sent as given

  // Request body: `body` bytes, or (when body_fd >= 0) body_size bytes of the file body_fd read
  // with pread from body_offset. The fd is borrowed.
  std::string body;
  int body_fd = -1;
  uint64_t body_offset = 0;
  uint64_t body_size = 0;

  // Response body of a 2xx answer: passed to `sink` when set, with the response's status and
  // headers in `head`. Returning false stops the transfer: Perform then returns `*sink_error` when
  // that is set and not OK, else the response received so far. Without a sink the body is
  // collected, and more than max_body bytes is kResourceExhausted. Bodies of other answers are
  // always collected, and cut (the transfer stopped) at 64 KiB: they only feed error messages.
  struct Head;
  std::function<bool(const Head& head, const char* data, size_t size)> sink;
  Status* sink_error = nullptr;
  size_t max_body = 1 << 20;

  // Called about every 100 ms and at the end with bytes moved so far (download, upload).
  std::function<void(uint64_t down, uint64_t up)> on_progress;

  std::chrono::milliseconds connect_timeout{30000};
  std::chrono::milliseconds stall_timeout{30000};
  const CancelToken* cancel = nullptr;
};

// What a sink sees of the response it is receiving.
struct Request::Head {
  long status = 0;
  const Response* response = nullptr;  // headers so far (complete when the body starts)
};

struct Response {
  long status = 0;
  // Header names lower-cased, values trimmed; only the final response's headers.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  uint64_t body_bytes = 0;  // bytes of the final response body received (sunk or collected)

  // The first value of header `lower_name`, or "".
  std::string Header(std::string_view lower_name) const;
  bool IsRedirect() const;
};

// Performs `req`. Returns the response (whatever its status) or, when no complete response
// arrived, kUnavailable (cannot connect, connection dropped, stalled, TLS failure), kCancelled,
// kResourceExhausted (body over max_body) or kInvalidArgument (bad URL or scheme). Messages name
// the method and URL.
Result<Response> Perform(const Request& req);

// A parsed absolute URL (http or https only).
struct Url {
  std::string scheme;          // "http" or "https"
  std::string host;            // lower-case host name or address, without brackets for IPv6
  int port = 0;                // explicit or the scheme's default
  std::string path_and_query;  // "/v2/...?a=b" (at least "/")
  std::string full;            // normalized full URL

  // "host:port", the identity a Bearer realm and an Authorization header are tied to.
  std::string Origin() const;
};

// Parses an absolute URL; kInvalidArgument for anything but http(s) or a malformed URL.
Result<Url> ParseUrl(std::string_view url);
// Resolves `location` (absolute or relative, as in a Location header) against `base`.
Result<Url> ResolveUrl(const Url& base, std::string_view location);
// Percent-encodes `s` for a query value.
std::string QueryEscape(std::string_view s);

}  // namespace hearth::net::curl
