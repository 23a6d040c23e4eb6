// The store's names-and-manifests side: opening, manifest reads and writes, list, resolve,
// copy and delete. Blobs are in blobs.cc; prune and verify in maintenance.cc.
#include "store/store.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "store/internal.h"
#include "store/sha256.h"

namespace hearth::store {
namespace fs = std::filesystem;
using internal::Quote;

namespace {

// The hex of a valid digest; a placeholder that can never name a blob otherwise.
std::string SafeHex(const Digest& d) { return d.IsValid() ? d.hex : "invalid"; }

Status ModelNotFound(const ModelName& name) {
  return NotFound("model \"" + name.Display() + "\" not found");
}

}  // namespace

Result<std::unique_ptr<Store>> Store::Open(const std::string& root) {
  if (root.empty()) return InvalidArgument("the model store path is empty");
  std::error_code ec;
  fs::path abs = fs::absolute(root, ec);
  if (ec) return IOError("cannot resolve model store path " + Quote(root) + ": " + ec.message());
  abs = abs.lexically_normal();
  std::string r = abs.string();
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  for (const std::string& dir : {r, r + "/blobs", r + "/manifests"}) {
    fs::create_directories(dir, ec);
    if (ec) return IOError("cannot create model store directory " + dir + ": " + ec.message());
    if (!fs::is_directory(dir, ec)) return IOError(dir + " is not a directory");
  }
  return std::unique_ptr<Store>(new Store(std::move(r)));
}

std::string Store::DefaultRoot() {
  if (const char* env = std::getenv("HEARTH_MODELS"); env && *env) return env;
  const char* home = std::getenv("HOME");
  std::string h = home && *home ? home : "";
  if (h.empty()) {
    if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_dir) h = pw->pw_dir;
  }
  return (h.empty() ? std::string(".") : h) + "/.hearth/models";
}

Store::~Store() {
  std::lock_guard<std::mutex> g(pin_mu_);
  if (pin_fd_ >= 0) {
    ::unlink(pin_path_.c_str());
    ::close(pin_fd_);
  }
}

std::string Store::BlobPath(const Digest& d) const { return BlobsDir() + "/sha256-" + SafeHex(d); }

