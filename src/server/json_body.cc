#include "server/json_body.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hearth::server {
namespace {

// Collects the parser's first error without throwing (nlohmann's SAX interface).
struct ErrorSax : nlohmann::json::json_sax_t {
  std::string error;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::json::exception& e) override {
    error = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: ..." -> the text.
    if (const size_t close = error.find("] "); close != std::string::npos && error[0] == '[') {
      error = error.substr(close + 2);
    }
    return false;
  }
};

// The deepest nesting of arrays and objects in `text`, counted outside strings; stops counting
// once `limit` is exceeded.
int NestingDepth(std::string_view text, int limit) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
      if (max_depth > limit) return max_depth;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max_depth;
}

Status TypeError(std::string_view field, const char* want, const nlohmann::json& got) {
  return InvalidArgument("invalid value for \"" + std::string(field) + "\": expected " + want +
                         ", got " + JsonTypeName(got));
}

}  // namespace

const char* JsonTypeName(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return "boolean";
    case nlohmann::json::value_t::string: return "string";
    case nlohmann::json::value_t::array: return "array";
    case nlohmann::json::value_t::object: return "object";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float: return "number";
    default: return "unknown";
  }
}

Result<JsonBody> JsonBody::Parse(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return InvalidArgument("missing request body");
  }
  // Deep nesting is never legitimate here and would make later recursive walks dangerous.
  if (NestingDepth(body, kMaxJsonDepth) > kMaxJsonDepth) {
    return InvalidArgument("invalid JSON: nested more than " + std::to_string(kMaxJsonDepth) +
                           " levels deep");
  }
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    ErrorSax sax;
    nlohmann::json::sax_parse(body, &sax, nlohmann::json::input_format_t::json, true, false);
    return InvalidArgument("invalid JSON: " + (sax.error.empty() ? "syntax error" : sax.error));
  }
  if (!j.is_object()) {
    return InvalidArgument(std::string("request body must be a JSON object, got ") +
                           JsonTypeName(j));
  }
  return JsonBody(std::move(j));
}

const nlohmann::json* JsonBody::Find(std::string_view field) const {
  auto it = json_.find(field);
  if (it == json_.end() || it->is_null()) return nullptr;
  return &*it;
}

bool JsonBody::Has(std::string_view field) const { return Find(field) != nullptr; }

Status JsonBody::String(std::string_view field, std::string* out) const {
  const nlohmann::json* v = Find(field);
  if (!v) return Status::Ok();
  if (!v->is_string()) return TypeError(field, "string", *v);
  *out = v->get_ref<const std::string&>();
  return Status::Ok();
}

Status JsonBody::Bool(std::string_view field, bool* out) const {
  const nlohmann::json* v = Find(field);
  if (!v) return Status::Ok();
  if (!v->is_boolean()) return TypeError(field, "boolean", *v);
  *out = v->get<bool>();
  return Status::Ok();
}

Status JsonBody::Int(std::string_view field, int64_t* out) const {
  const nlohmann::json* v = Find(field);
  if (!v) return Status::Ok();
  if (v->is_number_unsigned()) {
    const uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return InvalidArgument("invalid value for \"" + std::string(field) + "\": out of range");
    }
    *out = static_cast<int64_t>(u);
    return Status::Ok();
  }
  if (v->is_number_integer()) {
    *out = v->get<int64_t>();
    return Status::Ok();
  }
  if (v->is_number_float()) {
    const double d = v->get<double>();
    if (std::floor(d) == d && std::fabs(d) < 9.2e18) {
      *out = static_cast<int64_t>(d);
      return Status::Ok();
    }
    return InvalidArgument("invalid value for \"" + std::string(field) +
                           "\": expected an integer, got " + v->dump());
  }
  return TypeError(field, "integer", *v);
}

Status JsonBody::Object(std::string_view field, const nlohmann::json** out) const {
  const nlohmann::json* v = Find(field);
  if (!v) return Status::Ok();
  if (!v->is_object()) return TypeError(field, "object", *v);
  *out = v;
  return Status::Ok();
}

Status JsonBody::StringMap(std::string_view field, std::map<std::string, std::string>* out) const {
  const nlohmann::json* v = Find(field);
  if (!v) return Status::Ok();
  if (!v->is_object()) return TypeError(field, "object", *v);
  for (const auto& [key, value] : v->items()) {
    if (!value.is_string()) return TypeError(std::string(field) + "." + key, "string", value);
    (*out)[key] = value.get<std::string>();
  }
  return Status::Ok();
}

}  // namespace hearth::server
