#pragma once
// Proxy selection for AsyncClient (ProxyConfig itself is declared in net/async_client.h).
// Pure functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "net/async_client.h"
#include "net/url.h"

namespace hearth::net {

struct ProxyEndpoint {
  std::string host;           // IPv6 without brackets
  uint16_t port = 0;          // default 80 (1080 is not assumed)
  std::string authorization;  // "Basic ..." from user:pass@, or ""
};

// Parses "http://[user:pass@]host[:port][/]" or "host[:port]". An https:// or socks proxy is
// InvalidArgument (not supported), as is anything unparsable; the message names the value.
Result<ProxyEndpoint> ParseProxy(std::string_view text);

// The proxy `url` must go through, or nullopt for a direct connection (no proxy configured for
// its scheme, or NO_PROXY matches). InvalidArgument when the configured proxy is unusable.
Result<std::optional<ProxyEndpoint>> ProxyFor(const ProxyConfig& config, const Url& url);

// Standard base64 (with padding).
std::string Base64(std::string_view bytes);

}  // namespace hearth::net
