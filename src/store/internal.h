#pragma once
// Helpers private to src/store: quoting hostile text for error messages, and the POSIX file
// operations the store is built from (full writes, fsync of files and directories, flock,
// bounded reads, unique temp names). Thread-compatible; no state.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/name.h"

namespace hearth::store::internal {

// `s` in double quotes, with '"', '\\' and non-printable bytes escaped (\xNN) and anything past
// `max` bytes cut to "...", so hostile names and digests print safely in one line.
std::string Quote(std::string_view s, size_t max = 96);

// True iff `a` and `b` are equal ignoring ASCII case (Go's strings.EqualFold on ASCII).
bool EqualFold(std::string_view a, std::string_view b);

// "message (strerror)" for `err`.
std::string ErrnoMessage(const std::string& what, int err);

// An owned file descriptor, closed on destruction. Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Opens `path` with `flags` (O_CLOEXEC added), retrying on EINTR. NotFound / IOError.
Result<UniqueFd> OpenFile(const std::string& path, int flags, mode_t mode = 0644);
// Writes all `size` bytes (retrying short writes and EINTR). IOError naming `what`.
Status WriteFull(int fd, const void* data, size_t size, const std::string& what);
// Reads up to `size` bytes; returns the count (0 at end of file) or IOError.
Result<size_t> ReadSome(int fd, void* data, size_t size, const std::string& what);
// fsync(fd); IOError naming `what`.
Status Fsync(int fd, const std::string& what);
// Opens directory `dir` and fsyncs it, so a rename or unlink inside it is durable.
Status FsyncDir(const std::string& dir);
// Whole regular file, at most `max_bytes` (ResourceExhausted above). Never blocks on a FIFO or
// device (InvalidArgument: not a regular file). NotFound / IOError.
Result<std::string> ReadFileBounded(const std::string& path, size_t max_bytes);
// Writes `bytes` to `path` atomically: a hidden temp file beside it, fsync, rename, fsync of the
// directory. Readers see the old file or the new one, never a mix; a crash leaves at most a
// stale ".<name>.tmp-*" file.
Status AtomicWriteFile(const std::string& path, std::string_view bytes);
// True iff `name` is a hidden temp name AtomicWriteFile makes.
bool IsAtomicTempName(std::string_view name);

// Blocks until an exclusive flock on `path` (created if needed) is held; the lock is released
// when the returned descriptor closes (or the process dies).
Result<UniqueFd> LockExclusive(const std::string& path);
// Tries flock(LOCK_EX | LOCK_NB) on `fd`: true if acquired (no other holder).
bool TryLockExclusive(int fd);
// flock(LOCK_SH) on `fd`; IOError on failure.
Status LockShared(int fd);

// 16 random hex characters for unique file names.
std::string RandomHex();
// Modification time of `path`; false when it cannot be stat'ed.
bool ModTime(const std::string& path, std::chrono::system_clock::time_point* out);

// A regular, non-hidden file under <root>/manifests.
struct ManifestFile {
  std::string path;               // absolute
  std::string rel;                // relative to the manifests directory, e.g. "host/ns/model/tag"
  std::optional<ModelName> name;  // set iff rel has exactly 4 valid parts
};
// Every manifest file below `dir` (any depth up to 8; symlinked directories are not followed),
// sorted by `rel`. Errors reading a directory skip it.
std::vector<ManifestFile> WalkManifests(const std::string& dir);
// Removes empty directories below `dir` (never `dir` itself).
void RemoveEmptyDirs(const std::string& dir);
// True iff `name` is a blob file name "sha256-<64 lowercase hex>"; sets *d.
bool ParseBlobFileName(std::string_view name, Digest* d);

}  // namespace hearth::store::internal
