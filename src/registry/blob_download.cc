#include "registry/blob_download.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <vector>

#include "registry/partial_files.h"
#include "registry/registry_client.h"
#include "store/store.h"

namespace hearth::registry::internal {
namespace {

bool Retryable(const Status& s) { return s.code() == StatusCode::kUnavailable; }

// Parses "bytes <first>-<last>/<total|*>".
bool ParseContentRange(const std::string& v, uint64_t* first, uint64_t* total, bool* has_total) {
  unsigned long long a = 0, b = 0, t = 0;
  char star = 0;
  if (std::sscanf(v.c_str(), "bytes %llu-%llu/%llu", &a, &b, &t) == 3) {
    *first = a;
    *total = t;
    *has_total = true;
    return true;
  }
  if (std::sscanf(v.c_str(), "bytes %llu-%llu/%c", &a, &b, &star) == 3 && star == '*') {
    *first = a;
    *has_total = false;
    return true;
  }
  return false;
}

// Downloads the parts of one blob into the locked partial file `fd`.
class PartFetcher {
 public:
  PartFetcher(const Store& store, RegistrySession& session, const BlobTarget& t, int fd,
              std::vector<Part>& parts, std::atomic<uint64_t>* completed)
      : store_(store), session_(session), t_(t), fd_(fd), parts_(parts), completed_(completed) {}

  // Finds where the blob is served (following redirects) and whether ranges work.
  Status Probe() {
    const std::string url = session_.RepoUrl("blobs/" + t_.digest.ToString());
    return WithRetries("locating blob", [&](bool*) -> Status {
      curl::Request req;
      req.url = url;
      req.headers = {"Range: bytes=0-0"};
      req.sink = [](const curl::Request::Head&, const char*, size_t) { return false; };
      std::string final_url;
      auto r = session_.Send(req, /*follow=*/true, &final_url);
      if (!r.ok()) return r.status();
      const std::string what = "GET " + url;
      if (r->status == 404) {
        return NotFound("blob " + t_.digest.ToString() + " not found in registry (" + what + ")");
      }
      if (r->status == 429 || r->status >= 500) {
        return Unavailable(what + ": " + DescribeHttpError(*r));
      }
      if (r->status != 200 && r->status != 206) {
        return FailedPrecondition(what + ": " + DescribeHttpError(*r));
      }
      uint64_t total = 0, first = 0;
      bool has_total = false;
      if (r->status == 206) {
        if (!ParseContentRange(r->Header("content-range"), &first, &total, &has_total)) {
          return DataLoss(what + ": malformed Content-Range \"" + r->Header("content-range") +
                          "\"");
        }
      } else {
        const std::string len = r->Header("content-length");
        has_total = !len.empty() && len.find_first_not_of("0123456789") == std::string::npos &&
                    len.size() < 20;
        if (has_total) total = std::stoull(len);
      }
      if (has_total && total != t_.size) {
        return DataLoss("blob " + ShortDigest(t_.digest.ToString()) + " is " +
                        std::to_string(total) + " bytes in the registry; the manifest says " +
                        std::to_string(t_.size));
      }
      std::lock_guard<std::mutex> l(mu_);
      direct_url_ = final_url;
      ranges_ = r->status == 206;
      return Status::Ok();
    });
  }

  bool ranges() const { return ranges_; }

  // Fetches every incomplete part with up to max_streams connections.
  Status Run() {
    for (Part& p : parts_) {
      if (p.completed < p.size) queue_.push_back(&p);
    }
    const size_t streams =
        std::min<size_t>(std::max(1, session_.options().max_streams), queue_.size());
    std::vector<std::thread> threads;
    for (size_t i = 1; i < streams; ++i) threads.emplace_back([this] { Worker(); });
    Worker();
    for (auto& th : threads) th.join();
    return first_error_;
  }

 private:
  void Worker() {
    for (;;) {
      Part* p;
      {
        std::lock_guard<std::mutex> l(mu_);
        if (queue_.empty() || !first_error_.ok()) return;
        p = queue_.front();
        queue_.pop_front();
      }
      Status s = FetchPart(*p);
      if (!s.ok()) {
        std::lock_guard<std::mutex> l(mu_);
        if (first_error_.ok()) first_error_ = s;
        stop_ = true;
        return;
      }
    }
  }

