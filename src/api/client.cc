#include "api/client.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "chat/parameters.h"

namespace hearth::api {

StatusCode CodeForHttpStatus(int s) {
  if (s == 400 || s == 422) return StatusCode::kInvalidArgument;
  if (s == 401 || s == 403) return StatusCode::kPermissionDenied;
  if (s == 404) return StatusCode::kNotFound;
  if (s == 408) return StatusCode::kDeadlineExceeded;
  if (s == 402 || s == 413 || s == 429) return StatusCode::kResourceExhausted;
  if (s == 409) return StatusCode::kFailedPrecondition;
  if (s >= 500 && s <= 599) return StatusCode::kUnavailable;
  if (s >= 400 && s <= 499) return StatusCode::kInvalidArgument;
  return StatusCode::kInternal;
}

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil algorithm).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int MonthIndex(const char* name) {
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i) {
    if (std::strcmp(name, kMonths[i]) == 0) return i + 1;
  }
  return 0;
}

// Seconds since the epoch of an HTTP-date, or nullopt.
std::optional<int64_t> ParseHttpDate(const std::string& s) {
  int day = 0, year = 0, hh = 0, mm = 0, ss = 0, n = 0;
  char mon[4] = {};
  bool parsed = false;
  if (std::sscanf(s.c_str(), "%*[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d GMT%n", &day, mon, &year,
                  &hh, &mm, &ss, &n) == 6 &&
      static_cast<size_t>(n) == s.size()) {
    parsed = true;  // IMF-fixdate
  } else if (n = 0; std::sscanf(s.c_str(), "%*[A-Za-z], %2d-%3[A-Za-z]-%2d %2d:%2d:%2d GMT%n", &day,
                                mon, &year, &hh, &mm, &ss, &n) == 6 &&
                    static_cast<size_t>(n) == s.size()) {
    year += year < 70 ? 2000 : 1900;  // RFC 850's two-digit year
    parsed = true;
  } else if (n = 0; std::sscanf(s.c_str(), "%*3[A-Za-z] %3[A-Za-z] %2d %2d:%2d:%2d %4d%n", mon,
                                &day, &hh, &mm, &ss, &year, &n) == 6 &&
                    static_cast<size_t>(n) == s.size()) {
    parsed = true;  // asctime
  }
  if (!parsed) return std::nullopt;
  const int month = MonthIndex(mon);
  if (month == 0 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 || year < 1900 || hh < 0 ||
      mm < 0 || ss < 0) {
    return std::nullopt;
  }
  return DaysFromCivil(year, month, day) * 86400 + hh * 3600 + mm * 60 + ss;
}

std::string Trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r'))
    v.remove_suffix(1);
  return std::string(v);
}

}  // namespace

int64_t ParseRetryAfterMs(std::string_view value, std::chrono::system_clock::time_point now) {
  const std::string s = Trim(value);
  if (s.empty()) return -1;
  if (s[0] >= '0' && s[0] <= '9') {
    // delay-seconds (a fraction is accepted: some servers send "0.5").
    double secs = 0;
    size_t i = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      secs = secs * 10 + (s[i] - '0');
      ++i;
    }
    if (i < s.size() && s[i] == '.') {
      double scale = 0.1;
      for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, scale /= 10) {
        secs += (s[i] - '0') * scale;
      }
    }
    if (i != s.size() || secs > 1e9) return -1;
    return static_cast<int64_t>(std::llround(secs * 1000));
  }
  const auto when = ParseHttpDate(s);
  if (!when) return -1;
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const int64_t delta = *when * 1000 - now_ms;
  return delta < 0 ? 0 : delta;
}

Status UpstreamError(std::string_view provider, int http_status, std::string_view message,
                     std::string kind, int64_t retry_after_ms,
                     std::optional<StatusCode> code_override) {
  std::string text(message);
  if (text.empty()) text = "HTTP " + std::to_string(http_status);
  if (text.size() > 500) text = text.substr(0, 500) + "...";
  if (kind.empty() && http_status == 429) kind = "rate_limit";
  const StatusCode code = code_override.value_or(CodeForHttpStatus(http_status));
  return Status(code,
                std::string(provider) + " (HTTP " + std::to_string(http_status) + "): " + text)
      .WithUpstream({http_status, retry_after_ms, std::move(kind)});
}

