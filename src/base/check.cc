#include "base/check.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace hearth {
namespace {
std::atomic<uint64_t> g_bugs{0};
}

uint64_t BugCount() { return g_bugs.load(); }

namespace internal {
void CheckFailed(const char* file, int line, const char* expr) {
  std::fprintf(stderr, "hearth: CHECK failed at %s:%d: %s\n", file, line, expr);
  std::abort();
}
void ReportBug(const char* file, int line, const char* msg) {
  g_bugs.fetch_add(1);
  std::fprintf(stderr, "hearth: BUG at %s:%d: %s\n", file, line, msg);
}
}  // namespace internal
}  // namespace hearth
