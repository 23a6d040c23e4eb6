// POST /api/pull and POST /api/push, as Ollama's PullHandler and PushHandler: the request is
// validated before anything is sent (400/404 with {"error"}), then progress streams as NDJSON
// api.ProgressResponse objects (or, with "stream": false, only the last one is answered). An
// error after the stream started is its final {"error"} frame. A client that disconnects
// cancels the transfer; a pull's partial files stay, so the next pull resumes.
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "api/fields.h"
#include "server/progress_call.h"
#include "server/routes.h"
#include "registry/registry_client.h"
#include "store/store.h"

namespace hearth::server {

std::string ProgressJson(const registry::TransferProgress& p) {
  // Ollama's api.ProgressResponse: digest, total and completed are omitempty.
  nlohmann::json j = {{"status", p.status}};
  if (!p.digest.empty()) j["digest"] = p.digest;
  if (p.total != 0) j["total"] = p.total;
  if (p.completed != 0) j["completed"] = p.completed;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void RunProgressCall(const http::CallPtr& c, bool stream,
                     const std::function<Status(const registry::ProgressFn&)>& work) {
  if (stream) {
    http::StreamWriterPtr w = c->StartStream(http::StreamFormat::kNdjson);
    if (!w) return;
    Status s = work([&](const registry::TransferProgress& p) { w->Send(ProgressJson(p)); });
    if (!s.ok()) {
      w->Fail(s.message());
    } else {
      w->Finish();
    }
    return;
  }
  // Progress arrives from several download threads; keep the last one.
  std::mutex mu;
  registry::TransferProgress last;
  Status s = work([&](const registry::TransferProgress& p) {
    std::lock_guard<std::mutex> lock(mu);
    last = p;
  });
  if (!s.ok()) {
    c->RespondStatus(s);
    return;
  }
  std::lock_guard<std::mutex> lock(mu);
  c->Respond(http::Response::Json(200, ProgressJson(last)));
}

namespace {

struct TransferRequest {
  store::ModelName name;
  bool insecure = false;
  bool stream = true;
};

// Parses {model | name, insecure, stream}; answers the call and returns nullopt when invalid.
std::optional<TransferRequest> ParseTransfer(const store::Store& store, const http::CallPtr& c) {
  auto json_body = api::ParseRequestBody(c->request().body);
  if (!json_body.ok()) {
    c->RespondStatus(json_body.status());
    return std::nullopt;
  }
  const api::Fields body = api::Fields::Of(*json_body, "").value();
  std::string model, name;
  TransferRequest r;
  for (Status s : {body.String("model", &model), body.String("name", &name),
                   body.Bool("insecure", &r.insecure), body.Bool("stream", &r.stream)}) {
    if (!s.ok()) {
      c->RespondStatus(s);
      return std::nullopt;
    }
  }
  if (model.empty()) model = name;
  if (model.empty()) {
    c->RespondError(400, "model is required");
    return std::nullopt;
  }
  auto existing = ExistingName(store, model);
  if (!existing.ok()) {
    c->RespondError(400, "invalid model name");
    return std::nullopt;
  }
  r.name = *existing;
  return r;
}

class TransferApi {
 public:
  explicit TransferApi(TransferRoutesOptions options)
      : options_(std::move(options)), client_(options_.store) {}

  void Pull(const http::CallPtr& c) {
    auto r = ParseTransfer(*options_.store, c);
    if (!r) return;
    registry::RegistryOptions o = Options(*r, c);
    RunProgressCall(c, r->stream, [&](const registry::ProgressFn& progress) {
      return client_.Pull(r->name, o, progress);
    });
  }

  void Push(const http::CallPtr& c) {
    auto r = ParseTransfer(*options_.store, c);
    if (!r) return;
    if (!options_.store->ReadManifestBytes(r->name).ok()) {
      c->RespondError(404, "model '" + r->name.Display() + "' not found");
      return;
    }
    registry::RegistryOptions o = Options(*r, c);
    RunProgressCall(c, r->stream, [&](const registry::ProgressFn& progress) {
      return client_.Push(r->name, o, progress);
    });
  }

 private:
  registry::RegistryOptions Options(const TransferRequest& r, const http::CallPtr& c) const {
    registry::RegistryOptions o = options_.registry;
    o.insecure = r.insecure;
    o.cancel = c->cancel().get();  // the CallPtr (and so the token) outlives the transfer
    return o;
  }

  TransferRoutesOptions options_;
  registry::RegistryClient client_;  // shared: concurrent pulls of one blob share one download
};

}  // namespace

void AddTransferRoutes(http::RouteTable& router, TransferRoutesOptions options) {
  auto api = std::make_shared<TransferApi>(std::move(options));
  router.Add("POST", "/api/pull", [api](const http::CallPtr& c) { api->Pull(c); });
  router.Add("POST", "/api/push", [api](const http::CallPtr& c) { api->Push(c); });
}

}  // namespace hearth::server
