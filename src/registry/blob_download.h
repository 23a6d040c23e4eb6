#pragma once
// Downloading one blob into the store (internal to the store module). The bytes go into the
// blob's partial files (store/partial_files.h). The partial data file is also the cross-process
// lock: its holder (flock) is the only writer; other processes wait on it, reporting progress
// from the part state files, and find the blob published when they get the lock. When all parts
// are complete, Store::PromotePartial verifies the sha256 and publishes the blob (a mismatch
// removes the partial files).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/status.h"
#include "store/name.h"
#include "registry/registry_session.h"

namespace hearth::store {
class Store;
}

namespace hearth::registry::internal {

struct BlobTarget {
  Digest digest;
  uint64_t size = 0;  // from the manifest
  bool gguf = false;  // validate as GGUF before publishing
};

// Makes sure blob `t` is in the store, downloading it with `session` unless present. Bytes
// present so far are published in *completed as they arrive. Returns true when the blob was
// already there (a cache hit).
Result<bool> DownloadBlob(Store& store, RegistrySession& session, const BlobTarget& t,
                          std::atomic<uint64_t>* completed);

// One in-flight download per digest in this process. Thread-safe.
class DownloadManager {
 public:
  DownloadManager() = default;
  ~DownloadManager();  // REQUIRES: no Fetch in flight
  DownloadManager(const DownloadManager&) = delete;
  DownloadManager& operator=(const DownloadManager&) = delete;

  // Joins the download of t.digest under way in this process, or starts one (on a thread of its
  // own, with its own copy of `session`), and waits for it, calling progress(completed) about
  // every 100 ms. If the caller's cancel token fires it stops waiting; the download itself is
  // cancelled when no caller waits for it any more. Returns DownloadBlob's result.
  Result<bool> Fetch(Store& store, const RegistrySession& session, const BlobTarget& t,
                     const std::function<void(uint64_t completed)>& progress);

 private:
  struct Job {
    CancelToken cancel;
    std::unique_ptr<RegistrySession> session;
    std::atomic<uint64_t> completed{0};
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;           // guarded by mu
    Result<bool> result{false};  // guarded by mu; valid when done
    int waiters = 0;             // guarded by DownloadManager::mu_
    std::thread thread;
  };
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;  // by digest hex; guarded by mu_
};

}  // namespace hearth::registry::internal
