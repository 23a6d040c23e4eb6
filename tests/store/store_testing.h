#pragma once
// Helpers shared by the store tests.
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "store/sha256.h"
#include "store/store.h"
#include "testing/test_env.h"

namespace hearth::store::testing {

inline std::unique_ptr<Store> OpenTemp(std::string* root = nullptr) {
  const std::string dir = hearth::testing::TempDir() + "/models";
  if (root) *root = dir;
  auto s = Store::Open(dir);
  if (!s.ok()) return nullptr;
  return std::move(s).value();
}

// Names of the regular files directly in `dir`, sorted.
inline std::vector<std::string> Files(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) out.push_back(it->path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A manifest with a model layer from `gguf_digest` and the given small layers.
inline Manifest MakeManifest(Store& s, const Digest& model, uint64_t model_size,
                             const std::vector<std::pair<std::string, std::string>>& small = {}) {
  Manifest m;
  const std::string config = R"({"model_format":"gguf","model_family":"llama"})";
  m.config = {kConfigMediaType, s.PutBytes(config).value(), config.size(), "", ""};
  m.layers.push_back({kMediaModel, model, model_size, "", ""});
  for (const auto& [type, text] : small) {
    m.layers.push_back({type, s.PutBytes(text).value(), text.size(), "", ""});
  }
  return m;
}

inline uint64_t FileSize(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

}  // namespace hearth::store::testing
