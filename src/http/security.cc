#include "http/security.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace hearth::http {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Go's net.SplitHostPort: "host:port" or "[v6]:port"; nullopt when it would fail (no port, too
// many colons, bad brackets).
std::optional<std::string> SplitHost(std::string_view hostport) {
  if (!hostport.empty() && hostport[0] == '[') {
    const size_t close = hostport.find(']');
    if (close == std::string_view::npos || close + 1 >= hostport.size() ||
        hostport[close + 1] != ':') {
      return std::nullopt;
    }
    const std::string_view host = hostport.substr(1, close - 1);
    if (host.find_first_of("[]") != std::string_view::npos) return std::nullopt;
    if (hostport.find_first_of("[]", close + 1) != std::string_view::npos) return std::nullopt;
    return std::string(host);
  }
  const size_t colon = hostport.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view host = hostport.substr(0, colon);
  if (host.find(':') != std::string_view::npos) return std::nullopt;
  if (hostport.find_first_of("[]") != std::string_view::npos) return std::nullopt;
  return std::string(host);
}

// An IP address in 16 bytes (IPv4 mapped into ::ffff:0:0/96), as netip.ParseAddr accepts it
// (an IPv6 zone "%eth0" is allowed and ignored).
struct Ip {
  bool v4 = false;
  unsigned char b[16] = {};
};

std::optional<Ip> ParseIp(std::string_view text) {
  std::string s(text);
  Ip ip;
  in_addr a4;
  if (inet_pton(AF_INET, s.c_str(), &a4) == 1) {
    ip.v4 = true;
    ip.b[10] = ip.b[11] = 0xff;
    std::memcpy(ip.b + 12, &a4, 4);
    return ip;
  }
  const size_t zone = s.find('%');
  if (zone != std::string::npos) {
    if (zone + 1 == s.size()) return std::nullopt;
    s.resize(zone);
  }
  in6_addr a6;
  if (inet_pton(AF_INET6, s.c_str(), &a6) != 1) return std::nullopt;
  std::memcpy(ip.b, &a6, 16);
  return ip;
}

bool IsMapped4(const Ip& ip) {
  static const unsigned char kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(ip.b, kPrefix, 12) == 0;
}

bool IsLoopback(const Ip& ip) {
  if (IsMapped4(ip)) return ip.b[12] == 127;
  static const unsigned char kOne[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return std::memcmp(ip.b, kOne, 16) == 0;
}

bool IsPrivate(const Ip& ip) {
  if (IsMapped4(ip)) {
    const unsigned char* p = ip.b + 12;
    return p[0] == 10 || (p[0] == 172 && (p[1] & 0xf0) == 16) || (p[0] == 192 && p[1] == 168);
  }
  return (ip.b[0] & 0xfe) == 0xfc;  // fc00::/7
}

bool IsUnspecified(const Ip& ip) {
  if (ip.v4) return ip.b[12] == 0 && ip.b[13] == 0 && ip.b[14] == 0 && ip.b[15] == 0;
  static const unsigned char kZero[16] = {};
  return std::memcmp(ip.b, kZero, 16) == 0;
}

// True iff `ip` is an address of one of this machine's interfaces.
bool IsLocalInterfaceIp(const Ip& ip) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return false;
  bool found = false;
  for (ifaddrs* i = list; i && !found; i = i->ifa_next) {
    if (!i->ifa_addr) continue;
    Ip own;
    if (i->ifa_addr->sa_family == AF_INET) {
      own.b[10] = own.b[11] = 0xff;
      std::memcpy(own.b + 12, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, 4);
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      std::memcpy(own.b, &reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr, 16);
    } else {
      continue;
    }
    found = std::memcmp(own.b, ip.b, 16) == 0;
  }
  freeifaddrs(list);
  return found;
}

bool ValidOriginScheme(std::string_view origin) {
  static const char* kSchemes[] = {"http://",           "https://",           "chrome-extension://",
                                   "safari-extension://", "moz-extension://", "ms-browser-extension://"};
  for (const char* s : kSchemes) {
    if (StartsWith(origin, s)) return true;
  }
  return false;
}

