#include "cli/api_client.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "http/server.h"
#include "net/curl.h"

namespace hearth::cli {
namespace {

using nlohmann::json;
namespace curl = net::curl;

// One NDJSON line may carry a large error message; nothing legitimate is bigger than this.
constexpr size_t kMaxLine = 1 << 20;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::vector<std::string> Headers(const std::string& api_key, bool json_body) {
  std::vector<std::string> h = {"Accept: application/json"};
  if (json_body) h.push_back("Content-Type: application/json");
  if (!api_key.empty()) h.push_back("Authorization: Bearer " + api_key);
  return h;
}

}  // namespace

Result<std::string> ServerUrl(std::string_view host_env) {
  std::string_view rest = host_env;
  std::string scheme = "http";
  if (rest.rfind("http://", 0) == 0) {
    rest.remove_prefix(7);
  } else if (rest.rfind("https://", 0) == 0) {
    scheme = "https";
    rest.remove_prefix(8);
  } else if (rest.find("://") != std::string_view::npos) {
    return InvalidArgument("HEARTH_HOST: unsupported scheme in \"" + std::string(host_env) + "\"");
  }
  std::string host;
  uint16_t port = 0;
  HEARTH_RETURN_IF_ERROR(http::ParseHostPort(host_env, &host, &port).WithContext("HEARTH_HOST"));
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return scheme + "://" + host + ":" + std::to_string(port);
}

Status StatusFromHttp(long http_status, std::string_view body) {
  std::string message;
  json j = json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error")) {
    const json& e = j["error"];
    if (e.is_string()) message = e.get<std::string>();
    // OpenAI-shaped errors: {"error": {"message": ...}}
    if (e.is_object() && e.contains("message") && e["message"].is_string()) message = e["message"];
  }
  if (message.empty()) message = "HTTP " + std::to_string(http_status);
  StatusCode code = StatusCode::kInternal;
  switch (http_status) {
    case 400:
      code = StatusCode::kInvalidArgument;
      break;
    case 401:
    case 403:
      code = StatusCode::kFailedPrecondition;
      break;
    case 404:
      code = StatusCode::kNotFound;
      break;
    case 409:
      code = StatusCode::kAlreadyExists;
      break;
    case 413:
      code = StatusCode::kResourceExhausted;
      break;
    case 499:
      code = StatusCode::kCancelled;
      break;
    case 429:
    case 503:
      code = StatusCode::kUnavailable;
      break;
    default:
      break;
  }
  return Status(code, message);
}

ApiClient::ApiClient(std::string base_url, std::string api_key)
    : base_url_(std::move(base_url)), api_key_(std::move(api_key)) {}

Result<std::optional<ApiClient>> ApiClient::ConnectFromEnv(int probe_timeout_ms) {
  const char* host = std::getenv("HEARTH_HOST");
  HEARTH_ASSIGN_OR_RETURN(std::string url, ServerUrl(host ? host : ""));
  const char* key = std::getenv("HEARTH_API_KEY");
  ApiClient client(url, key ? key : "");
  curl::Request req;
  req.url = url + "/api/version";
  req.headers = Headers(client.api_key_, false);
  req.connect_timeout = std::chrono::milliseconds(probe_timeout_ms);
  req.stall_timeout = std::chrono::milliseconds(probe_timeout_ms);
  req.max_body = 64 << 10;
  auto resp = curl::Perform(req);
  if (!resp.ok()) {
    // Nothing listens (or nothing answers): the caller works on the store directly.
    if (resp.status().code() == StatusCode::kUnavailable) return std::optional<ApiClient>();
    return resp.status();
  }
  if (resp->status == 401 || resp->status == 403) {
    return StatusFromHttp(resp->status, resp->body)
        .WithContext("server at " + url + " refused the API key (set HEARTH_API_KEY)");
  }
  return std::optional<ApiClient>(std::move(client));
}

