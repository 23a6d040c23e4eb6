#include "registry/partial_files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "store/store.h"

namespace hearth::registry::internal {

namespace fs = std::filesystem;

namespace {

constexpr size_t kStateBytes = 128;  // fixed size of a part state file
// A part's state is rewritten when this many bytes or this much time went unrecorded.
constexpr uint64_t kStateEveryBytes = 256 << 10;
constexpr auto kStateEveryTime = std::chrono::milliseconds(250);

std::string StateText(const Part& p) {
  std::string s = "{\"N\":" + std::to_string(p.n) + ",\"Offset\":" + std::to_string(p.offset) +
                  ",\"Size\":" + std::to_string(p.size) +
                  ",\"Completed\":" + std::to_string(p.completed) + "}";
  s.resize(kStateBytes - 1, ' ');
  return s + "\n";
}

}  // namespace

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

bool StateDue(const Part& p) {
  return p.completed - p.saved >= kStateEveryBytes ||
         std::chrono::steady_clock::now() - p.saved_at >= kStateEveryTime;
}

// One pwrite of a fixed-size record: a kill -9 leaves the old or the new state, never a mix.
Status WriteState(const std::string& path, Part& p) {
  const std::string text = StateText(p);
  if (::pwrite(p.state_fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    return IOError(Errno("write " + path));
  }
  p.saved = p.completed;
  p.saved_at = std::chrono::steady_clock::now();
  return Status::Ok();
}

Status OpenStates(const Store& store, const Digest& d, std::vector<Part>& parts,
                  std::vector<Fd>* fds) {
  for (Part& p : parts) {
    const std::string path = store.PartialPath(d, p.n);
    Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (fd.get() < 0) return IOError(Errno("open " + path));
    while (::flock(fd.get(), LOCK_SH) != 0) {
      if (errno != EINTR) return IOError(Errno("lock " + path));
    }
    p.state_fd = fd.get();
    fds->push_back(std::move(fd));
  }
  return Status::Ok();
}

namespace {

bool ReadUint(const nlohmann::json& j, const char* key, uint64_t* out) {
  if (!j.contains(key) || !j[key].is_number_integer()) return false;
  if (j[key].is_number_unsigned()) {
    *out = j[key].get<uint64_t>();
    return true;
  }
  int64_t v = j[key].get<int64_t>();
  if (v < 0) return false;
  *out = static_cast<uint64_t>(v);
  return true;
}

}  // namespace

std::vector<Part> ReadPlan(const Store& store, const Digest& d, uint64_t size) {
  std::vector<Part> parts;
  uint64_t next = 0;
  for (size_t n = 0; n < kMaxParts; ++n) {
    const std::string path = store.PartialPath(d, static_cast<int>(n));
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) break;
    char buf[kStateBytes * 4];
    ssize_t got = ::read(fd.get(), buf, sizeof buf);
    if (got <= 0) return {};
    auto j = nlohmann::json::parse(std::string_view(buf, static_cast<size_t>(got)), nullptr, false);
    Part p;
    uint64_t pn = 0;
    if (j.is_discarded() || !j.is_object() || !ReadUint(j, "N", &pn) ||
        !ReadUint(j, "Offset", &p.offset) || !ReadUint(j, "Size", &p.size) ||
        !ReadUint(j, "Completed", &p.completed)) {
      return {};
    }
    p.n = static_cast<int>(n);
    p.saved = p.completed;
    if (pn != n || p.offset != next || p.completed > p.size || p.size > size - next) return {};
    if (p.size == 0 && size != 0) return {};
    next += p.size;
    parts.push_back(p);
  }
  if (parts.empty() || next != size) return {};
  return parts;
}

uint64_t SumCompleted(const std::vector<Part>& parts) {
  uint64_t sum = 0;
  for (const Part& p : parts) sum += p.completed;
  return sum;
}

void RemoveStates(const Store& store, const Digest& d) {
  const fs::path first = store.PartialPath(d);
  const std::string prefix = first.filename().string() + "-";
  std::error_code ec;
  for (fs::directory_iterator it(first.parent_path(), ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    if (name.find_first_not_of("0123456789", prefix.size()) != std::string::npos) continue;
    std::error_code rm;
    fs::remove(it->path(), rm);
  }
}

std::vector<Part> MakePlan(uint64_t size, const RegistryOptions& o, bool ranges) {
  uint64_t part = size / static_cast<uint64_t>(std::max(1, o.num_parts));
  part = std::clamp<uint64_t>(part, std::max<uint64_t>(1, o.min_part_size),
                              std::max<uint64_t>(1, o.max_part_size));
  if (!ranges || size == 0) part = std::max<uint64_t>(size, 1);
  if (size / part >= kMaxParts) part = size / (kMaxParts - 1) + 1;
  std::vector<Part> parts;
  for (uint64_t off = 0; off < size || parts.empty(); off += part) {
    Part p;
    p.n = static_cast<int>(parts.size());
    p.offset = off;
    p.size = std::min(part, size - off);
    parts.push_back(p);
    if (size == 0) break;
  }
  return parts;
}

Result<int> LockPartial(const std::string& path, const CancelToken* cancel,
                        const std::function<void()>& while_waiting) {
  for (int tries = 0; tries < 1000; ++tries) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return IOError(Errno("open " + path));
    for (;;) {
      if (::flock(fd, LOCK_EX | LOCK_NB) == 0) break;
      if (errno == EINTR) continue;
      if (errno != EWOULDBLOCK) {
        Status s = IOError(Errno("lock " + path));
        ::close(fd);
        return s;
      }
      if (cancel && cancel->IsCancelled()) {
        ::close(fd);
        return Cancelled("pull cancelled");
      }
      while_waiting();
      ::usleep(100 * 1000);
    }
    struct stat held, now;
    if (::fstat(fd, &held) == 0 && ::stat(path.c_str(), &now) == 0 && held.st_ino == now.st_ino &&
        held.st_dev == now.st_dev) {
      return fd;
    }
    ::close(fd);  // published or removed while we waited: lock whatever is there now
  }
  return Internal("could not lock " + path);
}

}  // namespace hearth::registry::internal
