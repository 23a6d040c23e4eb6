// The read side of the registry protocol (Docker Registry HTTP API v2, as Ollama's client uses
// it), so a hearth can serve as a mirror: manifests by tag, blobs by digest with Range support.
#include <sys/stat.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>

#include "server/routes.h"
#include "store/sha256.h"

namespace hearth::server {
namespace {

using nlohmann::json;

http::Response RegistryError(int status, const char* code, const std::string& message) {
  json err = {{"code", code}, {"message", message}, {"detail", nullptr}};
  return http::Response::Json(status, json{{"errors", json::array({err})}}.dump(
                                    -1, ' ', false, json::error_handler_t::replace));
}

// The stored model for /v2/<ns>/<model>/manifests/<tag>: registry.ollama.ai first, then any host.
Result<store::ModelName> FindRepository(const store::Store& store, const std::string& ns,
                                        const std::string& model, const std::string& tag) {
  HEARTH_ASSIGN_OR_RETURN(store::ModelName name, store::ModelName::Parse(ns + "/" + model + ":" + tag));
  if (name.ns != ns || name.model != model || name.tag != tag) {
    return InvalidArgument("invalid repository name " + ns + "/" + model + ":" + tag);
  }
  if (store.ReadManifestBytes(name).ok()) return name;
  std::optional<store::ModelName> found;
  for (const store::ListedModel& m : store.List()) {
    if (m.name.ns == ns && m.name.model == model && m.name.tag == tag &&
        (!found || m.name.host < found->host)) {
      found = m.name;
    }
  }
  if (!found) return NotFound("manifest unknown");
  return *found;
}

void Manifest(store::Store& store, const http::CallPtr& c) {
  auto name = FindRepository(store, c->Param("namespace"), c->Param("model"), c->Param("tag"));
  if (!name.ok()) {
    const bool invalid = name.status().code() == StatusCode::kInvalidArgument;
    c->Respond(RegistryError(invalid ? 400 : 404, invalid ? "NAME_INVALID" : "MANIFEST_UNKNOWN",
                             name.status().message()));
    return;
  }
  auto bytes = store.ReadManifestBytes(*name);
  if (!bytes.ok()) {
    const bool missing = bytes.status().code() == StatusCode::kNotFound;
    c->Respond(missing ? RegistryError(404, "MANIFEST_UNKNOWN", "manifest unknown")
                       : http::ErrorResponse(c->request().path, bytes.status()));
    return;
  }
  std::string media_type = store::kManifestMediaType;
  if (auto parsed = store::Manifest::Parse(*bytes); parsed.ok() && !parsed->media_type.empty()) {
    media_type = parsed->media_type;
  }
  http::Response r;
  r.status = 200;
  r.content_type = media_type;
  r.Header("Docker-Content-Digest", store::Sha256Of(*bytes).ToString());
  r.body = std::move(*bytes);
  c->Respond(std::move(r));
}

struct ByteRange {
  enum Kind { kWhole, kPart, kUnsatisfiable } kind = kWhole;
  uint64_t first = 0, last = 0;  // inclusive, for kPart
};

bool ParseNumber(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

// One "bytes=first-last", "bytes=first-" or "bytes=-suffix" range (RFC 9110 §14.1). Anything
// else (several ranges, other units, bad syntax) is ignored: the whole blob is sent.
ByteRange ParseRange(const std::optional<std::string>& header, uint64_t size) {
  ByteRange r;
  if (!header) return r;
  std::string_view h = *header;
  if (h.size() < 6 || (h.substr(0, 6) != "bytes=" && h.substr(0, 6) != "BYTES=")) return r;
  h.remove_prefix(6);
  if (h.find(',') != std::string_view::npos) return r;
  const size_t dash = h.find('-');
  if (dash == std::string_view::npos) return r;
  const std::string_view a = h.substr(0, dash), b = h.substr(dash + 1);
  uint64_t first = 0, last = 0;
  if (a.empty()) {
    if (!ParseNumber(b, &last)) return r;
    if (last == 0 || size == 0) return {ByteRange::kUnsatisfiable};
    return {ByteRange::kPart, last >= size ? 0 : size - last, size - 1};
  }
  if (!ParseNumber(a, &first)) return r;
  if (b.empty()) {
    last = size ? size - 1 : 0;
  } else if (!ParseNumber(b, &last) || last < first) {
    return r;
  }
  if (first >= size) return {ByteRange::kUnsatisfiable};
  return {ByteRange::kPart, first, std::min(last, size - 1)};
}

void Blob(store::Store& store, const http::CallPtr& c) {
  const std::string& ns = c->Param("namespace");
  const std::string& model = c->Param("model");
  if (auto name = store::ModelName::Parse(ns + "/" + model); !name.ok() || name->ns != ns ||
                                                            name->model != model) {
    c->Respond(RegistryError(400, "NAME_INVALID", "invalid repository name " + ns + "/" + model));
    return;
  }
  auto digest = store::Digest::Parse(c->Param("digest"));
  if (!digest.ok()) {
    c->Respond(RegistryError(400, "DIGEST_INVALID", digest.status().message()));
    return;
  }
  const std::string path = store.BlobPath(*digest);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    c->Respond(RegistryError(404, "BLOB_UNKNOWN", "blob unknown to registry"));
    return;
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const ByteRange range = ParseRange(c->request().headers.Get("Range"), size);
  http::Response r;
  r.content_type = "application/octet-stream";
  r.Header("Accept-Ranges", "bytes");
  r.Header("Docker-Content-Digest", digest->ToString());
  if (range.kind == ByteRange::kUnsatisfiable) {
    r.status = 416;
    r.content_type.clear();
    r.Header("Content-Range", "bytes */" + std::to_string(size));
    c->Respond(std::move(r));
    return;
  }
  if (range.kind == ByteRange::kPart) {
    r.status = 206;
    r.Header("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                  std::to_string(range.last) + "/" + std::to_string(size));
    r.file = http::FileRegion{path, range.first, range.last - range.first + 1};
  } else {
    r.status = 200;
    r.file = http::FileRegion{path, 0, size};
  }
  c->Respond(std::move(r));
}

}  // namespace

void AddRegistryRoutes(http::RouteTable& router, store::Store* store) {
  auto base = [](const http::CallPtr& c) {
    c->Respond(http::Response::Json(200, "{}").Header("Docker-Distribution-API-Version", "registry/2.0"));
  };
  router.Add("GET", "/v2/", base);
  router.Add("GET", "/v2", base);
  auto manifest = [store](const http::CallPtr& c) { Manifest(*store, c); };
  router.Add("GET", "/v2/:namespace/:model/manifests/:tag", manifest);
  router.Add("HEAD", "/v2/:namespace/:model/manifests/:tag", manifest);
  auto blob = [store](const http::CallPtr& c) { Blob(*store, c); };
  router.Add("GET", "/v2/:namespace/:model/blobs/:digest", blob);
  router.Add("HEAD", "/v2/:namespace/:model/blobs/:digest", blob);
}

}  // namespace hearth::server