// Ollama's preflight headers (gin-contrib/cors DefaultConfig + routes.go AllowHeaders).
const char kAllowMethods[] = "GET,POST,PUT,PATCH,DELETE,HEAD";
const char kAllowHeaders[] =
    "Authorization,Content-Type,User-Agent,Accept,X-Requested-With,Openai-Beta,"
    "X-Stainless-Arch,X-Stainless-Async,X-Stainless-Custom-Poll-Interval,"
    "X-Stainless-Helper-Method,X-Stainless-Lang,X-Stainless-Os,X-Stainless-Package-Version,"
    "X-Stainless-Poll-Helper,X-Stainless-Retry-Count,X-Stainless-Runtime,"
    "X-Stainless-Runtime-Version,X-Stainless-Timeout,"
    "X-Api-Key,Anthropic-Version,Anthropic-Beta";
const char kMaxAge[] = "43200";

// Compares without an early exit on the first differing byte.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

Status ValidateKey(std::string_view key) {
  if (key.empty()) return InvalidArgument("empty API key");
  for (char c : key) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return InvalidArgument("API key contains whitespace or control characters");
  }
  return Status::Ok();
}

}  // namespace

std::vector<std::string> DefaultOrigins(const std::vector<std::string>& extra) {
  std::vector<std::string> origins = extra;
  for (const char* host : {"localhost", "127.0.0.1", "0.0.0.0"}) {
    for (const char* scheme : {"http://", "https://"}) origins.push_back(std::string(scheme) + host);
    for (const char* scheme : {"http://", "https://"}) {
      origins.push_back(std::string(scheme) + host + ":*");
    }
  }
  for (const char* o : {"app://*", "file://*", "tauri://*", "vscode-webview://*", "vscode-file://*"}) {
    origins.push_back(o);
  }
  return origins;
}

bool AllowedHostName(std::string_view host_in) {
  const std::string host = Lower(host_in);
  if (host.empty() || host == "localhost") return true;
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) == 0 && host == Lower(name)) return true;
  for (const char* tld : {".localhost", ".local", ".internal"}) {
    if (EndsWith(host, tld)) return true;
  }
  return false;
}

bool HostAllowed(bool bound_to_loopback, std::string_view host_header) {
  if (!bound_to_loopback) return true;
  const std::string host = SplitHost(host_header).value_or(std::string(host_header));
  if (auto ip = ParseIp(host)) {
    if (IsLoopback(*ip) || IsPrivate(*ip) || IsUnspecified(*ip) || IsLocalInterfaceIp(*ip)) {
      return true;
    }
  }
  return AllowedHostName(host);
}

Result<Security> Security::Create(Options options) {
  Security s;
  s.bound_to_loopback_ = options.bound_to_loopback;
  for (const std::string& raw : DefaultOrigins(options.extra_origins)) {
    const std::string origin = Lower(Trim(raw));
    if (origin.empty()) continue;
    const size_t star = origin.find('*');
    if (star == std::string::npos) {
      if (!ValidOriginScheme(origin)) {
        return InvalidArgument("bad origin \"" + origin +
                               "\": origins must contain '*' or start with http://, https:// or a "
                               "browser-extension scheme");
      }
      s.exact_origins_.push_back(origin);
      continue;
    }
    if (origin.find('*', star + 1) != std::string::npos) {
      return InvalidArgument("bad origin \"" + origin + "\": only one '*' is allowed");
    }
    s.wildcards_.emplace_back(origin.substr(0, star), origin.substr(star + 1));
  }
  for (const std::string& key : options.api_keys) {
    HEARTH_RETURN_IF_ERROR(ValidateKey(key));
    s.api_keys_.push_back(key);
  }
  return s;
}

