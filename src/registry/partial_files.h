#pragma once
// The partial files of one blob download (internal to the store module), in Ollama's layout:
//   blobs/sha256-<hex>-partial     the data, each part written in place at its offset (sparse)
//   blobs/sha256-<hex>-partial-N   part N's state, {"N":..,"Offset":..,"Size":..,"Completed":..}
// so either tool resumes the other's interrupted download. A state file is one fixed-size
// record rewritten with a single pwrite, always after the data it counts.

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/cancel.h"
#include "base/status.h"
#include "store/name.h"
#include "registry/registry_client.h"

namespace hearth::store {
class Store;
}

namespace hearth::registry::internal {

inline constexpr size_t kMaxParts = 256;  // each part keeps its state file open while downloading

// An owned file descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = o.fd_;
      o.fd_ = -1;
    }
    return *this;
  }
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

struct Part {
  int n = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t completed = 0;
  uint64_t saved = 0;  // `completed` as last written to the state file
  std::chrono::steady_clock::time_point saved_at;
  int state_fd = -1;  // the open, share-locked state file while downloading
};

// "what: strerror(errno)".
std::string Errno(const std::string& what);

// Writes part `p`'s state to its open state file (p.state_fd; `path` names it in errors).
Status WriteState(const std::string& path, Part& p);
// True when `p` has gone long enough (256 KiB or 250 ms) without its state being written.
bool StateDue(const Part& p);
// Opens (creating) every part's state file and holds a shared flock on it while `fds` live, so
// Store::Prune leaves them alone; sets each part's state_fd.
Status OpenStates(const Store& store, const Digest& d, std::vector<Part>& parts,
                  std::vector<Fd>* fds);
// The parts recorded for `d`, or an empty vector when they are missing, unreadable, or do not
// tile [0, size) exactly.
std::vector<Part> ReadPlan(const Store& store, const Digest& d, uint64_t size);
uint64_t SumCompleted(const std::vector<Part>& parts);
// Removes every part state file of `d`, whatever plan made it.
void RemoveStates(const Store& store, const Digest& d);
// Ollama's split: size / num_parts clamped to [min_part_size, max_part_size], at most kMaxParts
// parts; one part when the registry ignores ranges.
std::vector<Part> MakePlan(uint64_t size, const RegistryOptions& o, bool ranges);
// Opens and flocks (exclusively) the partial data file `path`, waiting while another process
// holds it and calling while_waiting about every 100 ms. Makes sure the locked file is still the
// one at `path`. Returns the descriptor, or Cancelled when `cancel` fires.
Result<int> LockPartial(const std::string& path, const CancelToken* cancel,
                        const std::function<void()>& while_waiting);

}  // namespace hearth::registry::internal
