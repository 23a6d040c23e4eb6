#pragma once
// A store built by the test, laid out as Ollama lays it out, and a server on port 0 serving the
// store-side routes over it.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "testing/http_client.h"
#include "server/routes.h"
#include "http/server.h"
#include "store/sha256.h"
#include "store/store.h"
#include "testing/test_env.h"

namespace hearth::server::testing {

using hearth::testing::Client;
using hearth::testing::Fetch;
using hearth::testing::HttpResponse;
using hearth::testing::kGuardMs;

inline constexpr char kTemplate[] = "{{ if .System }}{{ .System }} {{ end }}{{ .Prompt }}{{ .Suffix }}";
inline constexpr char kConfig[] =
    R"({"model_format":"gguf","model_family":"llama","model_families":["llama"],)"
    R"("model_type":"260K","file_type":"F32","architecture":"amd64","os":"linux"})";

struct TestStore {
  std::string root;
  std::unique_ptr<store::Store> store;
  store::Digest model_digest;
  uint64_t model_size = 0;
  std::string gguf_path;
};

// A store with "stories:latest" (model + config + template + system + params + license layers)
// and "bare:latest" (model layer and an empty config only).
inline TestStore MakeTestStore() {
  TestStore t;
  t.root = hearth::testing::TempDir() + "/models";
  t.store = store::Store::Open(t.root).value();
  t.gguf_path = hearth::testing::SharedModel("stories260K-f32.gguf");
  t.model_digest = t.store->ImportFile(t.gguf_path, /*gguf=*/true).value();
  t.model_size = static_cast<uint64_t>(hearth::testing::ReadAll(t.gguf_path).size());
  auto layer = [&](const char* type, const std::string& text) {
    return store::Layer{type, t.store->PutBytes(text).value(), text.size()};
  };
  store::Manifest m;
  m.config = layer(store::kConfigMediaType, kConfig);
  m.layers.push_back({store::kMediaModel, t.model_digest, t.model_size});
  m.layers.push_back(layer(store::kMediaTemplate, kTemplate));
  m.layers.push_back(layer(store::kMediaSystem, "You are a storyteller."));
  m.layers.push_back(layer(store::kMediaParams, R"({"stop":["<|end|>"],"temperature":0.7})"));
  m.layers.push_back(layer(store::kMediaLicense, "MIT"));
  EXPECT_TRUE(t.store->WriteManifest(store::ModelName::Parse("stories").value(), m).ok());
  store::Manifest bare;
  bare.config = layer(store::kConfigMediaType, "{}");
  bare.layers.push_back({store::kMediaModel, t.model_digest, t.model_size});
  EXPECT_TRUE(t.store->WriteManifest(store::ModelName::Parse("bare").value(), bare).ok());
  return t;
}

inline std::unique_ptr<http::HttpServer> StartStoreServer(store::Store* store,
                                                    http::ServerOptions server_options = {}) {
  http::RouteTable router;
  AddGeneralRoutes(router, "0.1.0-test");
  AddModelRoutes(router, store);
  AddRegistryRoutes(router, store);
  server_options.port = 0;
  auto s = http::HttpServer::Start(std::move(server_options), std::move(router));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

}  // namespace hearth::server::testing