bool Security::OriginAllowed(std::string_view origin_in) const {
  const std::string origin = Lower(origin_in);
  for (const std::string& o : exact_origins_) {
    if (o == origin) return true;
  }
  for (const auto& [prefix, suffix] : wildcards_) {
    if (origin.size() >= prefix.size() + suffix.size() && StartsWith(origin, prefix) &&
        EndsWith(origin, suffix)) {
      return true;
    }
  }
  return false;
}

Security::Verdict Security::Check(const Request& request) const {
  Verdict v;
  const std::string host = request.headers.Get("Host").value_or("");
  const std::optional<std::string> origin = request.headers.Get("Origin");
  const bool cors = origin && !origin->empty() && *origin != "http://" + host &&
                    *origin != "https://" + host;
  if (cors) {
    if (!OriginAllowed(*origin)) {
      v.response = ErrorResponse(request.path, 403, "origin not allowed: " + *origin);
      return v;
    }
    v.headers.emplace_back("Access-Control-Allow-Origin", *origin);
    v.headers.emplace_back("Vary", "Origin");
    if (request.method == "OPTIONS") {
      Response r = Response::Empty(204);
      r.Header("Access-Control-Allow-Methods", kAllowMethods);
      r.Header("Access-Control-Allow-Headers", kAllowHeaders);
      r.Header("Access-Control-Max-Age", kMaxAge);
      r.Header("Vary", "Access-Control-Request-Method");
      r.Header("Vary", "Access-Control-Request-Headers");
      v.response = std::move(r);
      return v;
    }
  }
  if (!HostAllowed(bound_to_loopback_, host)) {
    v.response = ErrorResponse(request.path, 403, "host not allowed: " + host);
    return v;
  }
  // allowedHostsMiddleware answers OPTIONS for an allowed host *name* (not an IP) with 204.
  if (bound_to_loopback_ && request.method == "OPTIONS") {
    const std::string name = SplitHost(host).value_or(host);
    const std::optional<Ip> ip = ParseIp(name);
    const bool ip_allowed = ip && (IsLoopback(*ip) || IsPrivate(*ip) || IsUnspecified(*ip) ||
                                   IsLocalInterfaceIp(*ip));
    if (!ip_allowed && AllowedHostName(name)) {
      v.response = Response::Empty(204);
    }
  }
  return v;
}

bool Security::Authorized(const Request& request) const {
  if (api_keys_.empty()) return true;
  const std::optional<std::string> auth = request.headers.Get("Authorization");
  // Anthropic's SDKs send the key as "x-api-key: <key>" instead of a bearer token.
  const std::optional<std::string> api_key = request.headers.Get("x-api-key");
  std::string_view token;
  if (auth) {
    std::string_view value = Trim(*auth);
    if (value.size() < 7 || Lower(value.substr(0, 7)) != "bearer ") return false;
    token = Trim(value.substr(7));
  } else if (api_key) {
    token = Trim(*api_key);
  } else {
    return false;
  }
  bool ok = false;
  for (const std::string& key : api_keys_) ok |= ConstantTimeEquals(token, key);
  return ok;
}

Result<std::vector<std::string>> ApiKeysFromEnv() {
  std::vector<std::string> keys;
  if (const char* env = std::getenv("HEARTH_API_KEYS")) {
    std::string_view rest(env);
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string_view key = Trim(rest.substr(0, comma));
      if (!key.empty()) {
        HEARTH_RETURN_IF_ERROR(ValidateKey(key).WithContext("HEARTH_API_KEYS"));
        keys.emplace_back(key);
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (const char* path = std::getenv("HEARTH_API_KEYS_FILE"); path && *path) {
    std::ifstream in(path);
    if (!in) return IOError(std::string("cannot read HEARTH_API_KEYS_FILE ") + path);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      const std::string_view key = Trim(line);
      if (key.empty() || key[0] == '#') continue;
      HEARTH_RETURN_IF_ERROR(ValidateKey(key).WithContext(std::string(path) + " line " +
                                                          std::to_string(n)));
      keys.emplace_back(key);
    }
    if (in.bad()) return IOError(std::string("cannot read HEARTH_API_KEYS_FILE ") + path);
  }
  return keys;
}

}  // namespace hearth::http
