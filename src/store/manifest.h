#pragma once
// Ollama's manifest (Docker Registry v2 schema) and layer media types. Value types.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/name.h"

namespace hearth::store {

inline constexpr char kManifestMediaType[] = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr char kConfigMediaType[] = "application/vnd.docker.container.image.v1+json";
// Layer media types: "application/vnd.ollama.image." + suffix.
inline constexpr char kMediaModel[] = "application/vnd.ollama.image.model";
inline constexpr char kMediaEmbed[] = "application/vnd.ollama.image.embed";
inline constexpr char kMediaAdapter[] = "application/vnd.ollama.image.adapter";
inline constexpr char kMediaProjector[] = "application/vnd.ollama.image.projector";
inline constexpr char kMediaTemplate[] = "application/vnd.ollama.image.template";
inline constexpr char kMediaSystem[] = "application/vnd.ollama.image.system";
inline constexpr char kMediaLicense[] = "application/vnd.ollama.image.license";
inline constexpr char kMediaParams[] = "application/vnd.ollama.image.params";
inline constexpr char kMediaMessages[] = "application/vnd.ollama.image.messages";
inline constexpr char kMediaDraft[] = "application/vnd.ollama.image.draft";

// True for the layer types that hold GGUF files (model, embed, adapter, projector, draft):
// blobs of these types must be written with gguf = true (NewBlob, ImportFile, PromotePartial).
bool IsGgufLayer(std::string_view media_type);

inline constexpr size_t kMaxManifestBytes = 16u << 20;
inline constexpr size_t kMaxManifestLayers = 100'000;  // safetensors models have one per tensor

struct Layer {
  std::string media_type;
  Digest digest;
  uint64_t size = 0;
  std::string from;  // optional, as Ollama writes for layers taken from another model
  std::string name;  // optional, Ollama's tensor-layer name (e.g. for safetensors models)
};

struct Manifest {
  int schema_version = 2;
  std::string media_type = kManifestMediaType;
  Layer config;
  std::vector<Layer> layers;

  // Strict parse: every digest valid, sizes non-negative integers, required fields present,
  // schemaVersion 2, at most kMaxManifestBytes of JSON nested at most 32 deep. Unknown fields are
  // ignored (as Ollama does). InvalidArgument names the field, e.g. "layers[1].digest: ...".
  static Result<Manifest> Parse(std::string_view json);
  std::string Serialize() const;  // compact JSON, Ollama's field names and order
  // The first layer of `media_type`, or nullptr.
  const Layer* Find(std::string_view media_type) const;
  // Sum of config and layer sizes (Ollama's model size).
  uint64_t TotalSize() const;
};

}  // namespace hearth::store
