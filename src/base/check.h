#pragma once
// Three assertion levels (STYLE.md §3.4):
//   HEARTH_CHECK(cond)  fatal in every build: a broken invariant, never bad input.
//   HEARTH_DCHECK(cond) fatal in debug builds only.
//   HEARTH_BUG(msg)     logs and counts, then continues: "this should not happen, but is survivable".

#include <cstdint>

namespace hearth::internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* expr);
void ReportBug(const char* file, int line, const char* msg);
}  // namespace hearth::internal

namespace hearth {
// Number of HEARTH_BUG reports since start. Thread-safe.
uint64_t BugCount();
}  // namespace hearth

#define HEARTH_CHECK(cond) \
  ((cond) ? (void)0 : ::hearth::internal::CheckFailed(__FILE__, __LINE__, #cond))
#ifdef NDEBUG
#define HEARTH_DCHECK(cond) ((void)0)
#else
#define HEARTH_DCHECK(cond) HEARTH_CHECK(cond)
#endif
#define HEARTH_BUG(msg) ::hearth::internal::ReportBug(__FILE__, __LINE__, (msg))
