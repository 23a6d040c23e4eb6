// The store management API as Ollama's server/routes.go: GET|HEAD /api/tags, POST /api/show,
// POST /api/copy, DELETE /api/delete. (/api/blobs is in blob_routes.cc.)
#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "api/fields.h"
#include "server/model_facts.h"
#include "server/routes.h"
#include "store/show.h"

namespace hearth::server {

namespace {

using nlohmann::json;
using store::ModelName;

using api::Dump;

// Go's %q for the names echoed in error messages.
std::string Quoted(std::string_view s) { return Dump(json(std::string(s))); }

bool EqualFold(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Handlers' shared state: the store and a cache of /api/tags facts by manifest digest.
class ModelApi {
 public:
  explicit ModelApi(store::Store* store) : store_(store) {}

  void Tags(const http::CallPtr& c);
  void Show(const http::CallPtr& c);
  void Copy(const http::CallPtr& c);
  void Delete(const http::CallPtr& c);

 private:
  store::Store& store() { return *store_; }
  // Details and capabilities of `m`, from the cache when its manifest is unchanged.
  ListFacts Facts(const store::ListedModel& m);

  store::Store* store_;
  std::mutex mu_;
  std::unordered_map<std::string, ListFacts> facts_;  // GUARDED_BY(mu_)
};

ListFacts ModelApi::Facts(const store::ListedModel& m) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = facts_.find(m.manifest_digest.hex);
    if (it != facts_.end()) return it->second;
  }
  // A model whose layers cannot be read is still listed (so it can be removed), with empty
  // details, as far as its manifest goes.
  ListFacts facts;
  auto resolved = store().Resolve(m.name);
  if (resolved.ok()) {
    auto read = ReadListFacts(store(), *resolved);
    if (read.ok()) facts = std::move(*read);
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (facts_.size() > 4096) facts_.clear();
  facts_[m.manifest_digest.hex] = facts;
  return facts;
}

void ModelApi::Tags(const http::CallPtr& c) {
  json models = json::array();
  for (const store::ListedModel& m : store().List()) {
    ListFacts facts = Facts(m);
    json item = {{"name", m.name.Display()},
                 {"model", m.name.Display()},
                 {"modified_at", FormatTime(m.modified)},
                 {"size", m.size},
                 {"digest", m.manifest_digest.hex},
                 {"details", facts.details}};
    if (!facts.capabilities.empty()) item["capabilities"] = facts.capabilities;
    models.push_back(std::move(item));
  }
  c->Respond(http::Response::Json(200, Dump(json{{"models", models}})));
}

void ModelApi::Show(const http::CallPtr& c) {
  auto json_body = api::ParseRequestBody(c->request().body);
  if (!json_body.ok()) {
    c->RespondStatus(json_body.status());
    return;
  }
  const api::Fields body = api::Fields::Of(*json_body, "").value();
  // "template" (deprecated) and "options" are validated but change nothing here.
  std::string model, name, system, tmpl;
  bool verbose = false;
  api::Fields request_options = body;
  for (Status s : {body.String("model", &model), body.String("name", &name),
                   body.String("system", &system), body.String("template", &tmpl),
                   body.Bool("verbose", &verbose),
                   body.Object("options", &request_options)}) {
    if (!s.ok()) {
      c->RespondStatus(s);
      return;
    }
  }
  if (model.empty()) model = name;
  if (model.empty()) {
    c->RespondError(400, "model is required");
    return;
  }
  auto existing = ExistingName(store(), model);
  if (!existing.ok()) {
    c->RespondStatus(existing.status());
    return;
  }
  auto info = store::ShowModel(store(), *existing, verbose);
  if (!info.ok()) {
    if (info.status().code() == StatusCode::kNotFound) {
      c->RespondError(404, "model '" + existing->Display() + "' not found");
    } else {
      c->RespondError(500, info.status().message());
    }
    return;
  }
  json resp = ShowJson(*info, verbose);
  if (!system.empty()) resp["system"] = system;
  c->Respond(http::Response::Json(200, Dump(resp)));
}

void ModelApi::Copy(const http::CallPtr& c) {
  auto json_body = api::ParseRequestBody(c->request().body);
  if (!json_body.ok()) {
    c->RespondStatus(json_body.status());
    return;
  }
  const api::Fields body = api::Fields::Of(*json_body, "").value();
  std::string source, destination;
  for (Status s : {body.String("source", &source),
                   body.String("destination", &destination)}) {
    if (!s.ok()) {
      c->RespondStatus(s);
      return;
    }
  }
  auto src = ExistingName(store(), source);
  if (!src.ok()) {
    c->RespondError(400, "source " + Quoted(source) + " is invalid");
    return;
  }
  auto dst = ExistingName(store(), destination);
  if (!dst.ok()) {
    c->RespondError(400, "destination " + Quoted(destination) + " is invalid");
    return;
  }
  Status s = store().Copy(*src, *dst);
  if (s.code() == StatusCode::kNotFound) {
    c->RespondError(404, "model " + Quoted(source) + " not found");
  } else if (!s.ok()) {
    c->RespondStatus(s);
  } else {
    c->Respond(http::Response::Empty(200));
  }
}

void ModelApi::Delete(const http::CallPtr& c) {
  auto json_body = api::ParseRequestBody(c->request().body);
  if (!json_body.ok()) {
    c->RespondStatus(json_body.status());
    return;
  }
  const api::Fields body = api::Fields::Of(*json_body, "").value();
  std::string model, name;
  for (Status s : {body.String("model", &model), body.String("name", &name)}) {
    if (!s.ok()) {
      c->RespondStatus(s);
      return;
    }
  }
  const std::string requested = model.empty() ? name : model;
  auto existing = ExistingName(store(), requested);
  if (!existing.ok()) {
    c->RespondError(400, "name " + Quoted(requested) + " is invalid");
    return;
  }
  Status s = store().Delete(*existing);
  if (s.code() == StatusCode::kNotFound) {
    c->RespondError(404, "model '" + requested + "' not found");
  } else if (!s.ok()) {
    c->RespondStatus(s);
  } else {
    c->Respond(http::Response::Empty(200));
  }
}

}  // namespace

Result<ModelName> ExistingName(const store::Store& store, std::string_view text) {
  HEARTH_ASSIGN_OR_RETURN(ModelName name, ModelName::Parse(text));
  if (store.ReadManifestBytes(name).ok()) return name;
  for (const store::ListedModel& m : store.List()) {
    if (EqualFold(m.name.Full(), name.Full())) return m.name;
  }
  return name;
}

void AddModelRoutes(http::RouteTable& router, store::Store* store) {
  auto api = std::make_shared<ModelApi>(store);
  router.Add("GET", "/api/tags", [api](const http::CallPtr& c) { api->Tags(c); });
  router.Add("HEAD", "/api/tags", [api](const http::CallPtr& c) { api->Tags(c); });
  router.Add("POST", "/api/show", [api](const http::CallPtr& c) { api->Show(c); });
  router.Add("POST", "/api/copy", [api](const http::CallPtr& c) { api->Copy(c); });
  router.Add("DELETE", "/api/delete", [api](const http::CallPtr& c) { api->Delete(c); });
  AddBlobRoutes(router, store);
}

}  // namespace hearth::server
