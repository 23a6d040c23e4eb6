#include "net/curl.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <memory>
#include <mutex>

namespace hearth::net::curl {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxErrorBody = 64 << 10;
constexpr size_t kMaxHeaderBytes = 256 << 10;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

struct Transfer {
  const Request* req = nullptr;
  Response resp;
  size_t header_bytes = 0;
  bool headers_too_large = false;
  bool body_too_large = false;
  bool sink_stopped = false;
  bool error_body_cut = false;  // an error body hit its cap: the transfer was stopped
  bool stalled = false;
  bool cancelled = false;
  uint64_t upload_pos = 0;
  Clock::time_point last_activity = Clock::now();
  Clock::time_point last_report;
  curl_off_t last_down = 0, last_up = 0;

  bool Is2xx() const { return resp.status >= 200 && resp.status < 300; }
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  t->last_activity = Clock::now();
  t->header_bytes += len;
  if (t->header_bytes > kMaxHeaderBytes) {
    t->headers_too_large = true;
    return 0;
  }
  std::string_view line(data, len);
  if (line.starts_with("HTTP/")) {
    // A new response (after a 100 Continue, or the first one): forget earlier headers.
    t->resp.headers.clear();
    t->resp.status = 0;
    size_t sp = line.find(' ');
    if (sp != std::string_view::npos) {
      std::string_view code = line.substr(sp + 1, 3);
      long v = 0;
      for (char c : code) {
        if (c < '0' || c > '9') {
          v = 0;
          break;
        }
        v = v * 10 + (c - '0');
      }
      t->resp.status = v;
    }
    return len;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return len;  // blank line ending the header block
  t->resp.headers.emplace_back(Lower(Trim(line.substr(0, colon))),
                               std::string(Trim(line.substr(colon + 1))));
  return len;
}

size_t OnWrite(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  t->last_activity = Clock::now();
  if (t->Is2xx() && t->req->sink) {
    Request::Head head{t->resp.status, &t->resp};
    if (!t->req->sink(head, data, len)) {
      t->sink_stopped = true;
      return 0;
    }
    t->resp.body_bytes += len;
    return len;
  }
  const size_t cap = t->Is2xx() ? t->req->max_body : kMaxErrorBody;
  if (t->resp.body.size() + len > cap) {
    if (t->Is2xx()) {
      t->body_too_large = true;
      return 0;
    }
    // Error bodies only feed messages: keep the head and stop (an endless one must not hang us).
    t->resp.body.append(data, cap - t->resp.body.size());
    t->resp.body_bytes += len;
    t->error_body_cut = true;
    return 0;
  }
  t->resp.body.append(data, len);
  t->resp.body_bytes += len;
  return len;
}

size_t OnRead(char* buffer, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const Request& r = *t->req;
  const size_t want = size * n;
  if (r.body_fd >= 0) {
    if (t->upload_pos >= r.body_size) return 0;
    size_t chunk = static_cast<size_t>(std::min<uint64_t>(want, r.body_size - t->upload_pos));
    ssize_t got;
    do {
      got = ::pread(r.body_fd, buffer, chunk, static_cast<off_t>(r.body_offset + t->upload_pos));
    } while (got < 0 && errno == EINTR);
    if (got <= 0) return CURL_READFUNC_ABORT;  // the file shrank or failed: fail the request
    t->upload_pos += static_cast<uint64_t>(got);
    return static_cast<size_t>(got);
  }
  if (t->upload_pos >= r.body.size()) return 0;
  size_t chunk = std::min<size_t>(want, r.body.size() - t->upload_pos);
  std::copy_n(r.body.data() + t->upload_pos, chunk, buffer);
  t->upload_pos += chunk;
  return chunk;
}

int OnProgress(void* user, curl_off_t, curl_off_t dlnow, curl_off_t, curl_off_t ulnow) {
  auto* t = static_cast<Transfer*>(user);
  const Request& r = *t->req;
  if (r.cancel && r.cancel->IsCancelled()) {
    t->cancelled = true;
    return 1;
  }
  const auto now = Clock::now();
  if (dlnow != t->last_down || ulnow != t->last_up) {
    t->last_down = dlnow;
    t->last_up = ulnow;
    t->last_activity = now;
  }
  if (now - t->last_activity > r.stall_timeout) {
    t->stalled = true;
    return 1;
  }
  if (r.on_progress && now - t->last_report >= std::chrono::milliseconds(100)) {
    t->last_report = now;
    r.on_progress(static_cast<uint64_t>(dlnow), static_cast<uint64_t>(ulnow));
  }
  return 0;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

std::string Describe(const Request& r) { return r.method + " " + r.url; }

Result<Url> FromHandle(CURLU* u) {
  auto get = [&](CURLUPart part, unsigned flags, std::string* out) -> bool {
    char* v = nullptr;
    if (curl_url_get(u, part, &v, flags) != CURLUE_OK) return false;
    *out = v;
    curl_free(v);
    return true;
  };
  Url url;
  std::string port, path, query, user;
  if (!get(CURLUPART_SCHEME, 0, &url.scheme)) return InvalidArgument("URL has no scheme");
  url.scheme = Lower(url.scheme);
  if (url.scheme != "http" && url.scheme != "https") {
    return InvalidArgument("unsupported URL scheme \"" + url.scheme + "\" (only http and https)");
  }
  if (get(CURLUPART_USER, 0, &user)) return InvalidArgument("URL carries credentials");
  if (!get(CURLUPART_HOST, 0, &url.host) || url.host.empty()) {
    return InvalidArgument("URL has no host");
  }
  url.host = Lower(url.host);
  if (!get(CURLUPART_PORT, CURLU_DEFAULT_PORT, &port)) return InvalidArgument("URL has no port");
  url.port = std::atoi(port.c_str());
  if (url.port <= 0 || url.port > 65535) return InvalidArgument("URL port out of range");
  if (!get(CURLUPART_PATH, 0, &path) || path.empty()) path = "/";
  url.path_and_query = path;
  if (get(CURLUPART_QUERY, 0, &query) && !query.empty()) url.path_and_query += "?" + query;
  const bool default_port =
      (url.scheme == "http" && url.port == 80) || (url.scheme == "https" && url.port == 443);
  url.full = url.scheme + "://" + url.host + (default_port ? "" : ":" + std::to_string(url.port)) +
             url.path_and_query;
  return url;
}

}  // namespace

std::string Response::Header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return "";
}

bool Response::IsRedirect() const {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string Url::Origin() const { return host + ":" + std::to_string(port); }

Result<Url> ParseUrl(std::string_view text) {
  GlobalInit();
  if (text.size() > 8192) return InvalidArgument("URL is longer than 8192 bytes");
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (!u) return Internal("curl_url failed");
  std::string s(text);
  CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, s.c_str(), 0);
  if (rc != CURLUE_OK) {
    return InvalidArgument("malformed URL \"" + s + "\": " + curl_url_strerror(rc));
  }
  return FromHandle(u.get());
}

Result<Url> ResolveUrl(const Url& base, std::string_view location) {
  GlobalInit();
  if (location.empty()) return InvalidArgument("empty redirect location");
  if (location.size() > 8192) return InvalidArgument("redirect location longer than 8192 bytes");
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (!u) return Internal("curl_url failed");
  if (curl_url_set(u.get(), CURLUPART_URL, base.full.c_str(), 0) != CURLUE_OK) {
    return InvalidArgument("malformed base URL " + base.full);
  }
  std::string loc(location);
  CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, loc.c_str(), 0);
  if (rc != CURLUE_OK) {
    return InvalidArgument("malformed redirect location \"" + loc + "\": " + curl_url_strerror(rc));
  }
  return FromHandle(u.get());
}

