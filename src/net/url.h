#pragma once
// Url: the parts of an absolute http(s) URL that AsyncClient needs. Pure; thread-compatible.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace hearth::net {

struct Url {
  bool https = false;
  std::string host;    // lower-case name or IP literal, IPv6 without brackets
  uint16_t port = 0;   // explicit or the scheme's default (80/443)
  std::string target;  // path + query, at least "/"; the fragment is dropped

  // "host" or "host:port" when the port is not the scheme's default; IPv6 in brackets.
  std::string HostHeader() const;
  // "host:port" always (IPv6 in brackets), e.g. for CONNECT and messages.
  std::string Authority() const;
  // "https://host:port" style key for connection pools.
  std::string PoolKey() const;
};

// Parses "http://host[:port][/path][?query][#fragment]" (scheme and host any case). IPv6 literals
// in brackets. InvalidArgument naming the URL for anything else: other schemes, user info,
// a missing host, a bad port, spaces or control characters.
Result<Url> ParseUrl(std::string_view url);

// Brackets an IPv6 literal ("::1" -> "[::1]"); other hosts unchanged.
std::string BracketHost(std::string_view host);

}  // namespace hearth::net