  // Runs `attempt` until it succeeds, fails for good, or runs out of retries. `attempt` sets
  // *progressed when it moved bytes (which resets the count of failures in a row).
  Status WithRetries(const std::string& what, const std::function<Status(bool*)>& attempt) {
    const RegistryOptions& o = session_.options();
    int streak = 0, attempts = 0;
    for (;;) {
      bool progressed = false;
      Status s = attempt(&progressed);
      if (s.ok() || !Retryable(s)) return s;
      ++attempts;
      streak = progressed ? 1 : streak + 1;
      if (streak > o.max_retries || attempts > 10 * (o.max_retries + 1)) {
        return Unavailable(what + ": giving up after " + std::to_string(attempts) +
                           " attempts: " + s.message());
      }
      if (!Backoff(o, streak, &stop_)) return Cancelled("pull cancelled");
    }
  }

  Status FetchPart(Part& p) {
    const std::string what = ShortDigest(t_.digest.ToString()) + " part " + std::to_string(p.n);
    return WithRetries(what, [&](bool* progressed) -> Status {
      const uint64_t before = p.completed;
      bool reprobe = false;
      Status s = Attempt(p, &reprobe);
      *progressed = p.completed > before;
      if (reprobe && Retryable(s)) {
        Status probe = Probe();
        if (!probe.ok()) return probe;
      }
      return s;
    });
  }

  Status Attempt(Part& p, bool* reprobe) {
    if (stop_) return Cancelled("pull cancelled");
    if (p.completed == p.size) return Status::Ok();
    std::string url;
    {
      std::lock_guard<std::mutex> l(mu_);
      url = direct_url_;
    }
    const std::string state_path = store_.PartialPath(t_.digest, p.n);
    const uint64_t start = p.offset + p.completed;
    const uint64_t last = p.offset + p.size - 1;
    curl::Request req;
    req.url = url;
    req.headers = {"Range: bytes=" + std::to_string(start) + "-" + std::to_string(last)};
    Status sink_error;
    bool started = false;
    uint64_t skip = 0;
    req.sink_error = &sink_error;
    req.sink = [&](const curl::Request::Head& h, const char* data, size_t n) -> bool {
      if (stop_) {
        sink_error = Cancelled("pull cancelled");
        return false;
      }
      if (!started) {
        started = true;
        if (h.status == 206) {
          uint64_t first = 0, total = 0;
          bool has_total = false;
          if (!ParseContentRange(h.response->Header("content-range"), &first, &total, &has_total) ||
              first != start) {
            sink_error = DataLoss("GET " + url + ": asked for bytes " + std::to_string(start) +
                                  "-" + std::to_string(last) + ", got \"" +
                                  h.response->Header("content-range") + "\"");
            return false;
          }
        } else if (h.status == 200) {
          skip = start;  // the server ignored the range: drop what we already have
        } else {
          sink_error = DataLoss("GET " + url + ": unexpected HTTP " + std::to_string(h.status));
          return false;
        }
      }
      if (skip > 0) {
        const size_t k = static_cast<size_t>(std::min<uint64_t>(skip, n));
        data += k;
        n -= k;
        skip -= k;
        if (n == 0) return true;
      }
      const size_t w = static_cast<size_t>(std::min<uint64_t>(n, p.size - p.completed));
      size_t done = 0;
      while (done < w) {
        ssize_t put =
            ::pwrite(fd_, data + done, w - done, static_cast<off_t>(p.offset + p.completed + done));
        if (put < 0 && errno == EINTR) continue;
        if (put <= 0) {
          sink_error = IOError(Errno("write " + store_.PartialPath(t_.digest)));
          return false;
        }
        done += static_cast<size_t>(put);
      }
      p.completed += w;
      completed_->fetch_add(w);
      if (StateDue(p)) {
        Status st = WriteState(state_path, p);
        if (!st.ok()) {
          sink_error = st;
          return false;
        }
      }
      return p.completed < p.size;  // stop once the part is complete
    };
    auto r = session_.Send(req, /*follow=*/true);
    if (p.completed != p.saved) HEARTH_RETURN_IF_ERROR(WriteState(state_path, p));
    if (!r.ok()) return r.status();
    if (p.completed == p.size) return Status::Ok();
    const std::string head = "GET " + url + ": ";
    if (r->status >= 200 && r->status < 300) {
      return Unavailable(head + "connection closed with " + std::to_string(p.size - p.completed) +
                         " bytes of part " + std::to_string(p.n) + " missing");
    }
    if (r->status == 416) {
      return DataLoss(head + "the registry has fewer bytes than the manifest says (HTTP 416)");
    }
    const bool direct = url != session_.RepoUrl("blobs/" + t_.digest.ToString());
    if (direct && (r->status == 401 || r->status == 403 || r->status == 404 || r->status == 410)) {
      *reprobe = true;  // an expiring redirect target: ask the registry again
      return Unavailable(head + DescribeHttpError(*r));
    }
    if (r->status == 429 || r->status >= 500) return Unavailable(head + DescribeHttpError(*r));
    return FailedPrecondition(head + DescribeHttpError(*r));
  }

