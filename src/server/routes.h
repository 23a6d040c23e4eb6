#pragma once
// The endpoints of `hearth serve` that need no engine: liveness and version, the store
// management API as Ollama's server/routes.go (tags, show, copy, delete, blobs), and the read
// side of the registry protocol so that one hearth can be another's mirror. Handlers validate
// every field strictly (a wrong type is a 400 naming the field) and answer Ollama's shapes.

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "http/route_table.h"
#include "registry/registry_client.h"
#include "store/store.h"

namespace hearth::server {

// GET|HEAD / ("Ollama is running", as clients probe it), GET|HEAD /health, GET|HEAD
// /api/version ({"version": version}). / and /health are public (no API key).
void AddGeneralRoutes(http::RouteTable& router, const std::string& version);

// GET|HEAD /api/tags, POST /api/show, POST /api/copy, DELETE /api/delete, and the blob routes.
// `store` is not owned and must outlive the server.
void AddModelRoutes(http::RouteTable& router, store::Store* store);

// HEAD /api/blobs/:digest (200, 404) and POST /api/blobs/:digest: the body streams into the
// store (any size), GGUF bodies are validated before they are published; 201 created, 200 when
// the blob already exists, 400 on a digest mismatch or an invalid GGUF.
void AddBlobRoutes(http::RouteTable& router, store::Store* store);

// The registry read side (Docker Registry HTTP API v2 as Ollama's client uses it): GET /v2/,
// GET|HEAD /v2/:namespace/:model/manifests/:tag (the stored manifest bytes, manifest media type,
// Docker-Content-Digest) and GET|HEAD /v2/:namespace/:model/blobs/:digest (Range requests,
// exact Content-Length). A manifest is looked up under registry.ollama.ai first, then under any
// other host in the store. Invalid names or digests: 400; unknown ones: 404 (Docker error JSON).
void AddRegistryRoutes(http::RouteTable& router, store::Store* store);

struct TransferRoutesOptions {
  store::Store* store = nullptr;  // not owned; must outlive the server
  // Part sizes, timeouts and retries of every transfer; insecure and cancel are per request.
  registry::RegistryOptions registry;
};

// POST /api/pull and POST /api/push ({model | name, insecure, stream = true}): 400 for a bad
// body or name, 404 when pushing a model not in the store, then NDJSON progress as Ollama streams
// it ("pulling manifest", "pulling <12 hex>" with digest/total/completed, "verifying sha256
// digest", "writing manifest", "success"; push: "retrieving manifest", "pushing <12 hex>",
// "pushing manifest", "success") and an {"error"} frame on failure. "stream": false answers the
// last progress object, or the error with its status. A client disconnect cancels the transfer.
void AddTransferRoutes(http::RouteTable& router, TransferRoutesOptions options);

// POST /api/create as Ollama's CreateHandler: {model | name, from, files {name: digest},
// adapters {name: digest}, draft_files, template, license (string or list), system, parameters,
// messages, renderer, parser, requires, modelfile (legacy text), quantize, stream = true}. Files
// must be blobs uploaded with POST /api/blobs; the server never reads a path a request names.
// 400 before streaming for a bad field, a non-GGUF file, or "quantization is not supported"; then
// the status lines of store::CreateModel as {"status"} objects.
void AddCreateRoutes(http::RouteTable& router, store::Store* store);

// Resolves `text` to the name of an existing model the way Ollama's getExistingName does: the
// exact name if its manifest exists, else the stored name that matches case-insensitively, else
// the parsed name (whose lookups then fail NotFound). InvalidArgument for an invalid name.
Result<store::ModelName> ExistingName(const store::Store& store, std::string_view text);

}  // namespace hearth::server