Status ContentPolicyStop(std::string_view provider, std::string_view detail) {
  return PermissionDenied(std::string(provider) + ": " + std::string(detail))
      .WithUpstream({0, -1, "content_policy"});
}

Status Unsupported(std::string_view what, std::string_view provider) {
  return InvalidArgument(std::string(what) + " is not supported by provider " +
                         std::string(provider));
}

Result<OrderedJson> ParseUpstreamJson(std::string_view text, std::string_view dialect,
                                      std::string_view what) {
  OrderedJson j = OrderedJson::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return DataLoss(std::string(dialect) + ": malformed JSON in " + std::string(what));
  }
  return j;
}

const OrderedJson* UpstreamReader::Get(const OrderedJson& obj, std::string_view key) const {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(std::string(key));
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

void UpstreamReader::Fail(std::string message) {
  if (status_.ok()) status_ = DataLoss(dialect_ + " response: " + std::move(message));
}

const OrderedJson* UpstreamReader::Typed(const OrderedJson&, std::string_view key, bool ok_type,
                                         const OrderedJson* v, const char* expected) {
  if (v == nullptr) return nullptr;
  if (!ok_type) {
    const char* got = v->is_string()    ? "string"
                      : v->is_number()  ? "number"
                      : v->is_boolean() ? "boolean"
                      : v->is_array()   ? "array"
                      : v->is_object()  ? "object"
                                        : "null";
    Fail("field '" + std::string(key) + "' must be " + expected + ", got " + got);
    return nullptr;
  }
  return v;
}

std::string UpstreamReader::String(const OrderedJson& obj, std::string_view key) {
  const OrderedJson* v = Get(obj, key);
  v = Typed(obj, key, v != nullptr && v->is_string(), v, "a string");
  return v == nullptr ? std::string() : v->get<std::string>();
}

int64_t UpstreamReader::Int(const OrderedJson& obj, std::string_view key) {
  const OrderedJson* v = Get(obj, key);
  v = Typed(obj, key, v != nullptr && v->is_number(), v, "a number");
  if (v == nullptr) return 0;
  // Unsigned first: nlohmann's is_number_integer() is true for unsigned values too.
  if (v->is_number_unsigned()) {
    const uint64_t u = v->get<uint64_t>();
    return u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
               ? std::numeric_limits<int64_t>::max()
               : static_cast<int64_t>(u);
  }
  if (v->is_number_integer()) return v->get<int64_t>();
  const double d = v->get<double>();
  if (!std::isfinite(d) || std::fabs(d) > 9.0e18) return 0;
  return static_cast<int64_t>(d);
}

double UpstreamReader::Number(const OrderedJson& obj, std::string_view key) {
  const OrderedJson* v = Get(obj, key);
  v = Typed(obj, key, v != nullptr && v->is_number(), v, "a number");
  return v == nullptr ? 0.0 : v->get<double>();
}

bool UpstreamReader::Bool(const OrderedJson& obj, std::string_view key) {
  const OrderedJson* v = Get(obj, key);
  v = Typed(obj, key, v != nullptr && v->is_boolean(), v, "a boolean");
  return v != nullptr && v->get<bool>();
}

const OrderedJson* UpstreamReader::Array(const OrderedJson& obj, std::string_view key) {
  const OrderedJson* v = Get(obj, key);
  return Typed(obj, key, v != nullptr && v->is_array(), v, "an array");
}

const OrderedJson* UpstreamReader::Object(const OrderedJson& obj, std::string_view key) {
  const OrderedJson* v = Get(obj, key);
  return Typed(obj, key, v != nullptr && v->is_object(), v, "an object");
}

std::string NormalizeArguments(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return "{}";
  const OrderedJson j = OrderedJson::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::string(text);
  return Dump(j);
}

const chat::ParameterValue* FoldedOptions::Find(std::string_view name) const {
  for (const auto& s : scalars) {
    if (s.first == name) return &s.second;
  }
  return nullptr;
}

bool IsIgnoredRemoteOption(std::string_view name) {
  for (std::string_view n : {"num_ctx", "num_batch", "num_gpu", "main_gpu", "use_mmap",
                             "num_thread", "draft_num_predict", "num_keep"}) {
    if (n == name) return true;
  }
  return false;
}

FoldedOptions FoldOptions(const std::vector<chat::OptionSetting>& options) {
  FoldedOptions out;
  for (const auto& [name, value] : options) {
    if (name == "stop") {
      out.stop.push_back(value.s);
      continue;
    }
    bool replaced = false;
    for (auto& s : out.scalars) {
      if (s.first == name) {
        s.second = value;
        replaced = true;
      }
    }
    if (!replaced) out.scalars.emplace_back(name, value);
  }
  return out;
}

OrderedJson OptionJson(const chat::ParameterValue& v) {
  switch (v.type) {
    case chat::ParameterType::kInt:
      return v.i;
    case chat::ParameterType::kBool:
      return v.b;
    case chat::ParameterType::kStringList:
      return v.s;
    case chat::ParameterType::kFloat:
      break;
  }
  // The shortest decimal that reads back as the same float32 (0.2, not 0.20000000298023224).
  const float f = static_cast<float>(v.f);
  if (!std::isfinite(f)) return 0;
  char buf[32];
  for (int precision = 1; precision <= 9; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, static_cast<double>(f));
    const double d = std::strtod(buf, nullptr);
    if (static_cast<float>(d) == f) return d;
  }
  return static_cast<double>(f);
}

