#include "base/check.h"
#include "registry/blob_download.h"

namespace hearth::registry::internal {

DownloadManager::~DownloadManager() {
  std::lock_guard<std::mutex> l(mu_);
  HEARTH_CHECK(jobs_.empty());
}

Result<bool> DownloadManager::Fetch(Store& store, const RegistrySession& session,
                                    const BlobTarget& t,
                                    const std::function<void(uint64_t)>& progress) {
  const std::string key = t.digest.hex;
  std::shared_ptr<Job> job;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = jobs_.find(key);
    if (it != jobs_.end()) {
      std::lock_guard<std::mutex> jl(it->second->mu);
      // A finished job may still be in the map until its last waiter leaves; start afresh (a
      // new job finds the blob at once if the old one published it).
      if (!it->second->done) job = it->second;
    }
    if (!job) {
      job = std::make_shared<Job>();
      job->session = session.WithCancel(&job->cancel);
      Job* j = job.get();
      job->thread = std::thread([j, &store, t] {
        Result<bool> r = DownloadBlob(store, *j->session, t, &j->completed);
        std::lock_guard<std::mutex> jl(j->mu);
        j->result = std::move(r);
        j->done = true;
        j->cv.notify_all();
      });
      jobs_[key] = job;
    }
    ++job->waiters;
  }

  const CancelToken* mine = session.options().cancel;
  bool cancelled = false;
  {
    std::unique_lock<std::mutex> l(job->mu);
    while (!job->done) {
      job->cv.wait_for(l, std::chrono::milliseconds(100));
      if (job->done) break;
      l.unlock();
      if (progress) progress(job->completed.load());
      l.lock();
      if (mine && mine->IsCancelled()) {
        cancelled = true;
        break;
      }
    }
  }

  bool last = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (--job->waiters == 0) {
      last = true;
      auto it = jobs_.find(key);
      if (it != jobs_.end() && it->second == job) jobs_.erase(it);
      job->cancel.Cancel();  // no-op when it is done; else nobody waits for it any more
    }
  }
  if (last) job->thread.join();
  if (cancelled) return Cancelled("pull cancelled");
  std::lock_guard<std::mutex> l(job->mu);
  if (job->result.ok() && progress) progress(job->completed.load());
  return job->result;
}

}  // namespace hearth::registry::internal
