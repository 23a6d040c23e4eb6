#pragma once
// RegistrySession: requests to one registry repository (internal to the store module). It adds
// the Bearer token to requests on the registry's own origin only, answers a 401 Bearer challenge
// by fetching a token from the realm (which must be on the registry's origin, and not plain http
// unless insecure), and follows redirects (at most 10, no loops, no https -> http downgrade unless
// insecure). Thread-safe: parts of one download share a session.

#include <atomic>
#include <mutex>
#include <string>
#include <string_view>

#include "base/status.h"
#include "net/curl.h"
#include "store/manifest.h"
#include "store/name.h"
#include "registry/registry_client.h"

namespace hearth::registry {
namespace curl = net::curl;
}  // namespace hearth::registry

namespace hearth::registry::internal {

// A parsed WWW-Authenticate challenge.
struct AuthChallenge {
  std::string scheme;  // lower-case, e.g. "bearer"
  std::string realm;
  std::string service;
  std::string scope;
};
// Parses `Bearer realm="...",service="...",scope="..."` (auth-params, quoted strings with
// backslash escapes). InvalidArgument for a malformed header.
Result<AuthChallenge> ParseChallenge(std::string_view header);

inline constexpr int kMaxRedirects = 10;

class RegistrySession {
 public:
  // Fails for a host that does not make a valid URL.
  static Result<std::unique_ptr<RegistrySession>> Create(const ModelName& name,
                                                         const RegistryOptions& options);

  const RegistryOptions& options() const { return options_; }
  const curl::Url& base() const { return base_; }
  // "<scheme>://<host>/v2/<ns>/<model>/" + suffix.
  std::string RepoUrl(std::string_view suffix) const;

  // Sends `req` (timeouts and cancel token are taken from the options). With `follow`, redirects
  // are followed (301/302/303 for GET and HEAD, 307/308 for any method); the URL finally answered
  // is stored in *final_url when given. Returns the final response whatever its status, or the
  // transport/policy error.
  Result<curl::Response> Send(curl::Request req, bool follow, std::string* final_url = nullptr);

  // The current token ("" when none); lets another session skip the challenge round trip.
  std::string Token() const;
  void SetToken(std::string token);

  // A session for the same repository whose requests check `cancel` instead (token copied).
  std::unique_ptr<RegistrySession> WithCancel(const CancelToken* cancel) const;

 private:
  RegistrySession(RegistryOptions options, curl::Url base, std::string repo)
      : options_(std::move(options)), base_(std::move(base)), repo_(std::move(repo)) {}
  Status FetchToken(const curl::Response& challenge_response);

  const RegistryOptions options_;
  const curl::Url base_;
  const std::string repo_;  // "ns/model"
  mutable std::mutex mu_;
  std::string token_;  // guarded by mu_
};

// "HTTP 404: <body head>" for error messages; registry JSON errors are summarized.
std::string DescribeHttpError(const curl::Response& r);

// Sleeps before retry number `attempt` (1, 2, ...): retry_backoff doubling per attempt, capped
// at 30 s. Returns false at once when options.cancel (or *stop) fires.
bool Backoff(const RegistryOptions& o, int attempt, const std::atomic<bool>* stop = nullptr);

// A manifest's layers in Ollama's transfer order (layers, then the config), each digest once.
std::vector<Layer> AllLayers(const Manifest& m);

}  // namespace hearth::registry::internal
