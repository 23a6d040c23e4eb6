#include "http/http.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace hearth::http {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void Headers::Add(std::string_view name, std::string_view value) {
  std::string key = Lower(name);
  for (auto& [k, v] : fields_) {
    if (k == key) {
      v += ", ";
      v += value;
      return;
    }
  }
  fields_.emplace_back(std::move(key), std::string(value));
}

std::optional<std::string> Headers::Get(std::string_view name) const {
  const std::string key = Lower(name);
  for (const auto& [k, v] : fields_) {
    if (k == key) return v;
  }
  return std::nullopt;
}

const std::string& Request::Param(std::string_view name) const {
  static const std::string kEmpty;
  auto it = params.find(name);
  return it == params.end() ? kEmpty : it->second;
}

Response Response::Text(int status, std::string text) {
  Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(text);
  return r;
}

Response Response::Json(int status, std::string json_text) {
  Response r;
  r.status = status;
  r.content_type = "application/json; charset=utf-8";
  r.body = std::move(json_text);
  return r;
}

Response Response::Empty(int status) {
  Response r;
  r.status = status;
  return r;
}

Response& Response::Header(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kFailedPrecondition: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kResourceExhausted: return 503;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kCancelled: return 499;
    case StatusCode::kDataLoss:
    case StatusCode::kIOError:
    case StatusCode::kInternal: return 500;
    case StatusCode::kDeadlineExceeded: return 504;
    case StatusCode::kPermissionDenied: return 403;
  }
  return 500;
}

std::string ErrorBody(std::string_view path, int http_status, std::string_view message) {
  // dump() with the replace handler never throws on invalid UTF-8 in `message`.
  const std::string text(message);
  if (path.substr(0, 4) == "/v1/") {
    const char* type = http_status == 404   ? "not_found_error"
                       : http_status == 401 ? "authentication_error"
                       : http_status < 500  ? "invalid_request_error"
                                            : "api_error";
    nlohmann::json e = {{"message", text}, {"type", type}, {"param", nullptr}, {"code", nullptr}};
    return nlohmann::json{{"error", e}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return nlohmann::json{{"error", text}}.dump(-1, ' ', false,
                                              nlohmann::json::error_handler_t::replace);
}

Response ErrorResponse(std::string_view path, int http_status, std::string_view message) {
  return Response::Json(http_status, ErrorBody(path, http_status, message));
}

Response ErrorResponse(std::string_view path, const Status& status) {
  return ErrorResponse(path, HttpStatusFor(status.code()), status.message());
}

Result<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return InvalidArgument("malformed percent-escape in request path");
      }
      const int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return InvalidArgument("malformed percent-escape in request path");
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return InvalidArgument("NUL byte in request path");
    out.push_back(c);
  }
  return out;
}

}  // namespace hearth::http
