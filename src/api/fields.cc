#include "api/fields.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hearth::api {
namespace {

// Collects the parser's first error without throwing (nlohmann's SAX interface).
struct ErrorSax : Json::json_sax_t {
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
  bool parse_error(std::size_t, const std::string&, const Json::exception& e) override {
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

}  // namespace

Result<Json> ParseRequestBody(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return InvalidArgument("missing request body");
  }
  // Deep nesting is never legitimate here and would make later recursive walks dangerous.
  if (NestingDepth(body, kMaxJsonDepth) > kMaxJsonDepth) {
    return InvalidArgument("invalid JSON: nested more than " + std::to_string(kMaxJsonDepth) +
                           " levels deep");
  }
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    ErrorSax sax;
    Json::sax_parse(body, &sax, Json::input_format_t::json, true, false);
    return InvalidArgument("invalid JSON: " + (sax.error.empty() ? "syntax error" : sax.error));
  }
  if (!j.is_object()) {
    return InvalidArgument(std::string("request body must be a JSON object, got ") + TypeName(j));
  }
  return j;
}

const char* TypeName(const Json& j) {
  switch (j.type()) {
    case Json::value_t::string:
      return "string";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "number";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::array:
      return "array";
    case Json::value_t::object:
      return "object";
    default:
      return "null";
  }
}

Status TypeError(std::string_view path, std::string_view expected, const Json& got) {
  return InvalidArgument("invalid type for field '" + std::string(path) + "': expected " +
                         std::string(expected) + ", got " + TypeName(got));
}

Status ValueError(std::string_view path, std::string_view why) {
  return InvalidArgument("invalid value for field '" + std::string(path) +
                         "': " + std::string(why));
}

std::string FieldPath(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return std::string(parent) + "." + std::string(key);
}

std::string IndexPath(std::string_view parent, size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

Result<Fields> Fields::Of(const Json& j, std::string path) {
  if (!j.is_object()) {
    if (path.empty()) {
      return InvalidArgument(std::string("request body must be a JSON object, got ") + TypeName(j));
    }
    return TypeError(path, "object", j);
  }
  return Fields(&j, std::move(path));
}

const Json* Fields::Get(std::string_view key) const {
  auto it = json_->find(std::string(key));
  if (it == json_->end() || it->is_null()) return nullptr;
  return &*it;
}

Status Fields::String(std::string_view key, std::string* out) const {
  const Json* v = Get(key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_string()) return TypeError(Path(key), "string", *v);
  *out = v->get_ref<const std::string&>();
  return Status::Ok();
}

Status Fields::Bool(std::string_view key, bool* out) const {
  const Json* v = Get(key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_boolean()) return TypeError(Path(key), "boolean", *v);
  *out = v->get<bool>();
  return Status::Ok();
}

Status Fields::Int(std::string_view key, int64_t* out) const {
  const Json* v = Get(key);
  if (v == nullptr) return Status::Ok();
  // Unsigned first: nlohmann's is_number_integer() is true for unsigned values too.
  if (v->is_number_unsigned()) {
    const uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return ValueError(Path(key), "out of range");
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
    if (!std::isfinite(d) || d != std::trunc(d) || std::fabs(d) > 9.0e18) {
      return TypeError(Path(key), "integer", *v);
    }
    *out = static_cast<int64_t>(d);
    return Status::Ok();
  }
  return TypeError(Path(key), "integer", *v);
}

Status Fields::Int32(std::string_view key, int32_t* out) const {
  int64_t v = *out;
  HEARTH_RETURN_IF_ERROR(Int(key, &v));
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
    return ValueError(Path(key), "out of range");
  }
  *out = static_cast<int32_t>(v);
  return Status::Ok();
}

Status Fields::Number(std::string_view key, double* out) const {
  const Json* v = Get(key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_number()) return TypeError(Path(key), "number", *v);
  const double d = v->get<double>();
  if (!std::isfinite(d)) return ValueError(Path(key), "not a finite number");
  *out = d;
  return Status::Ok();
}

Status Fields::Array(std::string_view key, const Json** out) const {
  const Json* v = Get(key);
  *out = nullptr;
  if (v == nullptr) return Status::Ok();
  if (!v->is_array()) return TypeError(Path(key), "array", *v);
  *out = v;
  return Status::Ok();
}

Status Fields::Object(std::string_view key, Fields* out) const {
  const Json* v = Get(key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_object()) return TypeError(Path(key), "object", *v);
  *out = Fields(v, Path(key));
  return Status::Ok();
}

Status Fields::StringMap(std::string_view key, std::map<std::string, std::string>* out) const {
  const Json* v = Get(key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_object()) return TypeError(Path(key), "object", *v);
  for (const auto& [name, value] : v->items()) {
    if (!value.is_string()) return TypeError(FieldPath(Path(key), name), "string", value);
    (*out)[name] = value.get<std::string>();
  }
  return Status::Ok();
}

std::string Dump(const OrderedJson& j) {
  return j.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int Sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
}  // namespace

Result<std::string> Base64Decode(std::string_view text) {
  // Go's StdEncoding ignores \r and \n.
  std::string clean;
  clean.reserve(text.size());
  for (char c : text) {
    if (c != '\r' && c != '\n') clean.push_back(c);
  }
  if (clean.size() % 4 != 0) return InvalidArgument("not valid base64 (length)");
  std::string out;
  out.reserve(clean.size() / 4 * 3);
  for (size_t i = 0; i < clean.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = clean[i + static_cast<size_t>(k)];
      if (c == '=' && i + 4 == clean.size() && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return InvalidArgument("not valid base64 (padding)");
      v[k] = Sextet(c);
      if (v[k] < 0) return InvalidArgument("not valid base64 (character)");
    }
    const uint32_t n = (static_cast<uint32_t>(v[0]) << 18) | (static_cast<uint32_t>(v[1]) << 12) |
                       (static_cast<uint32_t>(v[2]) << 6) | static_cast<uint32_t>(v[3]);
    out.push_back(static_cast<char>((n >> 16) & 0xff));
    if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
  }
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) |
                       (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace hearth::api
