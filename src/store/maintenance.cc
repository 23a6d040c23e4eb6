// Store maintenance: pruning unreferenced blobs and stale temp/partial files, and verification
// (re-hashing every blob, checking every manifest) with optional repair.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <map>
#include <set>

#include "store/internal.h"
#include "store/sha256.h"
#include "store/store.h"

namespace hearth::store {
namespace fs = std::filesystem;
using internal::UniqueFd;

namespace {

// Regular files directly in `dir`, by name.
std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code t;
    if (it->is_regular_file(t) && !it->is_symlink(t)) out.push_back(it->path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Digests every manifest under `dir` references; files that cannot be read or parsed go to
// `unreadable` (relative paths).
std::set<std::string> Referenced(const std::string& dir, std::vector<std::string>* unreadable) {
  std::set<std::string> refs;
  for (const internal::ManifestFile& f : internal::WalkManifests(dir)) {
    auto bytes = internal::ReadFileBounded(f.path, kMaxManifestBytes);
    auto m = bytes.ok() ? Manifest::Parse(*bytes) : Result<Manifest>(bytes.status());
    if (!m.ok()) {
      unreadable->push_back(f.rel);
      continue;
    }
    refs.insert(m->config.digest.hex);
    for (const Layer& l : m->layers) refs.insert(l.digest.hex);
  }
  return refs;
}

// Digests pinned by live Stores (any process). Pin files whose owner died (no flock held) are
// removed on the way.
std::set<std::string> LivePins(const std::string& pins_dir) {
  std::set<std::string> pins;
  for (const std::string& name : FilesIn(pins_dir)) {
    const std::string path = pins_dir + "/" + name;
    auto fd = internal::OpenFile(path, O_RDONLY);
    if (!fd.ok()) continue;
    if (internal::TryLockExclusive(fd->get())) {
      ::unlink(path.c_str());  // its Store is gone
      continue;
    }
    auto text = internal::ReadFileBounded(path, 64u << 20);
    if (!text.ok()) continue;
    size_t start = 0;
    while (start < text->size()) {
      size_t end = text->find('\n', start);
      if (end == std::string::npos) end = text->size();
      pins.insert(text->substr(start, end - start));
      start = end + 1;
    }
  }
  return pins;
}

}  // namespace

Status Store::PruneBlobsLocked() {
  std::vector<std::string> unreadable;
  const std::set<std::string> refs = Referenced(ManifestsDir(), &unreadable);
  if (!unreadable.empty()) {
    return FailedPrecondition("not pruning blobs: the manifest " + unreadable.front() +
                              " cannot be read (run `hearth store verify --repair`)");
  }
  const std::set<std::string> pins = LivePins(PinsDir());
  bool removed = false;
  for (const std::string& name : FilesIn(BlobsDir())) {
    Digest d;
    if (!internal::ParseBlobFileName(name, &d)) continue;
    if (refs.count(d.hex) || pins.count(d.hex)) continue;
    if (::unlink((BlobsDir() + "/" + name).c_str()) == 0) removed = true;
  }
  return removed ? internal::FsyncDir(BlobsDir()) : Status();
}

Status Store::Prune(std::chrono::seconds min_age) {
  HEARTH_ASSIGN_OR_RETURN(UniqueFd lock, internal::LockExclusive(LockPath()));
  Status blobs = PruneBlobsLocked();
  // Temp and partial files: anything in blobs/ that is not a blob, old enough and unlocked.
  const auto cutoff = std::chrono::system_clock::now() - min_age;
  for (const std::string& name : FilesIn(BlobsDir())) {
    Digest d;
    if (internal::ParseBlobFileName(name, &d)) continue;
    const std::string path = BlobsDir() + "/" + name;
    std::chrono::system_clock::time_point mtime;
    if (!internal::ModTime(path, &mtime) || mtime > cutoff) continue;
    auto fd = internal::OpenFile(path, O_RDONLY | O_NOFOLLOW);
    if (!fd.ok() || !internal::TryLockExclusive(fd->get())) continue;  // a writer holds it
    ::unlink(path.c_str());
  }
  // Manifest temp files are only written under the lock we hold: any left is stale.
  std::error_code ec;
  for (fs::recursive_directory_iterator it(ManifestsDir(), ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code t;
    if (it->is_regular_file(t) && internal::IsAtomicTempName(it->path().filename().string())) {
      ::unlink(it->path().c_str());
    }
  }
  internal::RemoveEmptyDirs(ManifestsDir());
  return blobs;
}

VerifyReport Store::Verify(bool repair) {
  VerifyReport r;
  auto lock = internal::LockExclusive(LockPath());
  if (!lock.ok()) {
    r.details.push_back("could not take the store lock (" + lock.status().message() +
                        "); checking without it");
    repair = false;
  }
  std::map<std::string, uint64_t> good;  // blob hex -> size
  std::set<std::string> broken;
  for (const std::string& name : FilesIn(BlobsDir())) {
    Digest d;
    if (!internal::ParseBlobFileName(name, &d)) continue;
    ++r.blobs_checked;
    uint64_t size = 0;
    auto got = Sha256File(BlobsDir() + "/" + name, &size);
    if (!got.ok()) {
      r.details.push_back(name + ": unreadable: " + got.status().message());
    } else if (*got != d) {
      r.details.push_back(name + ": content hashes to " + got->ToString());
    } else {
      good[d.hex] = size;
      continue;
    }
    r.broken_blobs.push_back(name);
    broken.insert(d.hex);
  }
  std::vector<std::string> broken_paths;
  for (const internal::ManifestFile& f : internal::WalkManifests(ManifestsDir())) {
    ++r.manifests_checked;
    const std::string label = f.name ? f.name->Display() : f.rel;
    auto bytes = internal::ReadFileBounded(f.path, kMaxManifestBytes);
    auto m = bytes.ok() ? Manifest::Parse(*bytes) : Result<Manifest>(bytes.status());
    std::string problem;
    if (!m.ok()) {
      problem = m.status().message();
    } else {
      std::vector<const Layer*> layers{&m->config};
      for (const Layer& l : m->layers) layers.push_back(&l);
      for (const Layer* l : layers) {
        auto it = good.find(l->digest.hex);
        if (broken.count(l->digest.hex)) {
          problem = "blob " + l->digest.ToString() + " is corrupt";
        } else if (it == good.end()) {
          problem = "blob " + l->digest.ToString() + " is missing";
        } else if (it->second != l->size) {
          problem = "blob " + l->digest.ToString() + " has " + std::to_string(it->second) +
                    " bytes, the manifest says " + std::to_string(l->size);
        }
        if (!problem.empty()) break;
      }
    }
    if (problem.empty()) continue;
    r.details.push_back(label + ": " + problem);
    r.broken_manifests.push_back(label);
    broken_paths.push_back(f.path);
  }
  if (!repair) return r;
  for (const std::string& name : r.broken_blobs) {
    if (::unlink((BlobsDir() + "/" + name).c_str()) == 0) r.removed.push_back(name);
  }
  for (size_t i = 0; i < broken_paths.size(); ++i) {
    if (::unlink(broken_paths[i].c_str()) == 0) r.removed.push_back(r.broken_manifests[i]);
  }
  (void)internal::FsyncDir(BlobsDir());
  internal::RemoveEmptyDirs(ManifestsDir());
  return r;
}

}  // namespace hearth::store
