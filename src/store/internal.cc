#include "store/internal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace hearth::store::internal {

std::string Quote(std::string_view s, size_t max) {
  std::string out = "\"";
  const size_t n = s.size() > max ? max : s.size();
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (n < s.size()) out += "...";
  return out + "\"";
}

bool EqualFold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string ErrnoMessage(const std::string& what, int err) {
  return what + " (" + std::strerror(err) + ")";
}

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) reset(o.release());
  return *this;
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Result<UniqueFd> OpenFile(const std::string& path, int flags, mode_t mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return NotFound(ErrnoMessage("cannot open " + path, err));
    return IOError(ErrnoMessage("cannot open " + path, err));
  }
  return UniqueFd(fd);
}

Status WriteFull(int fd, const void* data, size_t size, const std::string& what) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IOError(ErrnoMessage("cannot write " + what, errno));
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return Status();
}

Result<size_t> ReadSome(int fd, void* data, size_t size, const std::string& what) {
  while (true) {
    const ssize_t n = ::read(fd, data, size);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return IOError(ErrnoMessage("cannot read " + what, errno));
  }
}

Status Fsync(int fd, const std::string& what) {
  if (::fsync(fd) != 0) return IOError(ErrnoMessage("cannot fsync " + what, errno));
  return Status();
}

Status FsyncDir(const std::string& dir) {
  HEARTH_ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(dir, O_RDONLY | O_DIRECTORY));
  return Fsync(fd.get(), dir);
}

Result<std::string> ReadFileBounded(const std::string& path, size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO planted in the store must not hang (regular files ignore it).
  HEARTH_ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(path, O_RDONLY | O_NONBLOCK));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return IOError(ErrnoMessage("cannot stat " + path, errno));
  if (!S_ISREG(st.st_mode)) return InvalidArgument(path + " is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return ResourceExhausted(path + " has " + std::to_string(st.st_size) + " bytes, more than " +
                             std::to_string(max_bytes));
  }
  std::string out;
  out.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < out.size()) {
    HEARTH_ASSIGN_OR_RETURN(size_t n, ReadSome(fd.get(), out.data() + got, out.size() - got, path));
    if (n == 0) break;
    got += n;
  }
  out.resize(got);
  // A file that grew after fstat: read on, still bounded.
  char extra[4096];
  while (true) {
    HEARTH_ASSIGN_OR_RETURN(size_t n, ReadSome(fd.get(), extra, sizeof(extra), path));
    if (n == 0) break;
    if (out.size() + n > max_bytes) {
      return ResourceExhausted(path + " has more than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(extra, n);
  }
  return out;
}

Status AtomicWriteFile(const std::string& path, std::string_view bytes) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const std::string temp = dir + "/." + base + ".tmp-" + RandomHex();
  HEARTH_ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(temp, O_WRONLY | O_CREAT | O_EXCL, 0644));
  Status s = WriteFull(fd.get(), bytes.data(), bytes.size(), temp);
  if (s.ok()) s = Fsync(fd.get(), temp);
  fd.reset();
  if (s.ok() && ::rename(temp.c_str(), path.c_str()) != 0) {
    s = IOError(ErrnoMessage("cannot rename " + temp + " to " + path, errno));
  }
  if (!s.ok()) {
    ::unlink(temp.c_str());
    return s;
  }
  return FsyncDir(dir);
}

bool IsAtomicTempName(std::string_view name) {
  return name.size() > 1 && name[0] == '.' && name.find(".tmp-") != std::string_view::npos;
}

Result<UniqueFd> LockExclusive(const std::string& path) {
  HEARTH_ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(path, O_RDWR | O_CREAT, 0644));
  while (::flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return IOError(ErrnoMessage("cannot lock " + path, errno));
  }
  return fd;
}

bool TryLockExclusive(int fd) { return ::flock(fd, LOCK_EX | LOCK_NB) == 0; }

Status LockShared(int fd) {
  while (::flock(fd, LOCK_SH) != 0) {
    if (errno != EINTR) return IOError(ErrnoMessage("cannot lock a file", errno));
  }
  return Status();
}

std::string RandomHex() {
  // getrandom each time: a forked child must not repeat its parent's names.
  uint64_t v = 0;
  if (::getrandom(&v, sizeof(v), 0) != static_cast<ssize_t>(sizeof(v))) {
    static std::atomic<uint64_t> counter{0};
    v = (static_cast<uint64_t>(::getpid()) << 32) ^ ++counter ^
        static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

bool ModTime(const std::string& path, std::chrono::system_clock::time_point* out) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return false;
  using namespace std::chrono;
  *out = system_clock::time_point(duration_cast<system_clock::duration>(
      seconds(st.st_mtim.tv_sec) + nanoseconds(st.st_mtim.tv_nsec)));
  return true;
}

}  // namespace hearth::store::internal
