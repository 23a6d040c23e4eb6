#include "store/manifest.h"

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>

#include "store/internal.h"

namespace hearth::store {
namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

constexpr int kMaxDepth = 32;

Status Bad(const std::string& field, const std::string& why) {
  return InvalidArgument("manifest: " + (field.empty() ? "" : field + ": ") + why);
}

const char* TypeName(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_float:
      return "a fractional number";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    default:
      return "an unsupported value";
  }
}

// Nesting depth of the JSON text, ignoring brackets inside strings; bounds what the parser and
// the value's destructor recurse over.
int MaxDepth(std::string_view text) {
  int depth = 0, max = 0;
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
      if (++depth > max) max = depth;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max;
}

Result<std::string> RequiredString(const json& obj, const std::string& path, const char* key,
                                   bool allow_empty) {
  auto it = obj.find(key);
  const std::string field = path + (path.empty() ? "" : ".") + key;
  if (it == obj.end()) return Bad(field, "missing");
  if (!it->is_string()) return Bad(field, std::string("want a string, got ") + TypeName(*it));
  const std::string& s = it->get_ref<const std::string&>();
  if (!allow_empty && s.empty()) return Bad(field, "empty");
  return s;
}

Result<std::string> OptionalString(const json& obj, const std::string& path, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) {
    return Bad(path + "." + key, std::string("want a string, got ") + TypeName(*it));
  }
  return it->get_ref<const std::string&>();
}

Result<Layer> ParseLayer(const json& j, const std::string& path) {
  if (!j.is_object()) return Bad(path, std::string("want an object, got ") + TypeName(j));
  Layer l;
  HEARTH_ASSIGN_OR_RETURN(l.media_type, RequiredString(j, path, "mediaType", false));
  HEARTH_ASSIGN_OR_RETURN(std::string digest, RequiredString(j, path, "digest", false));
  auto d = Digest::Parse(digest);
  if (!d.ok()) return Bad(path + ".digest", d.status().message());
  l.digest = std::move(d).value();
  auto size = j.find("size");
  if (size == j.end()) return Bad(path + ".size", "missing");
  if (size->is_number_unsigned()) {
    const uint64_t v = size->get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Bad(path + ".size", "out of range");
    }
    l.size = v;
  } else if (size->is_number_integer()) {
    return Bad(path + ".size", "negative");
  } else {
    return Bad(path + ".size", std::string("want an integer, got ") + TypeName(*size));
  }
  HEARTH_ASSIGN_OR_RETURN(l.from, OptionalString(j, path, "from"));
  HEARTH_ASSIGN_OR_RETURN(l.name, OptionalString(j, path, "name"));
  return l;
}

ordered_json LayerJson(const Layer& l) {
  ordered_json j;
  j["mediaType"] = l.media_type;
  j["digest"] = l.digest.ToString();
  j["size"] = l.size;
  if (!l.from.empty()) j["from"] = l.from;
  if (!l.name.empty()) j["name"] = l.name;
  return j;
}

}  // namespace

Result<Manifest> Manifest::Parse(std::string_view text) {
  if (text.size() > kMaxManifestBytes) {
    return Bad("", "larger than " + std::to_string(kMaxManifestBytes) + " bytes");
  }
  if (MaxDepth(text) > kMaxDepth) {
    return Bad("", "nested deeper than " + std::to_string(kMaxDepth) + " levels");
  }
  const json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Bad("", "not valid JSON");
  if (!j.is_object()) return Bad("", std::string("want a JSON object, got ") + TypeName(j));

  Manifest m;
  auto version = j.find("schemaVersion");
  if (version == j.end()) return Bad("schemaVersion", "missing");
  if (!version->is_number_integer()) {
    return Bad("schemaVersion", std::string("want an integer, got ") + TypeName(*version));
  }
  if (version->get<int64_t>() != 2) {
    return Bad("schemaVersion", "want 2, got " + std::to_string(version->get<int64_t>()));
  }
  auto media = j.find("mediaType");
  if (media != j.end()) {
    if (!media->is_string()) {
      return Bad("mediaType", std::string("want a string, got ") + TypeName(*media));
    }
    m.media_type = media->get<std::string>();
  }
  auto config = j.find("config");
  if (config == j.end()) return Bad("config", "missing");
  HEARTH_ASSIGN_OR_RETURN(m.config, ParseLayer(*config, "config"));
  auto layers = j.find("layers");
  if (layers == j.end()) return Bad("layers", "missing");
  if (!layers->is_array()) {
    return Bad("layers", std::string("want an array, got ") + TypeName(*layers));
  }
  if (layers->size() > kMaxManifestLayers) {
    return Bad("layers", "more than " + std::to_string(kMaxManifestLayers) + " layers");
  }
  m.layers.reserve(layers->size());
  for (size_t i = 0; i < layers->size(); ++i) {
    HEARTH_ASSIGN_OR_RETURN(Layer l, ParseLayer((*layers)[i], "layers[" + std::to_string(i) + "]"));
    m.layers.push_back(std::move(l));
  }
  return m;
}

std::string Manifest::Serialize() const {
  ordered_json j;
  j["schemaVersion"] = schema_version;
  j["mediaType"] = media_type;
  j["config"] = LayerJson(config);
  j["layers"] = ordered_json::array();
  for (const Layer& l : layers) j["layers"].push_back(LayerJson(l));
  // Replace invalid UTF-8 (a hand-built `from` path) instead of throwing.
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

bool IsGgufLayer(std::string_view t) {
  return t == kMediaModel || t == kMediaEmbed || t == kMediaAdapter || t == kMediaProjector ||
         t == kMediaDraft;
}

const Layer* Manifest::Find(std::string_view media_type) const {
  for (const Layer& l : layers) {
    if (l.media_type == media_type) return &l;
  }
  return nullptr;
}

uint64_t Manifest::TotalSize() const {
  uint64_t total = config.size;
  for (const Layer& l : layers) total += l.size;
  return total;
}

}  // namespace hearth::store