std::string QueryEscape(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Result<Response> Perform(const Request& req) {
  GlobalInit();
  HEARTH_ASSIGN_OR_RETURN(Url url, ParseUrl(req.url));
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Internal("curl_easy_init failed");
  CURL* c = curl.get();
  Transfer t;
  t.req = &req;
  char errbuf[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(c, CURLOPT_URL, url.full.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "hearth/0.1");
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnWrite);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);

  const bool has_body = req.body_fd >= 0 || !req.body.empty() || req.method == "POST" ||
                        req.method == "PUT" || req.method == "PATCH";
  if (req.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (has_body) {
    const uint64_t size = req.body_fd >= 0 ? req.body_size : req.body.size();
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, OnRead);
    curl_easy_setopt(c, CURLOPT_READDATA, &t);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  } else if (req.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }

  curl_slist* list = nullptr;
  for (const std::string& h : req.headers) {
    if (h.find_first_of("\r\n") != std::string::npos) {
      curl_slist_free_all(list);
      return InvalidArgument("header with a line break refused");
    }
    list = curl_slist_append(list, h.c_str());
  }
  // Never wait a second for "100 Continue" before an upload.
  if (has_body) list = curl_slist_append(list, "Expect:");
  std::unique_ptr<curl_slist, SlistDeleter> headers(list);
  if (list) curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);

  t.last_activity = Clock::now();
  CURLcode rc = curl_easy_perform(c);
  if (req.on_progress) {
    curl_off_t down = 0, up = 0;
    curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &down);
    curl_easy_getinfo(c, CURLINFO_SIZE_UPLOAD_T, &up);
    req.on_progress(static_cast<uint64_t>(down), static_cast<uint64_t>(up));
  }
  const std::string what = Describe(req);
  if (rc == CURLE_OK) return std::move(t.resp);
  if (t.cancelled) return Cancelled(what + ": cancelled");
  if (t.stalled) {
    const auto ms = req.stall_timeout.count();
    return Status(StatusCode::kUnavailable, what + ": stalled (no data for " +
                                                std::to_string(ms / 1000) + "." +
                                                std::to_string(ms % 1000 / 100) + "s)");
  }
  if (t.error_body_cut) return std::move(t.resp);
  if (t.sink_stopped) {
    if (req.sink_error && !req.sink_error->ok()) return *req.sink_error;
    return std::move(t.resp);
  }
  if (t.body_too_large) {
    return ResourceExhausted(what + ": response body is larger than " +
                             std::to_string(req.max_body) + " bytes");
  }
  if (t.headers_too_large) return ResourceExhausted(what + ": response headers are too large");
  std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return InvalidArgument(what + ": " + detail);
    case CURLE_READ_ERROR:
    case CURLE_ABORTED_BY_CALLBACK:
      return IOError(what + ": reading the request body failed: " + detail);
    default:
      return Status(StatusCode::kUnavailable, what + ": " + detail);
  }
}

}  // namespace hearth::net::curl
