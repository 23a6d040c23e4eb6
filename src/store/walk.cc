// Directory walks over the store: manifest files, empty directories, blob file names.
#include <algorithm>
#include <filesystem>

#include "store/internal.h"

namespace hearth::store::internal {
namespace fs = std::filesystem;

namespace {
constexpr int kMaxWalkDepth = 8;
}

std::vector<ManifestFile> WalkManifests(const std::string& dir) {
  std::vector<ManifestFile> out;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) return out;
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const fs::directory_entry& e = *it;
    if (it.depth() >= kMaxWalkDepth) {
      it.disable_recursion_pending();
      continue;
    }
    std::error_code type_ec;
    if (!e.is_regular_file(type_ec) || type_ec) continue;
    // Hidden files are never manifests (a name part cannot start with '.'): temp files of
    // AtomicWriteFile, editor or desktop litter.
    if (e.path().filename().string().front() == '.') continue;
    ManifestFile m;
    m.path = e.path().string();
    m.rel = e.path().lexically_relative(dir).string();
    std::vector<std::string> parts;
    for (const auto& p : fs::path(m.rel)) parts.push_back(p.string());
    if (parts.size() == 4) {
      ModelName n{parts[0], parts[1], parts[2], parts[3]};
      if (n.Validate().ok()) m.name = std::move(n);
    }
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(),
            [](const ManifestFile& a, const ManifestFile& b) { return a.rel < b.rel; });
  return out;
}

namespace {
// Returns true if `dir` is empty afterwards.
bool RemoveEmptyBelow(const fs::path& dir, int depth) {
  std::error_code ec;
  bool empty = true;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code t;
    if (it->is_directory(t) && !it->is_symlink(t) && depth < kMaxWalkDepth &&
        RemoveEmptyBelow(it->path(), depth + 1)) {
      fs::remove(it->path(), t);
      if (!t) continue;
    }
    empty = false;
  }
  return empty && !ec;
}
}  // namespace

void RemoveEmptyDirs(const std::string& dir) { RemoveEmptyBelow(dir, 0); }

bool ParseBlobFileName(std::string_view name, Digest* d) {
  if (name.size() != 71 || name.substr(0, 7) != "sha256-") return false;
  auto parsed = Digest::Parse(name);
  if (!parsed.ok()) return false;
  *d = std::move(parsed).value();
  return true;
}

}  // namespace hearth::store::internal
