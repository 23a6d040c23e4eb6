// HEAD|POST /api/blobs/:digest, as Ollama's HeadBlobHandler and CreateBlobHandler.
#include <cstring>
#include <vector>

#include "server/routes.h"

namespace hearth::server {
namespace {

// Uploads may be as large as a model; the store is the limit, not memory.
constexpr size_t kMaxBlobUpload = size_t{1} << 40;
constexpr size_t kUploadChunk = 1 << 20;

void HeadBlob(store::Store& store, const http::CallPtr& c) {
  auto digest = store::Digest::Parse(c->Param("digest"));
  if (!digest.ok()) {
    c->RespondStatus(digest.status());
    return;
  }
  if (!store.HasBlob(*digest)) {
    c->RespondError(404, "blob \"" + c->Param("digest") + "\" not found");
    return;
  }
  c->Respond(http::Response::Empty(200));
}

void CreateBlob(store::Store& store, const http::CallPtr& c) {
  auto digest = store::Digest::Parse(c->Param("digest"));
  if (!digest.ok()) {
    c->RespondStatus(digest.status());
    return;
  }
  if (store.HasBlob(*digest)) {
    c->Respond(http::Response::Empty(200));  // the unread body closes the connection
    return;
  }
  std::vector<char> buf(kUploadChunk);
  // The first bytes decide whether this is a GGUF, which must pass validation to be published.
  size_t have = 0;
  bool end = false;
  while (have < 4 && !end) {
    Result<size_t> n = c->ReadBody(buf.data() + have, buf.size() - have);
    if (!n.ok()) {
      c->RespondError(n.status().code() == StatusCode::kResourceExhausted ? 413 : 400,
                      n.status().message());
      return;
    }
    end = *n == 0;
    have += *n;
  }
  const bool gguf = have >= 4 && std::memcmp(buf.data(), "GGUF", 4) == 0;
  auto writer = store.NewBlob(*digest, gguf);
  if (!writer.ok()) {
    c->RespondStatus(writer.status());
    return;
  }
  while (true) {
    if (have > 0) {
      Status w = (*writer)->Write(buf.data(), have);
      if (!w.ok()) {
        c->RespondStatus(w);
        return;
      }
    }
    if (end) break;
    Result<size_t> n = c->ReadBody(buf.data(), buf.size());
    if (!n.ok()) {
      c->RespondError(n.status().code() == StatusCode::kResourceExhausted ? 413 : 400,
                      n.status().message());
      return;
    }
    have = *n;
    end = *n == 0;
  }
  Result<store::Digest> committed = (*writer)->Commit();
  if (!committed.ok()) {
    // A digest mismatch (DataLoss) or an invalid GGUF is the uploader's fault.
    const StatusCode code = committed.status().code();
    const bool client_fault = code == StatusCode::kDataLoss || code == StatusCode::kInvalidArgument;
    c->RespondError(client_fault ? 400 : http::HttpStatusFor(code), committed.status().message());
    return;
  }
  c->Respond(http::Response::Empty(201));
}

}  // namespace

void AddBlobRoutes(http::RouteTable& router, store::Store* store) {
  router.Add("HEAD", "/api/blobs/:digest", [store](const http::CallPtr& c) { HeadBlob(*store, c); });
  router.Add("POST", "/api/blobs/:digest", [store](const http::CallPtr& c) { CreateBlob(*store, c); },
             {.max_body = kMaxBlobUpload, .stream_body = true});
}

}  // namespace hearth::server
