// RegistryClient::Push: HEAD each blob (skip it when the registry has it), else POST an upload
// session and PUT the bytes with ?digest= (a monolithic upload); then PUT the manifest bytes.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "store/manifest.h"
#include "store/registry_client.h"
#include "store/registry_session.h"
#include "store/store.h"

namespace hearth::store {
namespace {

using internal::RegistrySession;

class ReadFd {
 public:
  explicit ReadFd(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~ReadFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  ReadFd(const ReadFd&) = delete;
  ReadFd& operator=(const ReadFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Status HttpFailure(const std::string& what, const http::Response& r) {
  std::string msg = what + ": " + internal::DescribeHttpError(r);
  if (r.status >= 500 || r.status == 429) return Unavailable(msg);
  return FailedPrecondition(msg);
}

// One attempt at making the registry hold `layer`.
Status UploadOnce(const Store& store, RegistrySession& session, const Layer& layer,
                  const ProgressFn& report) {
  const std::string digest = layer.digest.ToString();
  const std::string status = "pushing " + ShortDigest(digest);
  const std::string blob_url = session.RepoUrl("blobs/" + digest);

  http::Request head;
  head.method = "HEAD";
  head.url = blob_url;
  HEARTH_ASSIGN_OR_RETURN(http::Response exists, session.Send(head, /*follow=*/true));
  if (exists.status == 200) {
    report({status, digest, layer.size, layer.size});
    return Status::Ok();
  }
  if (exists.status != 404) return HttpFailure("HEAD " + blob_url, exists);

  const std::string path = store.BlobPath(layer.digest);
  ReadFd fd(path);
  if (fd.get() < 0) {
    return NotFound("blob " + digest + " is not in the store: " + std::strerror(errno));
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0 || static_cast<uint64_t>(st.st_size) != layer.size) {
    return DataLoss("blob " + digest + " in the store does not have the " +
                    std::to_string(layer.size) + " bytes its manifest says");
  }

  http::Request start;
  start.method = "POST";
  start.url = session.RepoUrl("blobs/uploads/");
  std::string answered;
  HEARTH_ASSIGN_OR_RETURN(http::Response session_resp,
                          session.Send(start, /*follow=*/true, &answered));
  if (session_resp.status == 201) {  // the registry mounted the blob: nothing to send
    report({status, digest, layer.size, layer.size});
    return Status::Ok();
  }
  if (session_resp.status < 200 || session_resp.status >= 300) {
    return HttpFailure("POST " + start.url, session_resp);
  }
  std::string location = session_resp.Header("docker-upload-location");
  if (location.empty()) location = session_resp.Header("location");
  if (location.empty()) {
    return DataLoss("POST " + start.url + ": the registry sent no upload Location");
  }
  HEARTH_ASSIGN_OR_RETURN(http::Url answered_url, http::ParseUrl(answered));
  auto target = http::ResolveUrl(answered_url, location);
  if (!target.ok()) return target.status().WithContext("upload location");
  if (answered_url.scheme == "https" && target->scheme == "http" && !session.options().insecure) {
    return FailedPrecondition("refusing an upload location over plain http: " + target->full);
  }

  http::Request put;
  put.method = "PUT";
  put.url = target->full + (target->full.find('?') == std::string::npos ? "?" : "&") +
            "digest=" + http::QueryEscape(digest);
  put.headers = {"Content-Type: application/octet-stream"};
  put.body_fd = fd.get();
  put.body_offset = 0;
  put.body_size = layer.size;
  put.on_progress = [&](uint64_t, uint64_t up) {
    report({status, digest, layer.size, std::min(up, layer.size)});
  };
  HEARTH_ASSIGN_OR_RETURN(http::Response done, session.Send(put, /*follow=*/true));
  if (done.status < 200 || done.status >= 300) return HttpFailure("PUT " + target->full, done);
  report({status, digest, layer.size, layer.size});
  return Status::Ok();
}

Status Upload(const Store& store, RegistrySession& session, const Layer& layer,
              const ProgressFn& report) {
  const RegistryOptions& o = session.options();
  for (int attempt = 0;; ++attempt) {
    Status s = UploadOnce(store, session, layer, report);
    if (s.ok() || s.code() != StatusCode::kUnavailable || attempt >= o.max_retries) {
      return s.WithContext("pushing " + ShortDigest(layer.digest.ToString()));
    }
    if (!internal::Backoff(o, attempt + 1)) return Cancelled("push cancelled");
  }
}

}  // namespace

Status RegistryClient::Push(const ModelName& name, const RegistryOptions& options,
                            const ProgressFn& progress) {
  auto report = [&](const TransferProgress& p) {
    if (progress) progress(p);
  };
  HEARTH_RETURN_IF_ERROR(name.Validate());
  report({"retrieving manifest", "", 0, 0});
  auto bytes = store_->ReadManifestBytes(name);
  if (!bytes.ok()) {
    report({"couldn't retrieve manifest", "", 0, 0});
    return bytes.status();
  }
  auto manifest = Manifest::Parse(*bytes);
  if (!manifest.ok()) {
    report({"couldn't retrieve manifest", "", 0, 0});
    return DataLoss("the manifest of " + name.Display() +
                    " in the store is invalid: " + manifest.status().message());
  }
  HEARTH_ASSIGN_OR_RETURN(auto session, RegistrySession::Create(name, options));
  for (const Layer& l : internal::AllLayers(*manifest)) {
    HEARTH_RETURN_IF_ERROR(Upload(*store_, *session, l, report));
  }

  report({"pushing manifest", "", 0, 0});
  http::Request put;
  put.method = "PUT";
  put.url = session->RepoUrl("manifests/" + name.tag);
  put.headers = {std::string("Content-Type: ") + kManifestMediaType};
  put.body = *bytes;
  auto r = session->Send(put, /*follow=*/true);
  if (!r.ok()) return r.status().WithContext("pushing manifest");
  if (r->status < 200 || r->status >= 300) {
    return HttpFailure("pushing manifest: PUT " + put.url, *r);
  }
  report({"success", "", 0, 0});
  return Status::Ok();
}

}  // namespace hearth::store
