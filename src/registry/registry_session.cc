#include "registry/registry_session.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

namespace hearth::registry::internal {
namespace {

constexpr size_t kMaxTokenBody = 64 << 10;
constexpr size_t kMaxToken = 8192;

bool IsTokenChar(char c) {
  // RFC 9110 tchar.
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string Printable(std::string_view s, size_t max) {
  std::string out;
  for (char c : s.substr(0, max)) {
    out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  }
  if (s.size() > max) out += "...";
  return out;
}

}  // namespace

Result<AuthChallenge> ParseChallenge(std::string_view h) {
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < h.size() && (h[i] == ' ' || h[i] == '\t')) ++i;
  };
  skip_ws();
  AuthChallenge c;
  while (i < h.size() && IsTokenChar(h[i])) c.scheme += static_cast<char>(std::tolower(h[i++]));
  if (c.scheme.empty()) return InvalidArgument("WWW-Authenticate header has no scheme");
  std::set<std::string> seen;
  for (;;) {
    skip_ws();
    while (i < h.size() && h[i] == ',') {
      ++i;
      skip_ws();
    }
    if (i >= h.size()) break;
    std::string key;
    while (i < h.size() && IsTokenChar(h[i])) key += static_cast<char>(std::tolower(h[i++]));
    skip_ws();
    if (key.empty() || i >= h.size() || h[i] != '=') {
      return InvalidArgument("malformed WWW-Authenticate parameter near offset " +
                             std::to_string(i));
    }
    ++i;
    skip_ws();
    std::string value;
    if (i < h.size() && h[i] == '"') {
      ++i;
      bool closed = false;
      while (i < h.size()) {
        char ch = h[i++];
        if (ch == '\\' && i < h.size()) {
          value += h[i++];
        } else if (ch == '"') {
          closed = true;
          break;
        } else {
          value += ch;
        }
      }
      if (!closed) return InvalidArgument("unterminated quoted string in WWW-Authenticate");
    } else {
      while (i < h.size() && h[i] != ',' && h[i] != ' ' && h[i] != '\t') value += h[i++];
    }
    skip_ws();
    if (i < h.size() && h[i] != ',') {
      return InvalidArgument("malformed WWW-Authenticate parameter \"" + key + "\"");
    }
    if (!seen.insert(key).second) continue;  // the first value of a repeated parameter wins
    if (key == "realm") c.realm = value;
    if (key == "service") c.service = value;
    if (key == "scope") c.scope = value;
  }
  return c;
}

std::string DescribeHttpError(const curl::Response& r) {
  std::string out = "HTTP " + std::to_string(r.status);
  if (r.body.empty()) return out;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("errors") && j["errors"].is_array()) {
    for (const auto& e : j["errors"]) {
      if (!e.is_object()) continue;
      std::string code =
          e.contains("code") && e["code"].is_string() ? e["code"].get<std::string>() : "";
      std::string msg =
          e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>() : "";
      out += ": " + Printable(code.empty() ? msg : code + ": " + msg, 300);
      return out;
    }
  }
  if (!j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_string()) {
    return out + ": " + Printable(j["error"].get<std::string>(), 300);
  }
  return out + ": " + Printable(r.body, 200);
}

bool Backoff(const RegistryOptions& o, int attempt, const std::atomic<bool>* stop) {
  auto delay = o.retry_backoff * (1 << std::clamp(attempt - 1, 0, 10));
  delay = std::min<std::chrono::milliseconds>(delay, std::chrono::seconds(30));
  const auto end = std::chrono::steady_clock::now() + delay;
  for (;;) {
    if ((o.cancel && o.cancel->IsCancelled()) || (stop && stop->load())) return false;
    const auto now = std::chrono::steady_clock::now();
    if (now >= end) return true;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(end - now, std::chrono::milliseconds(20)));
  }
}

Result<std::unique_ptr<RegistrySession>> RegistrySession::Create(const ModelName& name,
                                                                 const RegistryOptions& options) {
  const std::string scheme = options.insecure ? "http" : "https";
  auto base = curl::ParseUrl(scheme + "://" + name.host + "/");
  if (!base.ok()) return base.status().WithContext("registry host \"" + name.host + "\"");
  return std::unique_ptr<RegistrySession>(
      new RegistrySession(options, std::move(*base), name.ns + "/" + name.model));
}

std::string RegistrySession::RepoUrl(std::string_view suffix) const {
  std::string origin = base_.full.substr(0, base_.full.size() - base_.path_and_query.size());
  return origin + "/v2/" + repo_ + "/" + std::string(suffix);
}

std::unique_ptr<RegistrySession> RegistrySession::WithCancel(const CancelToken* cancel) const {
  RegistryOptions o = options_;
  o.cancel = cancel;
  std::unique_ptr<RegistrySession> s(new RegistrySession(std::move(o), base_, repo_));
  s->SetToken(Token());
  return s;
}

std::string RegistrySession::Token() const {
  std::lock_guard<std::mutex> l(mu_);
  return token_;
}

void RegistrySession::SetToken(std::string token) {
  std::lock_guard<std::mutex> l(mu_);
  token_ = std::move(token);
}

