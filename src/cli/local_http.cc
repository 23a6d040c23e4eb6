#include "cli/local_http.h"

#include <curl/curl.h>

#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>

#include "server/server.h"

namespace hearth::cli {
namespace {

size_t Append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

}  // namespace

Result<std::string> ServerUrl() {
  std::string host = "127.0.0.1";
  uint16_t port = server::kDefaultPort;
  if (const char* h = std::getenv("HEARTH_HOST"); h != nullptr && *h != '\0') {
    HEARTH_RETURN_IF_ERROR(server::ParseHostPort(h, &host, &port).WithContext("HEARTH_HOST"));
  }
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port);
}

Result<HttpReply> HttpCall(const std::string& method, const std::string& url,
                           const std::string& body) {
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Internal("curl_easy_init failed");
  HttpReply reply;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_guard(headers, curl_slist_free_all);
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl.get(), CURLOPT_NOPROXY, "*");
  if (!body.empty()) {
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  if (const char* keys = std::getenv("HEARTH_API_KEY"); keys != nullptr && *keys != '\0') {
    curl_easy_setopt(curl.get(), CURLOPT_XOAUTH2_BEARER, keys);
    curl_easy_setopt(curl.get(), CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
  }
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &reply.body);
  const CURLcode rc = curl_easy_perform(curl.get());
  if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
      rc == CURLE_OPERATION_TIMEDOUT) {
    return Status(StatusCode::kUnavailable,
                  "could not connect to hearth server at " + url + ", is it running?");
  }
  if (rc != CURLE_OK) return IOError(std::string(url) + ": " + curl_easy_strerror(rc));
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

std::string ErrorMessage(const HttpReply& reply) {
  const auto j = nlohmann::json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("error") && j["error"].is_string()) {
    return j["error"].get<std::string>();
  }
  if (reply.body.empty()) return "server answered HTTP " + std::to_string(reply.status);
  return reply.body;
}

}  // namespace hearth::cli
