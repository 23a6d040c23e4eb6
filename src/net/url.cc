#include "net/url.h"

#include <cctype>

namespace hearth::net {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status Bad(std::string_view url, std::string_view why) {
  return InvalidArgument("invalid URL \"" + std::string(url) + "\": " + std::string(why));
}

bool HostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

}  // namespace

std::string BracketHost(std::string_view host) {
  if (host.find(':') != std::string_view::npos) return "[" + std::string(host) + "]";
  return std::string(host);
}

std::string Url::HostHeader() const {
  if (port == (https ? 443 : 80)) return BracketHost(host);
  return Authority();
}

std::string Url::Authority() const { return BracketHost(host) + ":" + std::to_string(port); }

std::string Url::PoolKey() const { return (https ? "https://" : "http://") + Authority(); }

Result<Url> ParseUrl(std::string_view url) {
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return Bad(url, "contains a space or control character");
    }
  }
  Url out;
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return Bad(url, "no scheme (want http:// or https://)");
  std::string scheme = Lower(url.substr(0, sep));
  if (scheme == "https") {
    out.https = true;
  } else if (scheme != "http") {
    return Bad(url, "unsupported scheme \"" + scheme + "\" (want http or https)");
  }
  std::string_view rest = url.substr(sep + 3);
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (authority.find('@') != std::string_view::npos) {
    return Bad(url, "user info in URLs is not supported (send an Authorization header)");
  }
  std::string_view host, port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Bad(url, "unterminated IPv6 literal");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Bad(url, "junk after the IPv6 literal");
      port = after.substr(1);
      if (port.empty()) return Bad(url, "empty port");
    }
    if (host.empty()) return Bad(url, "empty IPv6 literal");
    for (char c : host) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') {
        return Bad(url, "bad IPv6 literal");
      }
    }
  } else {
    size_t colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return Bad(url, "empty port");
    }
    for (char c : host) {
      if (!HostChar(c)) return Bad(url, "bad character in host");
    }
  }
  if (host.empty()) return Bad(url, "no host");
  out.host = Lower(host);
  if (port.empty()) {
    out.port = out.https ? 443 : 80;
  } else {
    if (port.size() > 5) return Bad(url, "bad port");
    unsigned value = 0;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return Bad(url, "bad port");
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) return Bad(url, "port out of range");
    out.port = static_cast<uint16_t>(value);
  }
  std::string_view target = tail.substr(0, tail.find('#'));
  if (target.empty()) {
    out.target = "/";
  } else if (target.front() == '?') {
    out.target = "/" + std::string(target);
  } else {
    out.target = std::string(target);
  }
  return out;
}

}  // namespace hearth::net
