#include "store/registry_client.h"

#include <sys/statvfs.h>

#include <set>

#include "store/blob_download.h"
#include "store/manifest.h"
#include "store/registry_session.h"
#include "store/store.h"

namespace hearth::store {
namespace {

using internal::RegistrySession;

using internal::AllLayers;

Result<std::string> FetchManifestOnce(RegistrySession& session, const ModelName& name) {
  http::Request req;
  req.url = session.RepoUrl("manifests/" + name.tag);
  req.headers = {std::string("Accept: ") + kManifestMediaType};
  req.max_body = static_cast<size_t>(session.options().max_manifest_bytes);
  const std::string what = "pull model manifest";
  auto r = session.Send(req, /*follow=*/true);
  if (!r.ok()) {
    if (r.status().code() == StatusCode::kResourceExhausted) {
      return ResourceExhausted(what + ": manifest of " + name.Display() + " is larger than " +
                               std::to_string(req.max_body) + " bytes");
    }
    return r.status().WithContext(what);
  }
  if (r->status == 404) {
    return NotFound(what + ": model \"" + name.Display() + "\" not found in registry " + name.host +
                    " (GET " + req.url + ": HTTP 404)");
  }
  if (r->status == 401 || r->status == 403) {
    return FailedPrecondition(what + ": access to " + name.Display() + " denied (GET " + req.url +
                              ": " + internal::DescribeHttpError(*r) + ")");
  }
  if (r->status != 200) {
    std::string msg = what + ": GET " + req.url + ": " + internal::DescribeHttpError(*r);
    return r->status >= 500 || r->status == 429 ? Unavailable(msg)
                                                : FailedPrecondition(msg);
  }
  return std::move(r->body);
}

// The manifest bytes, retrying transient failures (network errors, 5xx, 429).
Result<std::string> FetchManifest(RegistrySession& session, const ModelName& name) {
  const RegistryOptions& o = session.options();
  for (int attempt = 1;; ++attempt) {
    auto r = FetchManifestOnce(session, name);
    if (r.ok() || r.status().code() != StatusCode::kUnavailable || attempt > o.max_retries) {
      return r;
    }
    if (!internal::Backoff(o, attempt)) return Cancelled("pull cancelled");
  }
}

// Fails when the file system holding the store has less room than `needed` bytes.
Status CheckSpace(const Store& store, uint64_t needed) {
  struct statvfs vfs;
  if (::statvfs(store.root().c_str(), &vfs) != 0) return Status::Ok();  // unknown: try anyway
  const uint64_t avail = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  if (avail < needed) {
    return ResourceExhausted("not enough disk space in " + store.root() + ": the download needs " +
                             std::to_string(needed) + " bytes, " + std::to_string(avail) +
                             " are free");
  }
  return Status::Ok();
}

}  // namespace

std::vector<Layer> internal::AllLayers(const Manifest& m) {
  std::vector<Layer> out;
  std::set<std::string> seen;
  for (const Layer& l : m.layers) {
    if (seen.insert(l.digest.hex).second) out.push_back(l);
  }
  if (seen.insert(m.config.digest.hex).second) out.push_back(m.config);
  return out;
}

std::string ShortDigest(const std::string& digest) {
  const size_t colon = digest.find(':');
  std::string hex = colon == std::string::npos ? digest : digest.substr(colon + 1);
  return hex.substr(0, 12);
}

RegistryClient::RegistryClient(Store* store)
    : store_(store), downloads_(std::make_unique<internal::DownloadManager>()) {}

RegistryClient::~RegistryClient() = default;

Status RegistryClient::Pull(const ModelName& name, const RegistryOptions& options,
                            const ProgressFn& progress) {
  auto report = [&](TransferProgress p) {
    if (progress) progress(p);
  };
  HEARTH_RETURN_IF_ERROR(name.Validate());
  // Layers of the version we replace: candidates for "removing unused layers".
  std::set<std::string> old_layers;
  if (auto old = store_->ReadManifest(name); old.ok()) {
    for (const Layer& l : AllLayers(*old)) old_layers.insert(l.digest.hex);
  }

  HEARTH_ASSIGN_OR_RETURN(auto session, RegistrySession::Create(name, options));
  report({"pulling manifest", "", 0, 0});
  HEARTH_ASSIGN_OR_RETURN(std::string bytes, FetchManifest(*session, name));
  auto parsed = Manifest::Parse(bytes);
  if (!parsed.ok()) {
    return DataLoss("pull model manifest: the registry sent an invalid manifest for " +
                    name.Display() + ": " + parsed.status().message());
  }
  const Manifest& manifest = *parsed;
  const std::vector<Layer> layers = AllLayers(manifest);

  uint64_t missing = 0;
  for (const Layer& l : layers) {
    if (!store_->HasBlob(l.digest)) missing += l.size;
  }
  HEARTH_RETURN_IF_ERROR(CheckSpace(*store_, missing));

  // Each blob fetched is pinned (RetainBlob or its publication) until the manifest is written;
  // a pull that fails before that gives its pins back.
  std::vector<Digest> pinned;
  struct ReleaseOnFailure {
    Store& store;
    std::vector<Digest>& pinned;
    ~ReleaseOnFailure() { store.ReleasePins(pinned); }
  } release{*store_, pinned};
  for (const Layer& l : layers) {
    const std::string digest = l.digest.ToString();
    const std::string status = "pulling " + ShortDigest(digest);
    internal::BlobTarget target{l.digest, l.size, IsGgufLayer(l.media_type)};
    auto fetched = downloads_->Fetch(*store_, *session, target, [&](uint64_t completed) {
      report({status, digest, l.size, std::min(completed, l.size)});
    });
    if (!fetched.ok()) return fetched.status();
    pinned.push_back(l.digest);
    report({status, digest, l.size, l.size});
  }

  // Every blob was verified as it was published (Store::PromotePartial).
  report({"verifying sha256 digest", "", 0, 0});
  report({"writing manifest", "", 0, 0});
  Status written = store_->WriteManifestBytes(name, bytes);
  if (!written.ok()) return written.WithContext("writing manifest");
  pinned.clear();  // the manifest holds them now

  for (const Layer& l : layers) old_layers.erase(l.digest.hex);
  if (options.prune && !old_layers.empty()) {
    report({"removing unused layers", "", 0, 0});
    // Unreferenced blobs go (fresh ones other pulls still need are pinned by their Store);
    // partial downloads stay unless untouched for a week.
    Status pruned = store_->Prune(std::chrono::hours(24 * 7));
    if (!pruned.ok()) report({"couldn't remove unused layers: " + pruned.message(), "", 0, 0});
  }
  report({"success", "", 0, 0});
  return Status::Ok();
}

}  // namespace hearth::store