bool Store::HasBlob(const Digest& d) const {
  struct stat st;
  return d.IsValid() && ::stat(BlobPath(d).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string Store::PartialPath(const Digest& d, int part) const {
  std::string p = BlobPath(d) + "-partial";
  if (part >= 0) p += "-" + std::to_string(part);
  return p;
}

Status Store::WriteManifest(const ModelName& name, const Manifest& manifest) {
  HEARTH_RETURN_IF_ERROR(name.Validate());
  const std::string bytes = manifest.Serialize() + "\n";  // as Go's json.Encoder writes it
  // Round-trip through the strict parser: a hand-built manifest obeys the same rules.
  HEARTH_ASSIGN_OR_RETURN(Manifest parsed, Manifest::Parse(bytes));
  HEARTH_ASSIGN_OR_RETURN(internal::UniqueFd lock, internal::LockExclusive(LockPath()));
  return WriteManifestLocked(name, parsed, bytes);
}

Status Store::WriteManifestBytes(const ModelName& name, std::string_view bytes) {
  HEARTH_RETURN_IF_ERROR(name.Validate());
  HEARTH_ASSIGN_OR_RETURN(Manifest parsed, Manifest::Parse(bytes));
  HEARTH_ASSIGN_OR_RETURN(internal::UniqueFd lock, internal::LockExclusive(LockPath()));
  return WriteManifestLocked(name, parsed, bytes);
}

Status Store::WriteManifestLocked(const ModelName& name, const Manifest& m,
                                  std::string_view bytes) {
  std::vector<const Layer*> layers{&m.config};
  for (const Layer& l : m.layers) layers.push_back(&l);
  for (const Layer* l : layers) {
    struct stat st;
    if (::stat(BlobPath(l->digest).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return FailedPrecondition("cannot write the manifest of " + name.Display() + ": blob " +
                                l->digest.ToString() + " is missing");
    }
    if (static_cast<uint64_t>(st.st_size) != l->size) {
      return FailedPrecondition("cannot write the manifest of " + name.Display() + ": blob " +
                                l->digest.ToString() + " has " + std::to_string(st.st_size) +
                                " bytes, the manifest says " + std::to_string(l->size));
    }
  }
  const std::string path = root_ + "/" + name.ManifestPath();
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) return IOError("cannot create the manifest directory for " + path + ": " + ec.message());
  HEARTH_RETURN_IF_ERROR(internal::AtomicWriteFile(path, bytes));
  UnpinLocked(m);
  return Status();
}

ModelName Store::ExistingName(const ModelName& name) const {
  struct stat st;
  if (::stat((root_ + "/" + name.ManifestPath()).c_str(), &st) == 0) return name;
  for (const internal::ManifestFile& f : internal::WalkManifests(ManifestsDir())) {
    if (f.name && internal::EqualFold(f.name->host, name.host) &&
        internal::EqualFold(f.name->ns, name.ns) &&
        internal::EqualFold(f.name->model, name.model) &&
        internal::EqualFold(f.name->tag, name.tag)) {
      return *f.name;
    }
  }
  return name;
}

Result<std::string> Store::ReadManifestBytes(const ModelName& given) const {
  HEARTH_RETURN_IF_ERROR(given.Validate());
  const ModelName name = ExistingName(given);
  auto bytes = internal::ReadFileBounded(root_ + "/" + name.ManifestPath(), kMaxManifestBytes);
  if (!bytes.ok() && bytes.status().code() == StatusCode::kNotFound) return ModelNotFound(given);
  if (!bytes.ok()) return bytes.status().WithContext("manifest of " + name.Display());
  return bytes;
}

Result<Manifest> Store::ReadManifest(const ModelName& name) const {
  HEARTH_ASSIGN_OR_RETURN(std::string bytes, ReadManifestBytes(name));
  auto m = Manifest::Parse(bytes);
  if (!m.ok()) return m.status().WithContext(name.Display());
  return m;
}

Result<ResolvedModel> Store::Resolve(const ModelName& given) const {
  HEARTH_RETURN_IF_ERROR(given.Validate());
  const ModelName name = ExistingName(given);
  HEARTH_ASSIGN_OR_RETURN(std::string bytes, ReadManifestBytes(name));
  auto parsed = Manifest::Parse(bytes);
  if (!parsed.ok()) return parsed.status().WithContext(name.Display());
  ResolvedModel r;
  r.name = name;
  r.manifest = std::move(parsed).value();
  r.manifest_digest = Sha256Of(bytes);
  r.params_json = "{}";
  r.messages_json = "[]";
  internal::ModTime(root_ + "/" + name.ManifestPath(), &r.modified);

  // A blob the manifest needs as a file: it must exist with the manifest's size.
  auto file = [&](const Layer& l) -> Result<std::string> {
    const std::string path = BlobPath(l.digest);
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return DataLoss("model " + name.Display() + ": blob " + l.digest.ToString() +
                      " is missing (run `hearth store verify`)");
    }
    if (static_cast<uint64_t>(st.st_size) != l.size) {
      return DataLoss("model " + name.Display() + ": blob " + l.digest.ToString() + " has " +
                      std::to_string(st.st_size) + " bytes, the manifest says " +
                      std::to_string(l.size));
    }
    return path;
  };
  std::string embed_path;
  // Later layers of a kind replace earlier ones, as in Ollama's GetModel.
  for (const Layer& l : r.manifest.layers) {
    const std::string& t = l.media_type;
    if (t == kMediaModel) {
      HEARTH_ASSIGN_OR_RETURN(r.model_path, file(l));
    } else if (t == kMediaEmbed) {
      HEARTH_ASSIGN_OR_RETURN(embed_path, file(l));
    } else if (t == kMediaAdapter) {
      HEARTH_ASSIGN_OR_RETURN(std::string p, file(l));
      r.adapter_paths.push_back(std::move(p));
    } else if (t == kMediaProjector) {
      HEARTH_ASSIGN_OR_RETURN(r.projector_path, file(l));
    } else if (t == kMediaDraft) {
      HEARTH_ASSIGN_OR_RETURN(r.draft_path, file(l));
    } else if (t == kMediaTemplate || t == kMediaSystem || t == kMediaLicense ||
               t == kMediaParams || t == kMediaMessages) {
      auto text = ReadBlobText(l.digest);
      if (!text.ok()) return text.status().WithContext("model " + name.Display());
      if (t == kMediaTemplate) r.template_text = std::move(text).value();
      if (t == kMediaSystem) r.system = std::move(text).value();
      if (t == kMediaLicense) r.license = std::move(text).value();
      if (t == kMediaParams) r.params_json = std::move(text).value();
      if (t == kMediaMessages) r.messages_json = std::move(text).value();
    }
  }
  if (r.model_path.empty()) r.model_path = embed_path;
  if (r.model_path.empty()) {
    return InvalidArgument("model " + name.Display() + " has no model layer (" + kMediaModel + ")");
  }
  return r;
}

std::vector<ListedModel> Store::List() const {
  std::vector<ListedModel> out;
  for (const internal::ManifestFile& f : internal::WalkManifests(ManifestsDir())) {
    if (!f.name) continue;
    auto bytes = internal::ReadFileBounded(f.path, kMaxManifestBytes);
    if (!bytes.ok()) continue;
    auto m = Manifest::Parse(*bytes);
    if (!m.ok()) continue;  // Ollama's list also skips unreadable manifests
    ListedModel l;
    l.name = *f.name;
    l.manifest_digest = Sha256Of(*bytes);
    l.size = m->TotalSize();
    internal::ModTime(f.path, &l.modified);
    out.push_back(std::move(l));
  }
  std::stable_sort(out.begin(), out.end(), [](const ListedModel& a, const ListedModel& b) {
    if (a.modified != b.modified) return a.modified > b.modified;
    return a.name.Display() < b.name.Display();
  });
  return out;
}

Status Store::Copy(const ModelName& given_src, const ModelName& given_dst) {
  HEARTH_RETURN_IF_ERROR(given_src.Validate());
  HEARTH_RETURN_IF_ERROR(given_dst.Validate());
  HEARTH_ASSIGN_OR_RETURN(internal::UniqueFd lock, internal::LockExclusive(LockPath()));
  const ModelName src = ExistingName(given_src);
  HEARTH_ASSIGN_OR_RETURN(std::string bytes, ReadManifestBytes(src));
  const ModelName dst = ExistingName(given_dst);  // "Foo" replaces an existing "foo"
  auto m = Manifest::Parse(bytes);
  if (!m.ok()) return m.status().WithContext(src.Display());
  if (src == dst) return Status();
  return WriteManifestLocked(dst, *m, bytes);
}

Status Store::Delete(const ModelName& given) {
  HEARTH_RETURN_IF_ERROR(given.Validate());
  HEARTH_ASSIGN_OR_RETURN(internal::UniqueFd lock, internal::LockExclusive(LockPath()));
  const std::string path = root_ + "/" + ExistingName(given).ManifestPath();
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return NotFound("model '" + given.Display() + "' not found");
    return IOError(internal::ErrnoMessage("cannot remove " + path, errno));
  }
  HEARTH_RETURN_IF_ERROR(internal::FsyncDir(fs::path(path).parent_path().string()));
  internal::RemoveEmptyDirs(ManifestsDir());
  // Best effort: the model is gone either way; a blob kept here is removed by a later prune.
  (void)PruneBlobsLocked();
  return Status();
}

}  // namespace hearth::store
