#include "api/fields.h"

#include <cmath>
#include <limits>

namespace hearth::api {

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
  if (v->is_number_integer()) {
    *out = v->get<int64_t>();
    return Status::Ok();
  }
  if (v->is_number_unsigned()) {
    const uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return ValueError(Path(key), "out of range");
    }
    *out = static_cast<int64_t>(u);
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