Status RegistrySession::FetchToken(const curl::Response& resp) {
  const std::string origin = base_.Origin();
  auto parsed = ParseChallenge(resp.Header("www-authenticate"));
  if (!parsed.ok()) return DataLoss("registry " + origin + ": " + parsed.status().message());
  const AuthChallenge& c = *parsed;
  if (c.scheme != "bearer") {
    return FailedPrecondition("registry " + origin + " asks for \"" + c.scheme +
                              "\" authentication; only Bearer tokens are supported");
  }
  if (c.realm.empty()) return DataLoss("registry " + origin + ": Bearer challenge has no realm");
  auto realm = curl::ParseUrl(c.realm);
  if (!realm.ok()) return realm.status().WithContext("registry " + origin + ": token realm");
  if (realm->Origin() != origin) {
    return FailedPrecondition("refusing token realm " + realm->Origin() +
                              ": it is not the registry host " + origin);
  }
  if (realm->scheme == "http" && base_.scheme == "https" && !options_.insecure) {
    return FailedPrecondition("refusing token realm over plain http: " + realm->full);
  }
  std::string url = realm->full;
  char sep = url.find('?') == std::string::npos ? '?' : '&';
  if (!c.service.empty()) {
    url += sep + std::string("service=") + curl::QueryEscape(c.service);
    sep = '&';
  }
  size_t start = 0;
  while (start < c.scope.size()) {
    size_t end = c.scope.find(' ', start);
    if (end == std::string::npos) end = c.scope.size();
    if (end > start) {
      url += sep + std::string("scope=") + curl::QueryEscape(c.scope.substr(start, end - start));
      sep = '&';
    }
    start = end + 1;
  }
  curl::Request req;
  req.url = url;
  req.max_body = kMaxTokenBody;
  req.cancel = options_.cancel;
  req.connect_timeout = options_.connect_timeout;
  req.stall_timeout = options_.stall_timeout;
  auto r = curl::Perform(req);
  if (!r.ok()) return r.status().WithContext("token request");
  if (r->status != 200) {
    std::string msg = "token request to " + realm->full + " failed: " + DescribeHttpError(*r);
    return r->status >= 500 ? Unavailable(msg) : FailedPrecondition(msg);
  }
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  std::string token;
  if (!j.is_discarded() && j.is_object()) {
    for (const char* key : {"token", "access_token"}) {
      if (j.contains(key) && j[key].is_string()) {
        token = j[key].get<std::string>();
        break;
      }
    }
  } else {
    return DataLoss("token endpoint " + realm->full + " returned malformed JSON");
  }
  bool valid = !token.empty() && token.size() <= kMaxToken;
  for (char ch : token) valid = valid && ch > 0x20 && ch < 0x7f;
  if (!valid) return DataLoss("token endpoint " + realm->full + " returned no valid token");
  SetToken(std::move(token));
  return Status::Ok();
}

Result<curl::Response> RegistrySession::Send(curl::Request req, bool follow,
                                             std::string* final_url) {
  req.cancel = options_.cancel;
  req.connect_timeout = options_.connect_timeout;
  req.stall_timeout = options_.stall_timeout;
  HEARTH_ASSIGN_OR_RETURN(curl::Url url, curl::ParseUrl(req.url));
  const std::string first = url.full;
  const std::vector<std::string> headers = req.headers;
  std::set<std::string> seen{url.full};
  int redirects = 0;
  bool challenged = false;
  for (;;) {
    req.url = url.full;
    req.headers = headers;
    const bool own = url.Origin() == base_.Origin() && url.scheme == base_.scheme;
    if (own) {
      std::string token = Token();
      if (!token.empty()) req.headers.push_back("Authorization: Bearer " + token);
    }
    HEARTH_ASSIGN_OR_RETURN(curl::Response resp, curl::Perform(req));
    if (resp.status == 401 && own && !challenged && !resp.Header("www-authenticate").empty()) {
      challenged = true;
      HEARTH_RETURN_IF_ERROR(FetchToken(resp));
      continue;
    }
    if (follow && resp.IsRedirect()) {
      const bool any_method = resp.status == 307 || resp.status == 308;
      if (!any_method && req.method != "GET" && req.method != "HEAD") return resp;
      if (++redirects > kMaxRedirects) {
        return FailedPrecondition("too many redirects (more than " + std::to_string(kMaxRedirects) +
                                  ") from " + first);
      }
      const std::string location = resp.Header("location");
      if (location.empty()) {
        return DataLoss("HTTP " + std::to_string(resp.status) + " without a Location header from " +
                        url.full);
      }
      auto next = curl::ResolveUrl(url, location);
      if (!next.ok()) return next.status().WithContext("redirect from " + url.full);
      if (url.scheme == "https" && next->scheme == "http" && !options_.insecure) {
        return FailedPrecondition("refusing redirect from https to http: " + next->full);
      }
      if (!seen.insert(next->full).second) {
        return FailedPrecondition("redirect loop: " + next->full + " was already visited (from " +
                                  first + ")");
      }
      url = std::move(*next);
      continue;
    }
    if (final_url) *final_url = url.full;
    return resp;
  }
}

}  // namespace hearth::registry::internal
