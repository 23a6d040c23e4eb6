// libFuzzer target for model-name and digest parsing. Whatever the input, a name or digest that
// parses (or a hand-built name that validates) must yield a path that stays inside the store
// root, and a parsed name must round-trip through Full(). Built with -DHEARTH_FUZZ=ON (clang).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "store/name.h"
#include "store/store.h"

namespace {

using hearth::store::Digest;
using hearth::store::ModelName;
using hearth::store::Store;

Store* g_store = nullptr;
std::string* g_dir = nullptr;

void RemoveStoreDir() {
  std::error_code ec;
  std::filesystem::remove_all(*g_dir, ec);
}

[[noreturn]] void Fail(const char* what, std::string_view input, const std::string& path) {
  std::fprintf(stderr, "name_fuzz: %s\n  input (%zu bytes)\n  path: %s\n", what, input.size(),
               path.c_str());
  std::abort();
}

// `path` must be below `dir` (itself inside the root) after lexical normalisation, with no
// "." / ".." / empty components and no control bytes, and `depth` components below `dir`.
void CheckInside(const std::string& dir, const std::string& path, size_t depth,
                 std::string_view input) {
  if (path.compare(0, dir.size() + 1, dir + "/") != 0)
    Fail("path outside its directory", input, path);
  const std::string rest = path.substr(dir.size() + 1);
  size_t parts = 0, start = 0;
  while (true) {
    const size_t end = rest.find('/', start);
    const std::string part = rest.substr(start, end == std::string::npos ? end : end - start);
    if (part.empty() || part == "." || part == "..") Fail("bad path component", input, path);
    for (unsigned char c : part) {
      if (c < 0x20 || c == 0x7f || c == '\\')
        Fail("control byte or backslash in path", input, path);
    }
    ++parts;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (parts != depth) Fail("unexpected path depth", input, path);
  const std::string normal = std::filesystem::path(path).lexically_normal().string();
  if (normal != path) Fail("path is not in normal form", input, path);
}

void CheckName(const ModelName& n, std::string_view input) {
  const std::string rel = n.ManifestPath();
  if (rel.empty()) Fail("valid name without a manifest path", input, rel);
  CheckInside(g_store->root() + "/manifests", g_store->root() + "/" + rel, 4, input);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char tmpl[] = "/tmp/hearth-name-fuzz-XXXXXX";
  if (!mkdtemp(tmpl)) std::abort();
  auto s = Store::Open(tmpl);
  if (!s.ok()) std::abort();
  g_store = s->release();
  g_dir = new std::string(tmpl);
  std::atexit(RemoveStoreDir);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto name = ModelName::Parse(input);
  if (name.ok()) {
    if (!name->Validate().ok()) Fail("parsed name does not validate", input, name->Full());
    CheckName(*name, input);
    auto again = ModelName::Parse(name->Full());
    if (!again.ok() || !(*again == *name)) Fail("Full() does not round-trip", input, name->Full());
    auto shown = ModelName::Parse(name->Display());
    if (!shown.ok()) Fail("Display() does not parse", input, name->Display());
  }

  auto digest = Digest::Parse(input);
  if (digest.ok()) {
    if (!digest->IsValid()) Fail("parsed digest is not valid", input, digest->hex);
    CheckInside(g_store->root() + "/blobs", g_store->BlobPath(*digest), 1, input);
    CheckInside(g_store->root() + "/blobs", g_store->PartialPath(*digest, 3), 1, input);
  }
  // Any bytes as a hand-built digest: BlobPath never leaves the blob directory.
  CheckInside(g_store->root() + "/blobs", g_store->BlobPath(Digest{std::string(input)}), 1, input);

  // The input split at 0x01 into host, namespace, model and tag, as a hand-built name.
  ModelName built;
  std::string* fields[] = {&built.host, &built.ns, &built.model, &built.tag};
  size_t field = 0;
  for (char c : input) {
    if (c == '\x01' && field < 3) {
      ++field;
    } else {
      fields[field]->push_back(c);
    }
  }
  if (built.Validate().ok()) {
    CheckName(built, input);
  } else if (!built.ManifestPath().empty()) {
    Fail("invalid name with a manifest path", input, built.ManifestPath());
  }
  return 0;
}
