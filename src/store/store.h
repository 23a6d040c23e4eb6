#pragma once
// The model store, laid out exactly as Ollama's so HEARTH_MODELS may point at ~/.ollama/models:
//   <root>/blobs/sha256-<hex>                          content-addressed, shared by models
//   <root>/manifests/<host>/<namespace>/<model>/<tag>  manifest JSON
// Writers never corrupt: a blob becomes visible only after its sha256 is verified (temp file +
// fsync + rename); a manifest is written atomically and only after all its blobs exist; an
// advisory lock file (<root>/.lock, flock) serialises writers across processes. Readers take no
// lock. Every GGUF that enters (model/adapter/draft/projector layers) first passes gguf::ReadFile.
// kill -9 at any moment leaves every manifest pointing only at complete, verified blobs.
// Thread-safe: every method may be called from any thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/manifest.h"
#include "store/name.h"

namespace hearth::store {

// A model resolved to what the engine and server need (paths are blob files in the store).
struct ResolvedModel {
  ModelName name;
  Manifest manifest;
  Digest manifest_digest;    // sha256 of the manifest bytes (Ollama's "digest" in /api/tags)
  std::string model_path;    // the GGUF (model or embed layer)
  std::vector<std::string> adapter_paths;
  std::string projector_path;
  std::string draft_path;
  std::string template_text;  // Go template (empty: use the GGUF's Jinja template)
  std::string system;
  std::string license;
  std::string params_json;    // the params layer as JSON text ("{}" when none)
  std::string messages_json;  // the messages layer as JSON text ("[]" when none)
  std::chrono::system_clock::time_point modified;  // manifest mtime
};

struct ListedModel {
  ModelName name;
  Digest manifest_digest;
  uint64_t size = 0;
  std::chrono::system_clock::time_point modified;
};

struct VerifyReport {
  std::vector<std::string> broken_blobs;      // hash mismatch or unreadable (file names)
  std::vector<std::string> broken_manifests;  // unparsable, or pointing at missing/broken blobs
  std::vector<std::string> removed;           // with repair: what was deleted
  std::vector<std::string> details;           // one human-readable line per problem found
  uint64_t blobs_checked = 0;
  uint64_t manifests_checked = 0;
  bool ok() const { return broken_blobs.empty() && broken_manifests.empty(); }
};

class Store {
 public:
  // Opens (creating directories as needed) the store at `root`. Root defaults, in the CLI and
  // server: $HEARTH_MODELS, else ~/.hearth/models.
  static Result<std::unique_ptr<Store>> Open(const std::string& root);
  static std::string DefaultRoot();

  const std::string& root() const { return root_; }
  std::string BlobPath(const Digest& d) const;  // validated; may not exist
  bool HasBlob(const Digest& d) const;
  // Returns true iff the blob exists, and then keeps it from being pruned (by any process) until
  // a manifest referencing it is written through this Store or this Store is destroyed. Use it
  // for blobs a manifest-to-be will reuse without writing them (e.g. a pull that skips a layer
  // already present).
  bool RetainBlob(const Digest& d);

  // Drops one pin of each blob in `digests` that this Store pinned (RetainBlob, or publishing it),
  // for an operation that took pins and then failed before writing its manifest (which would
  // have released them), so that Prune may remove those blobs again. Others are left alone.
  void ReleasePins(const std::vector<Digest>& digests);

  // Streams bytes into a new blob. Write() appends; Commit() verifies the sha256 against
  // `expected` (when given) and atomically publishes the blob, returning its digest. Destroying
  // an uncommitted writer removes its temp file. `gguf` = validate as GGUF before publishing.
  // A writer must not outlive its Store; one writer is used by one thread at a time.
  class BlobWriter {
   public:
    virtual ~BlobWriter() = default;
    virtual Status Write(const void* data, size_t size) = 0;
    virtual Result<Digest> Commit() = 0;
  };
  Result<std::unique_ptr<BlobWriter>> NewBlob(std::optional<Digest> expected, bool gguf);
  // Copies a file into the store as a blob (hashing on the way), validating GGUF if `gguf`.
  Result<Digest> ImportFile(const std::string& path, bool gguf);
  // Stores `bytes` (a small layer: template, system, params, config JSON ...) as a blob.
  Result<Digest> PutBytes(std::string_view bytes);
  Result<std::string> ReadBlobText(const Digest& d, size_t max_bytes = 16 << 20) const;