Result<json> ApiClient::Call(std::string_view method, std::string_view path,
                             const json& body) const {
  curl::Request req;
  req.method = std::string(method);
  req.url = base_url_ + std::string(path);
  req.headers = Headers(api_key_, !body.is_null());
  if (!body.is_null()) req.body = Dump(body);
  req.max_body = 64 << 20;  // /api/show -v of a large model carries every tensor
  req.stall_timeout = std::chrono::minutes(5);
  HEARTH_ASSIGN_OR_RETURN(curl::Response resp, curl::Perform(req));
  if (resp.status < 200 || resp.status > 299) return StatusFromHttp(resp.status, resp.body);
  if (resp.body.empty()) return json();
  json j = json::parse(resp.body, nullptr, false);
  if (j.is_discarded()) {
    return DataLoss(std::string(method) + " " + std::string(path) + ": invalid JSON from server");
  }
  return j;
}

Status ApiClient::Stream(std::string_view path, const json& body,
                         const std::function<Status(const json&)>& on_message,
                         const CancelToken* cancel) const {
  curl::Request req;
  req.method = "POST";
  req.url = base_url_ + std::string(path);
  req.headers = Headers(api_key_, true);
  req.body = Dump(body);
  req.cancel = cancel;
  // The server reports progress as bytes move; its own retries may pause that for a while.
  req.stall_timeout = std::chrono::minutes(10);
  std::string pending;
  Status failure;
  auto line = [&](std::string_view text) -> bool {
    if (text.find_first_not_of(" \t\r") == std::string_view::npos) return true;
    json j = json::parse(text, nullptr, false);
    if (!j.is_object()) {
      failure =
          DataLoss("invalid progress message from server: " + std::string(text.substr(0, 200)));
      return false;
    }
    if (j.contains("error")) {
      failure = StatusFromHttp(500, text);
      return false;
    }
    failure = on_message(j);
    return failure.ok();
  };
  req.sink_error = &failure;
  req.sink = [&](const curl::Request::Head&, const char* data, size_t size) {
    pending.append(data, size);
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      if (!line(std::string_view(pending).substr(start, nl - start))) return false;
    }
    pending.erase(0, start);
    if (pending.size() > kMaxLine) {
      failure = ResourceExhausted("progress message from server over 1 MiB");
      return false;
    }
    return true;
  };
  auto resp = curl::Perform(req);
  if (!failure.ok()) return failure;
  if (!resp.ok()) return resp.status();
  if (resp->status < 200 || resp->status > 299) return StatusFromHttp(resp->status, resp->body);
  if (!pending.empty() && !line(pending)) return failure;
  return Status();
}

Result<bool> ApiClient::HasBlob(const store::Digest& digest) const {
  curl::Request req;
  req.method = "HEAD";
  req.url = base_url_ + "/api/blobs/" + digest.ToString();
  req.headers = Headers(api_key_, false);
  HEARTH_ASSIGN_OR_RETURN(curl::Response resp, curl::Perform(req));
  if (resp.status == 200) return true;
  if (resp.status == 404) return false;
  return StatusFromHttp(resp.status, resp.body);
}

Status ApiClient::UploadBlob(const store::Digest& digest, const std::string& path,
                             const CancelToken* cancel) const {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IOError("cannot open " + path);
  struct stat st = {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return IOError("cannot stat " + path);
  }
  curl::Request req;
  req.method = "POST";
  req.url = base_url_ + "/api/blobs/" + digest.ToString();
  req.headers = Headers(api_key_, false);
  req.headers.push_back("Content-Type: application/octet-stream");
  req.body_fd = fd;
  req.body_size = static_cast<uint64_t>(st.st_size);
  req.cancel = cancel;
  req.stall_timeout = std::chrono::minutes(5);
  auto resp = curl::Perform(req);
  ::close(fd);
  if (!resp.ok()) return resp.status();
  if (resp->status != 200 && resp->status != 201) return StatusFromHttp(resp->status, resp->body);
  return Status();
}

}  // namespace hearth::cli
