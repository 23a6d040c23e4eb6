#pragma once
// Model names as Ollama spells them: [host/][namespace/]model[:tag], with Ollama's defaults
// (host registry.ollama.ai, namespace library, tag latest). hf.co/<user>/<repo>[:<quant>] names a
// Hugging Face GGUF repository. Parsing is strict: a name or digest that becomes a path can never
// leave the store root (no "..", absolute paths, backslashes, NUL, control characters, over-long
// or odd characters) — Ollama's CVE-2024-37032 was a digest that escaped the blob directory.
// Value types; thread-compatible.

#include <compare>
#include <string>
#include <string_view>

#include "base/status.h"

namespace hearth::store {

inline constexpr char kDefaultHost[] = "registry.ollama.ai";
inline constexpr char kDefaultNamespace[] = "library";
inline constexpr char kDefaultTag[] = "latest";

struct ModelName {
  std::string host;       // e.g. "registry.ollama.ai", "hf.co", "mirror:11434"
  std::string ns;         // namespace, e.g. "library"
  std::string model;      // e.g. "qwen2.5-coder"
  std::string tag;        // e.g. "1.5b", "latest"

  // Parses and validates `text`, filling defaults. InvalidArgument names what is wrong.
  static Result<ModelName> Parse(std::string_view text);
  // "host/ns/model:tag" in full.
  std::string Full() const;
  // Ollama's short display: "model:tag" for the default host and namespace,
  // "ns/model:tag" for the default host, else the full form.
  std::string Display() const;
  // Relative manifest path "manifests/<host>/<ns>/<model>/<tag>"; empty when Validate() fails,
  // so a hand-built name can never yield a path outside the store.
  std::string ManifestPath() const;
  bool IsHuggingFace() const { return host == "hf.co" || host == "huggingface.co"; }
  // OK iff every part follows the rules Parse enforces (for names built field by field).
  Status Validate() const;
  bool operator==(const ModelName&) const = default;
};

// A content digest "sha256:<64 lowercase hex>".
struct Digest {
  std::string hex;  // 64 lowercase hex characters

  // Accepts "sha256:<hex>" and the on-disk "sha256-<hex>"; anything else is InvalidArgument.
  static Result<Digest> Parse(std::string_view text);
  std::string ToString() const { return "sha256:" + hex; }
  // Blob file name "sha256-<hex>".
  std::string FileName() const { return "sha256-" + hex; }
  // True iff `hex` is 64 lowercase hex characters (for digests built field by field).
  bool IsValid() const;
  bool operator==(const Digest&) const = default;
  auto operator<=>(const Digest&) const = default;
};

}  // namespace hearth::store
