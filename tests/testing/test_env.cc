#include "testing/test_env.h"

#include <sys/wait.h>

#include <cstdio>
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
// CLI commands talk to a server at HEARTH_HOST when one answers there: point every test process
// (and the hearth processes it starts) at a closed loopback port, so that a developer's running
// `hearth serve` never takes part in a test. Tests that want a server set HEARTH_HOST themselves.
[[maybe_unused]] const bool kNoServer = [] {
  ::setenv("HEARTH_HOST", "127.0.0.1:1", 1);
  return true;
}();

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
CommandResult RunShell(const std::string& command) {
  CommandResult r;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace hearth::testing
