#pragma once
// Security by default, checked for every request before its body is read:
//   1. CORS as Ollama (gin-contrib/cors in server/routes.go): a request with a foreign Origin that
//      is not on the allow-list gets 403; an allowed preflight (OPTIONS) gets 204 with the
//      Access-Control-* headers; allowed requests carry Access-Control-Allow-Origin.
//   2. The Host-header allow-list against DNS rebinding, exactly as Ollama's
//      allowedHostsMiddleware: only when bound to loopback, a Host that is not localhost, a
//      loopback/private/unspecified/local-interface IP, this machine's hostname, or a name under
//      .localhost/.local/.internal gets 403.
//   3. Optional API keys: when configured, every route except public ones (GET|HEAD / and
//      /health) needs "Authorization: Bearer <key>" (401 otherwise).
// Immutable after construction; thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "http/http.h"

namespace hearth::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Ollama's default allow-list (localhost, 127.0.0.1, 0.0.0.0 on http/https with any port, and
// app://, file://, tauri://, vscode-webview://, vscode-file:// origins), after `extra` origins.
std::vector<std::string> DefaultOrigins(const std::vector<std::string>& extra);

// True iff `host` (the Host header's host part, no port) is allowed by name: empty, "localhost",
// this machine's hostname, or under .localhost/.local/.internal (case-insensitive).
bool AllowedHostName(std::string_view host);
// True iff the Host header `host_header` ("name[:port]", "[v6]:port") passes the DNS-rebinding
// guard for a server whose listening address is loopback iff `bound_to_loopback`.
bool HostAllowed(bool bound_to_loopback, std::string_view host_header);

class Security {
 public:
  struct Options {
    bool bound_to_loopback = true;
    std::vector<std::string> extra_origins;  // HEARTH_ORIGINS
    std::vector<std::string> api_keys;       // empty: no key required
  };
  // InvalidArgument when an origin is malformed (no '*' and no http://, https:// or
  // browser-extension scheme; more than one '*') or an API key is empty or has whitespace.
  static Result<Security> Create(Options options);

  struct Verdict {
    std::optional<Response> response;  // answer this instead of routing (403, 204 preflight)
    HeaderList headers;  // CORS headers for whichever response is sent, `response` included
  };
  // Steps 1 and 2 for `request` (path and headers filled; body not read yet).
  Verdict Check(const Request& request) const;
  // Step 3: true iff no keys are configured or `request` carries one of them.
  bool Authorized(const Request& request) const;
  bool keys_required() const { return !api_keys_.empty(); }
  bool bound_to_loopback() const { return bound_to_loopback_; }

 private:
  Security() = default;
  bool OriginAllowed(std::string_view origin) const;

  bool bound_to_loopback_ = true;
  std::vector<std::string> exact_origins_;                         // lower-case
  std::vector<std::pair<std::string, std::string>> wildcards_;     // prefix, suffix around '*'
  std::vector<std::string> api_keys_;
};

// API keys from the environment: HEARTH_API_KEYS (comma-separated) plus HEARTH_API_KEYS_FILE
// (one key per line; blank lines and lines starting with '#' skipped). IOError when the file
// cannot be read; InvalidArgument for a key with whitespace or control characters.
Result<std::vector<std::string>> ApiKeysFromEnv();

}  // namespace hearth::http
