// GET|HEAD /, /health and /api/version.
#include <nlohmann/json.hpp>

#include "server/routes.h"

namespace hearth::server {

void AddGeneralRoutes(http::RouteTable& router, const std::string& version) {
  auto running = [](const http::CallPtr& c) { c->Respond(http::Response::Text(200, "Ollama is running")); };
  router.Add("GET", "/", running, {.public_route = true});
  router.Add("HEAD", "/", running, {.public_route = true});
  auto health = [](const http::CallPtr& c) { c->Respond(http::Response::Json(200, R"({"status":"ok"})")); };
  router.Add("GET", "/health", health, {.public_route = true});
  router.Add("HEAD", "/health", health, {.public_route = true});
  const std::string body = nlohmann::json{{"version", version}}.dump();
  auto ver = [body](const http::CallPtr& c) { c->Respond(http::Response::Json(200, body)); };
  router.Add("GET", "/api/version", ver);
  router.Add("HEAD", "/api/version", ver);
}

}  // namespace hearth::server
