#pragma once
// Strict reading of request JSON, the one reader for every route: a malformed body is an
// InvalidArgument saying where the syntax breaks, and a field of the wrong type is an
// InvalidArgument naming it by its full path ("invalid type for field 'options.temperature':
// expected number, got string"), never a silent default. Absent and null fields leave the output
// untouched (Go's encoding/json semantics, which Ollama's clients rely on); unknown fields are
// ignored. Never throws. Thread-compatible.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace hearth::api {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// "string", "number", "boolean", "array", "object", "null".
const char* TypeName(const Json& j);

// InvalidArgument "invalid type for field '<path>': expected <expected>, got <type of got>".
Status TypeError(std::string_view path, std::string_view expected, const Json& got);
// InvalidArgument "invalid value for field '<path>': <why>".
Status ValueError(std::string_view path, std::string_view why);

// Request bodies nested deeper than this are refused before parsing.
inline constexpr int kMaxJsonDepth = 128;

// Parses a request body. InvalidArgument: "missing request body" (empty or only whitespace),
// "invalid JSON: <where and why>" (also for nesting deeper than kMaxJsonDepth), "request body
// must be a JSON object, got <type>". On success the result is an object (Fields::Of(*r, "")
// cannot fail).
Result<Json> ParseRequestBody(std::string_view body);

// "parent.key" ("key" when parent is empty) and "parent[index]".
std::string FieldPath(std::string_view parent, std::string_view key);
std::string IndexPath(std::string_view parent, size_t index);

// A JSON object and the path it was found at ("" for the request body).
class Fields {
 public:
  // InvalidArgument unless `j` is an object.
  static Result<Fields> Of(const Json& j, std::string path);

  // The value of `key`, or nullptr when absent or null.
  const Json* Get(std::string_view key) const;
  bool Has(std::string_view key) const { return Get(key) != nullptr; }
  std::string Path(std::string_view key) const { return FieldPath(path_, key); }
  const std::string& path() const { return path_; }
  const Json& json() const { return *json_; }

  // Each: OK and *out untouched when absent or null; OK and *out set when of the right type.
  Status String(std::string_view key, std::string* out) const;
  Status Bool(std::string_view key, bool* out) const;
  // An integral number (2 and 2.0 are accepted, 2.5 and out-of-range values are not).
  Status Int(std::string_view key, int64_t* out) const;
  Status Int32(std::string_view key, int32_t* out) const;
  // Any finite number.
  Status Number(std::string_view key, double* out) const;
  // *out points into the JSON; nullptr when absent or null.
  Status Array(std::string_view key, const Json** out) const;
  Status Object(std::string_view key, Fields* out) const;
  // An object whose values are all strings (e.g. /api/create "files"); entries are added to *out.
  Status StringMap(std::string_view key, std::map<std::string, std::string>* out) const;

 private:
  Fields(const Json* j, std::string path) : json_(j), path_(std::move(path)) {}
  const Json* json_;
  std::string path_;
};

// Serializes without ever throwing (invalid UTF-8 is replaced by U+FFFD).
std::string Dump(const OrderedJson& j);
std::string Dump(const Json& j);

// RFC 4648 base64 (standard alphabet, padding required as Go's StdEncoding). InvalidArgument on
// bad input.
Result<std::string> Base64Decode(std::string_view text);
std::string Base64Encode(std::string_view bytes);

}  // namespace hearth::api
