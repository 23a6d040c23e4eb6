#pragma once
// Strict reading of JSON request bodies at the API edge: a malformed body, a body that is not an
// object, or a field of the wrong type is an InvalidArgument naming what is wrong (the field, or
// the position of the syntax error), never a silent default. Absent and null fields leave the
// output untouched, as Go's encoding/json does; unknown fields are ignored. Thread-compatible.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace hearth::server {

// Bodies nested deeper than this are refused before parsing.
inline constexpr int kMaxJsonDepth = 128;

class JsonBody {
 public:
  // InvalidArgument: "missing request body" (empty or only whitespace), "invalid JSON: <where
  // and why>" (also for nesting deeper than kMaxJsonDepth), "request body must be a JSON object,
  // got <type>".
  static Result<JsonBody> Parse(std::string_view body);

  // Each getter: OK and *out untouched when `field` is absent or null; OK and *out set when it
  // has the right type; InvalidArgument `invalid value for "<field>": expected <type>, got
  // <type>` otherwise.
  Status String(std::string_view field, std::string* out) const;
  Status Bool(std::string_view field, bool* out) const;
  // Integral numbers only (a fraction or an out-of-range value is an error).
  Status Int(std::string_view field, int64_t* out) const;
  // Any JSON object; *out points into this body.
  Status Object(std::string_view field, const nlohmann::json** out) const;
  // An object whose values are all strings (e.g. /api/create "files").
  Status StringMap(std::string_view field, std::map<std::string, std::string>* out) const;
  bool Has(std::string_view field) const;

  const nlohmann::json& json() const { return json_; }

 private:
  explicit JsonBody(nlohmann::json j) : json_(std::move(j)) {}
  const nlohmann::json* Find(std::string_view field) const;
  nlohmann::json json_;
};

// The JSON type name used in error messages: "string", "number", "boolean", "array", "object",
// "null".
const char* JsonTypeName(const nlohmann::json& j);

}  // namespace hearth::server
