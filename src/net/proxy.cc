#include "net/proxy.h"

#include <cctype>
#include <cstdlib>

namespace hearth::net {
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

std::string_view StripBrackets(std::string_view h) {
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') return h.substr(1, h.size() - 2);
  return h;
}

std::string Env(const char* lower, const char* upper) {
  if (const char* v = std::getenv(lower); v != nullptr && *v != '\0') return v;
  if (const char* v = std::getenv(upper); v != nullptr && *v != '\0') return v;
  return "";
}

// Splits a NO_PROXY entry into host and port (0 = none). "[::1]:80", "::1", "host:80", "host".
void SplitEntry(std::string_view entry, std::string_view* host, uint16_t* port) {
  *port = 0;
  *host = entry;
  std::string_view port_text;
  if (!entry.empty() && entry.front() == '[') {
    size_t close = entry.find(']');
    if (close == std::string_view::npos) return;
    *host = entry.substr(1, close - 1);
    if (close + 1 < entry.size() && entry[close + 1] == ':') port_text = entry.substr(close + 2);
  } else if (entry.find(':') == entry.rfind(':') && entry.find(':') != std::string_view::npos) {
    size_t colon = entry.find(':');
    *host = entry.substr(0, colon);
    port_text = entry.substr(colon + 1);
  }
  unsigned value = 0;
  for (char c : port_text) {
    if (!std::isdigit(static_cast<unsigned char>(c)) || value > 65535) return;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value <= 65535) *port = static_cast<uint16_t>(value);
}

}  // namespace

ProxyConfig ProxyConfig::FromEnv() {
  ProxyConfig config;
  config.https_proxy = Env("https_proxy", "HTTPS_PROXY");
  config.http_proxy = Env("http_proxy", "HTTP_PROXY");
  config.no_proxy = Env("no_proxy", "NO_PROXY");
  return config;
}

bool ProxyConfig::Bypass(std::string_view host_in, uint16_t port) const {
  std::string host = Lower(StripBrackets(host_in));
  while (!host.empty() && host.back() == '.') host.pop_back();
  std::string_view list = no_proxy;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view entry = Trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (entry.empty()) continue;
    if (entry == "*") return true;
    std::string_view entry_host;
    uint16_t entry_port = 0;
    SplitEntry(entry, &entry_host, &entry_port);
    if (entry_port != 0 && port != 0 && entry_port != port) continue;
    std::string pattern = Lower(entry_host);
    while (!pattern.empty() && pattern.front() == '*') pattern.erase(0, 1);  // "*.example.com"
    while (!pattern.empty() && pattern.back() == '.') pattern.pop_back();
    bool dotted = !pattern.empty() && pattern.front() == '.';
    std::string bare = dotted ? pattern.substr(1) : pattern;
    if (bare.empty()) continue;
    if (host == bare) return true;
    if (host.size() > bare.size() && host.ends_with(bare) &&
        host[host.size() - bare.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8) |
                 uint8_t(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (size_t left = bytes.size() - i; left > 0) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
    if (left == 2) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += left == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

Result<ProxyEndpoint> ParseProxy(std::string_view text_in) {
  std::string_view text = Trim(text_in);
  std::string url(text);
  size_t sep = text.find("://");
  if (sep == std::string_view::npos) {
    url = "http://" + url;
  } else if (Lower(text.substr(0, sep)) != "http") {
    return InvalidArgument("proxy \"" + std::string(text) +
                           "\": only http:// proxies are supported");
  }
  // Lift user info out before ParseUrl (which refuses it).
  std::string authorization;
  size_t host_start = url.find("://") + 3;
  size_t at = url.find('@', host_start);
  size_t slash = url.find('/', host_start);
  if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
    authorization = "Basic " + Base64(url.substr(host_start, at - host_start));
    url.erase(host_start, at + 1 - host_start);
  }
  Result<Url> parsed = ParseUrl(url);
  if (!parsed.ok()) {
    return InvalidArgument("proxy \"" + std::string(text) + "\": " + parsed.status().message());
  }
  ProxyEndpoint out;
  out.host = parsed->host;
  out.port = parsed->port;
  out.authorization = std::move(authorization);
  return out;
}

Result<std::optional<ProxyEndpoint>> ProxyFor(const ProxyConfig& config, const Url& url) {
  const std::string& proxy = url.https ? config.https_proxy : config.http_proxy;
  if (proxy.empty() || config.Bypass(url.host, url.port)) return std::optional<ProxyEndpoint>();
  HEARTH_ASSIGN_OR_RETURN(ProxyEndpoint endpoint, ParseProxy(proxy));
  return std::optional<ProxyEndpoint>(std::move(endpoint));
}

}  // namespace hearth::net
