#include "testing/test_env.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace hearth::testing {
namespace fs = std::filesystem;
namespace {
struct TempDirs {
  std::vector<fs::path> dirs;
  ~TempDirs() {
    std::error_code ec;
    for (const auto& d : dirs) fs::remove_all(d, ec);
  }
};
TempDirs& Dirs() {
  static TempDirs d;
  return d;
}
}  // namespace

std::string SharedModel(const std::string& relative) {
  return (fs::path(HEARTH_SHARED_MODELS) / relative).lexically_normal().string();
}

std::string TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "hearth-test-XXXXXX").string();
  char* made = ::mkdtemp(tmpl.data());
  if (!made) std::abort();
  Dirs().dirs.emplace_back(made);
  return made;
}

std::string HearthBinary() { return HEARTH_BINARY; }

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}
}  // namespace hearth::testing