  // Partial downloads for the registry client: "<blobs>/sha256-<hex>-partial" (+ "-N" parts).
  // Prune removes partial files older than its min_age unless some process holds a flock(2) on
  // them: hold one (LOCK_SH) on every partial file while writing it.
  std::string PartialPath(const Digest& d, int part = -1) const;
  // Verifies a fully downloaded partial file (parts <= 0: PartialPath(d); else the concatenation
  // of PartialPath(d, 0 .. parts-1), in order) against `d` and publishes it as the blob. Removes
  // the partial files, also on a digest mismatch (DataLoss), when their bytes are useless.
  Status PromotePartial(const Digest& d, int parts, bool gguf);

  // Writes the manifest for `name` atomically (Serialize() + "\n", as Ollama's encoder).
  // FailedPrecondition if any referenced blob is missing or its size differs from the
  // manifest's. Replaces an existing manifest; releases this Store's pins on its blobs.
  Status WriteManifest(const ModelName& name, const Manifest& manifest);
  // Same for manifest bytes as received (a pull keeps the registry's bytes, so the manifest
  // digest matches the registry's): parsed strictly, then written unchanged.
  Status WriteManifestBytes(const ModelName& name, std::string_view bytes);
  Result<Manifest> ReadManifest(const ModelName& name) const;
  Result<std::string> ReadManifestBytes(const ModelName& name) const;
  // Names match stored models ignoring ASCII case, as in Ollama ("Mistral" finds "mistral").
  Result<ResolvedModel> Resolve(const ModelName& name) const;  // NotFound: `model "x" not found`
  std::vector<ListedModel> List() const;  // newest first, as `ollama list`
  // Copies the manifest bytes of `src` to `dst` (replacing it); blobs are shared. NotFound.
  Status Copy(const ModelName& src, const ModelName& dst);
  // Removes the manifest (NotFound: `model 'x' not found`), then the blobs no manifest
  // references any more. Partial downloads stay, so an interrupted pull can still resume.
  Status Delete(const ModelName& name);
  // Removes blobs no manifest references (and no live Store retains), stale partial/temp files
  // older than `min_age` that no process holds a flock on, and empty manifest directories.
  // Keeps every blob when some manifest cannot be read (FailedPrecondition: verify first).
  Status Prune(std::chrono::seconds min_age = std::chrono::seconds(0));
  // Re-hashes every blob and checks every manifest; with `repair`, removes broken blobs and
  // manifests that point at missing or broken blobs.
  VerifyReport Verify(bool repair);

  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

 private:
  friend class BlobWriterImpl;
  explicit Store(std::string root) : root_(std::move(root)) {}
  std::string BlobsDir() const { return root_ + "/blobs"; }
  std::string ManifestsDir() const { return root_ + "/manifests"; }
  std::string LockPath() const { return root_ + "/.lock"; }
  std::string PinsDir() const { return root_ + "/.pins"; }
  // The stored model whose name equals `name` ignoring ASCII case (as Ollama's getExistingName),
  // preferring an exact match; `name` itself when there is none.
  ModelName ExistingName(const ModelName& name) const;
  // REQUIRES: the writer lock. Records `d` in this Store's pin file, so Prune in any process
  // keeps the blob until a manifest references it (or this Store is destroyed).
  Status PinLocked(const Digest& d);
  // REQUIRES: the writer lock. Drops one pin of each blob `m` references.
  void UnpinLocked(const Manifest& m);
  // REQUIRES: the writer lock. Drops one pin of each of `digests`.
  void UnpinLocked(const std::vector<Digest>& digests);
  // REQUIRES: the writer lock. Publishes the verified file `temp` (open as `fd`) as blob `d`.
  Status PublishLocked(const std::string& temp, int fd, const Digest& d, uint64_t size);
  // REQUIRES: the writer lock. Checks every blob of `m` exists with its size, then writes
  // `bytes` atomically as the manifest of `name`.
  Status WriteManifestLocked(const ModelName& name, const Manifest& m, std::string_view bytes);
  // REQUIRES: the writer lock. Removes blobs no manifest references and no live Store pins.
  Status PruneBlobsLocked();

  std::string root_;
  std::mutex pin_mu_;
  std::map<std::string, int> pins_;  // blob hex -> pin count, mirrored in pin_path_
  int pin_fd_ = -1;                  // holds a shared flock while this Store lives
  std::string pin_path_;
};

}  // namespace hearth::store
