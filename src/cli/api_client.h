#pragma once
// The CLI as a client of a running `hearth serve` (or Ollama) at HEARTH_HOST, as Ollama's CLI
// talks to its server: JSON calls, NDJSON progress streams and blob uploads over HTTP, with
// "Authorization: Bearer $HEARTH_API_KEY" when that is set. Commands first ask ConnectFromEnv();
// when nothing listens at HEARTH_HOST they work on the store directly. Thread-compatible.

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "base/cancel.h"
#include "base/status.h"
#include "store/name.h"

namespace hearth::cli {

// The base URL for a HEARTH_HOST value, read as Ollama reads OLLAMA_HOST: "" ->
// http://127.0.0.1:11434; "host", "host:port", ":port", "[v6]:port", "http://host:port",
// "https://host" (port 443). InvalidArgument on a bad port or scheme.
Result<std::string> ServerUrl(std::string_view host_env);

class ApiClient {
 public:
  ApiClient(std::string base_url, std::string api_key);

  // A client for the server at $HEARTH_HOST (key $HEARTH_API_KEY) when one answers
  // GET /api/version; nullopt when nothing answers there (connection refused, or no answer within
  // `probe_timeout_ms`). An invalid HEARTH_HOST is an error.
  static Result<std::optional<ApiClient>> ConnectFromEnv(int probe_timeout_ms = 2000);

  // `method` `path` with `body` (none when null). The parsed JSON answer of a 2xx (null for an
  // empty body). Other statuses become a Status carrying the server's {"error"} message, with the
  // code of the HTTP status (400 InvalidArgument, 401/403 FailedPrecondition, 404 NotFound, 409
  // AlreadyExists, 413 ResourceExhausted, 503 Unavailable, else Internal).
  Result<nlohmann::json> Call(std::string_view method, std::string_view path,
                              const nlohmann::json& body = nullptr) const;

  // POSTs `body` to `path` and passes every NDJSON object of the answer to `on_message` (an error
  // it returns stops the stream and is returned). An {"error"} object ends the stream as that
  // error. `cancel` (may be null) stops the transfer, which closes the connection.
  Status Stream(std::string_view path, const nlohmann::json& body,
                const std::function<Status(const nlohmann::json&)>& on_message,
                const CancelToken* cancel = nullptr) const;

  // HEAD /api/blobs/<digest>: true when the server has the blob.
  Result<bool> HasBlob(const store::Digest& digest) const;
  // POST /api/blobs/<digest> with the bytes of the file at `path`.
  Status UploadBlob(const store::Digest& digest, const std::string& path,
                    const CancelToken* cancel = nullptr) const;

  const std::string& base_url() const { return base_url_; }

 private:
  std::string base_url_;
  std::string api_key_;
};

// The Status for an HTTP error answer: `body`'s {"error"} message (else "HTTP <status>") with the
// code of `http_status`.
Status StatusFromHttp(long http_status, std::string_view body);

}  // namespace hearth::cli