Result<std::vector<chat::Message>> ResolveToolCallIds(const std::vector<chat::Message>& messages,
                                                      std::string_view provider,
                                                      bool ids_required) {
  std::vector<chat::Message> out = messages;
  struct Pending {
    std::string id, name;
  };
  std::vector<Pending> pending;  // calls of the latest assistant turn not yet answered
  for (size_t i = 0; i < out.size(); ++i) {
    chat::Message& m = out[i];
    if (m.role == "assistant") {
      pending.clear();
      for (size_t j = 0; j < m.tool_calls.size(); ++j) {
        if (m.tool_calls[j].id.empty()) {
          m.tool_calls[j].id = "call_" + std::to_string(i) + "_" + std::to_string(j);
        }
        pending.push_back({m.tool_calls[j].id, m.tool_calls[j].name});
      }
      continue;
    }
    if (m.role != "tool") continue;
    size_t match = pending.size();
    for (size_t k = 0; k < pending.size() && match == pending.size(); ++k) {
      if (!m.tool_call_id.empty()) {
        if (pending[k].id == m.tool_call_id) match = k;
      } else if (!m.tool_name.empty() && pending[k].name == m.tool_name) {
        match = k;
      }
    }
    if (match == pending.size() && m.tool_call_id.empty() && m.tool_name.empty() &&
        pending.size() == 1) {
      match = 0;
    }
    if (match < pending.size()) {
      if (m.tool_call_id.empty()) m.tool_call_id = pending[match].id;
      if (m.tool_name.empty()) m.tool_name = pending[match].name;
      pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(match));
    } else if (m.tool_call_id.empty() && ids_required) {
      return InvalidArgument("messages[" + std::to_string(i) +
                             "].tool_call_id: a tool result that answers no earlier tool call "
                             "is not supported by provider " +
                             std::string(provider));
    }
  }
  return out;
}

int ImageCarrier(const std::vector<chat::Message>& messages) {
  for (size_t i = messages.size(); i-- > 0;) {
    if (messages[i].role == "user") return static_cast<int>(i);
  }
  return -1;
}

const char* ImageMimeType(std::string_view b) {
  if (b.size() >= 8 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) {
    return "image/png";
  }
  if (b.size() >= 3 && b.substr(0, 3) == "\xFF\xD8\xFF") return "image/jpeg";
  if (b.size() >= 4 && b.substr(0, 4) == "GIF8") return "image/gif";
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") return "image/webp";
  return "image/jpeg";
}

Result<OrderedJson> JsonObjectField(const std::string& text, std::string_view field) {
  const OrderedJson j = OrderedJson::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return ValueError(field, "must be a JSON object");
  return j;
}

Result<OrderedJson> ToolSchema(const chat::Tool& tool, size_t index) {
  if (tool.parameters_json.empty()) {
    return OrderedJson{{"type", "object"}, {"properties", OrderedJson::object()}};
  }
  return JsonObjectField(tool.parameters_json, IndexPath("tools", index) + ".parameters");
}

}  // namespace hearth::api