  const Store& store_;
  RegistrySession& session_;
  const BlobTarget& t_;
  const int fd_;
  std::vector<Part>& parts_;
  std::atomic<uint64_t>* completed_;
  std::mutex mu_;
  std::string direct_url_;   // guarded by mu_
  bool ranges_ = true;       // guarded by mu_
  std::deque<Part*> queue_;  // guarded by mu_
  Status first_error_;       // guarded by mu_
  std::atomic<bool> stop_{false};
};

}  // namespace

Result<bool> DownloadBlob(Store& store, RegistrySession& session, const BlobTarget& t,
                          std::atomic<uint64_t>* completed) {
  const std::string short_digest = ShortDigest(t.digest.ToString());
  if (store.RetainBlob(t.digest)) {
    completed->store(t.size);
    return true;
  }
  const std::string data_path = store.PartialPath(t.digest);
  auto locked = LockPartial(data_path, session.options().cancel, [&] {
    completed->store(SumCompleted(ReadPlan(store, t.digest, t.size)));
  });
  if (!locked.ok()) return locked.status();
  Fd fd(*locked);
  if (store.RetainBlob(t.digest)) {  // another process published it while we waited
    ::unlink(data_path.c_str());
    RemoveStates(store, t.digest);
    completed->store(t.size);
    return true;
  }

  std::vector<Part> parts = ReadPlan(store, t.digest, t.size);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return IOError(Errno("stat " + data_path));
  const uint64_t data_size = static_cast<uint64_t>(st.st_size);
  if (data_size != t.size && SumCompleted(parts) > 0) parts.clear();  // data lost: start over
  completed->store(SumCompleted(parts));
  const bool all_done = !parts.empty() && SumCompleted(parts) == t.size;

  std::vector<Fd> state_fds;
  if (!all_done && t.size > 0) {
    PartFetcher fetcher(store, session, t, fd.get(), parts, completed);
    Status probe = fetcher.Probe();
    if (!probe.ok()) return probe.WithContext("pulling " + short_digest);
    if (parts.empty() || (!fetcher.ranges() && parts.size() > 1)) {
      RemoveStates(store, t.digest);
      parts = MakePlan(t.size, session.options(), fetcher.ranges());
      HEARTH_RETURN_IF_ERROR(OpenStates(store, t.digest, parts, &state_fds));
      for (Part& p : parts) HEARTH_RETURN_IF_ERROR(WriteState(store.PartialPath(t.digest, p.n), p));
      completed->store(0);
    } else {
      HEARTH_RETURN_IF_ERROR(OpenStates(store, t.digest, parts, &state_fds));
    }
    if (data_size != t.size && ::ftruncate(fd.get(), static_cast<off_t>(t.size)) != 0) {
      return IOError(Errno("resize " + data_path));
    }
    Status run = fetcher.Run();
    if (!run.ok()) return run.WithContext("pulling " + short_digest);
  } else if (parts.empty()) {  // an empty blob: nothing to fetch
    if (data_size != 0 && ::ftruncate(fd.get(), 0) != 0) {
      return IOError(Errno("resize " + data_path));
    }
  }

  // PromotePartial takes a shared lock on the partial file: downgrade ours (EX -> SH cannot
  // conflict, so no other downloader slips in; they keep waiting until the file is gone).
  while (::flock(fd.get(), LOCK_SH) != 0) {
    if (errno != EINTR) return IOError(Errno("lock " + data_path));
  }
  state_fds.clear();
  Status promoted = store.PromotePartial(t.digest, 0, t.gguf);
  if (!promoted.ok() && (promoted.code() == StatusCode::kIOError ||
                         promoted.code() == StatusCode::kResourceExhausted)) {
    return promoted.WithContext("pulling " + short_digest);  // keep the bytes: a retry resumes
  }
  RemoveStates(store, t.digest);
  if (!promoted.ok()) {
    // A digest mismatch or an invalid GGUF: the bytes are worthless. The store removes the
    // partial file; make sure of it.
    ::unlink(data_path.c_str());
    return promoted.WithContext("pulling " + short_digest);
  }
  completed->store(t.size);
  return false;
}

}  // namespace hearth::registry::internal
