#pragma once
// Pull and push of models over the registry v2 protocol as Ollama speaks it (registry.ollama.ai,
// hf.co/<user>/<repo>[:<quant>], a `hearth serve` mirror, any Docker-v2-style registry).
//
// Pull: GET /v2/<ns>/<model>/manifests/<tag> (Docker v2 manifest Accept header), then every layer
// by digest from /v2/<ns>/<model>/blobs/<digest>, in parallel ranged parts, resumable from the
// store's partial files after an interruption or a kill, with stall detection and bounded
// retries; each blob is sha256-verified before it becomes visible, then the manifest is written,
// then layers the previous version of the model used (and nothing uses now) are removed.
// Concurrent pulls of one blob share one download: in this process through the client, across
// processes through an flock on the blob's partial file.
// Push: for each layer HEAD the blob (skip it when present), else POST an upload and PUT the
// bytes with ?digest=; then PUT the manifest.
//
// Progress is reported as Ollama's {status, digest, total, completed} objects, with Ollama's
// status strings: pull "pulling manifest", "pulling <12 hex>", "verifying sha256 digest",
// "writing manifest", "removing unused layers" (only when there are some), "success"; push
// "retrieving manifest", "pushing <12 hex>", "pushing manifest", "success".
//
// Errors (network, HTTP status, oversized or malformed manifest, digest mismatch, bad redirect,
// foreign auth realm) are Status values with the step and URL named; a failed pull leaves no
// manifest and no unverified blob behind (only resumable partial files).
// Thread-safe: one client may serve many pulls and pushes at once.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/cancel.h"
#include "base/status.h"
#include "store/manifest.h"
#include "store/name.h"

namespace hearth::store {
class Store;
}  // namespace hearth::store

namespace hearth::registry {

// The store's vocabulary, which pulls and pushes move between registries and the store.
using store::Digest;
using store::kManifestMediaType;
using store::Layer;
using store::Manifest;
using store::ModelName;
using store::Store;

// One progress message, as Ollama's api.ProgressResponse.
struct TransferProgress {
  std::string status;
  std::string digest;  // "sha256:<hex>" for a layer's progress, else empty
  uint64_t total = 0;
  uint64_t completed = 0;
};
// Called from the pulling/pushing thread; must not block for long.
using ProgressFn = std::function<void(const TransferProgress&)>;

struct RegistryOptions {
  bool insecure = false;                // plain http, and allow https -> http (Ollama's --insecure)
  const CancelToken* cancel = nullptr;  // checked at least every 100 ms
  // Download parts: a blob is split into total/num_parts bytes, clamped to [min, max] (Ollama's
  // 16 parts of 100 MB..1 GB), fetched by at most max_streams connections at once.
  int num_parts = 16;
  uint64_t min_part_size = 100'000'000;
  uint64_t max_part_size = 1'000'000'000;
  int max_streams = 16;
  // A transfer that moves no byte for stall_timeout is retried; a part gives up after max_retries
  // failed attempts in a row (an attempt that moved bytes resets the count), waiting
  // retry_backoff, doubling, capped at 30 s, between attempts.
  int max_retries = 6;
  std::chrono::milliseconds stall_timeout{30000};
  std::chrono::milliseconds connect_timeout{30000};
  std::chrono::milliseconds retry_backoff{1000};
  uint64_t max_manifest_bytes = 16
                                << 20;  // the store's own limit (safetensors: a layer per tensor)
  bool prune = true;  // remove layers the old version of the model used (HEARTH_NOPRUNE unsets)
};

namespace internal {
class DownloadManager;
}

class RegistryClient {
 public:
  // `store` must outlive the client.
  explicit RegistryClient(Store* store);
  ~RegistryClient();
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  // Pulls `name` into the store. On success the model's manifest is in the store and every blob
  // it names is complete and verified.
  Status Pull(const ModelName& name, const RegistryOptions& options, const ProgressFn& progress);
  // Pushes the stored model `name` to its registry.
  Status Push(const ModelName& name, const RegistryOptions& options, const ProgressFn& progress);

 private:
  Store* store_;
  std::unique_ptr<internal::DownloadManager> downloads_;
};

// The 12 hex characters Ollama shows for a digest ("sha256:abcd..." -> "abcd...").
std::string ShortDigest(const std::string& digest);

}  // namespace hearth::registry
