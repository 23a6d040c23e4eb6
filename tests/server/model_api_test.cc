// The store management endpoints against a store built in the test: /, /api/version, /api/tags,
// /api/show, /api/copy, /api/delete, /api/blobs.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gguf/gguf.h"
#include "server/model_facts.h"
#include "store/model_facts.h"
#include "server/server_testing.h"

namespace hearth::server {
namespace {

using nlohmann::json;
using testing::Client;
using testing::Fetch;

class ModelApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ts_ = testing::MakeTestStore();
    server_ = testing::StartStoreServer(ts_.store.get());
    ASSERT_TRUE(server_);
    port_ = server_->port();
  }

  // POSTs (or sends `method` with) `body`; returns status and parsed JSON (null if not JSON).
  std::pair<int, json> Call(const std::string& method, const std::string& path,
                            const std::string& body) {
    auto r = Fetch(port_, method, path, body, "Content-Type: application/json\r\n");
    if (!r) return {0, nullptr};
    return {r->status, r->body.empty() ? json() : json::parse(r->body, nullptr, false)};
  }

  testing::TestStore ts_;
  std::unique_ptr<http::HttpServer> server_;
  uint16_t port_ = 0;
};

TEST_F(ModelApiTest, LivenessAndVersion) {
  auto r = Fetch(port_, "GET", "/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "Ollama is running");
  r = Fetch(port_, "HEAD", "/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-length"), "17");
  r = Fetch(port_, "GET", "/api/version");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, R"({"version":"0.1.0-test"})");
  EXPECT_EQ(r->Header("content-type"), "application/json; charset=utf-8");
}

TEST_F(ModelApiTest, TagsListsModelsWithDetails) {
  auto [status, body] = Call("GET", "/api/tags", "");
  ASSERT_EQ(status, 200);
  ASSERT_TRUE(body["models"].is_array());
  ASSERT_EQ(body["models"].size(), 2u);
  const json* stories = nullptr;
  const json* bare = nullptr;
  for (const json& m : body["models"]) {
    if (m["name"] == "stories:latest") stories = &m;
    if (m["name"] == "bare:latest") bare = &m;
  }
  ASSERT_TRUE(stories && bare) << body.dump();
  const store::ModelName name = store::ModelName::Parse("stories").value();
  const std::string bytes = ts_.store->ReadManifestBytes(name).value();
  const store::Manifest manifest = ts_.store->ReadManifest(name).value();
  EXPECT_EQ((*stories)["model"], "stories:latest");
  EXPECT_EQ((*stories)["digest"], store::Sha256Of(bytes).hex);
  EXPECT_EQ((*stories)["size"], manifest.TotalSize());
  EXPECT_EQ((*stories)["modified_at"],
            FormatTime(ts_.store->Resolve(name).value().modified));
  const json& d = (*stories)["details"];
  EXPECT_EQ(d["parent_model"], "");
  EXPECT_EQ(d["format"], "gguf");
  EXPECT_EQ(d["family"], "llama");
  EXPECT_EQ(d["families"], json::array({"llama"}));
  EXPECT_EQ(d["parameter_size"], "260K");
  EXPECT_EQ(d["quantization_level"], "F32");
  const gguf::File file = gguf::ReadFile(ts_.gguf_path, {.keep_string_arrays = false}).value();
  EXPECT_EQ(d["context_length"], *file.GetInt("llama.context_length"));
  EXPECT_EQ(d["embedding_length"], *file.GetInt("llama.embedding_length"));
  // Completion from the GGUF (no pooling), insert from the template's .Suffix.
  EXPECT_EQ((*stories)["capabilities"], json::array({"completion", "insert"}));

  // An empty config: as Ollama's list, only the lengths and an unknown quantization come from
  // the GGUF.
  const json& bd = (*bare)["details"];
  EXPECT_EQ(bd["format"], "");
  EXPECT_EQ(bd["family"], "");
  EXPECT_EQ(bd["families"], nullptr);
  EXPECT_EQ(bd["parameter_size"], "");
  const std::string ft = store::FactsOf(file).file_type;
  EXPECT_EQ(bd["quantization_level"], ft == "unknown" ? "" : ft);
  EXPECT_EQ(bd["context_length"], *file.GetInt("llama.context_length"));
  EXPECT_EQ((*bare)["capabilities"], json::array({"completion"}));

  auto head = Fetch(port_, "HEAD", "/api/tags");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
}

TEST_F(ModelApiTest, ShowReportsStoreSideFields) {
  auto [status, body] = Call("POST", "/api/show", R"({"model":"stories"})");
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_EQ(body["template"], testing::kTemplate);
  EXPECT_EQ(body["system"], "You are a storyteller.");
  EXPECT_EQ(body["license"], "MIT");
  EXPECT_EQ(body["details"]["family"], "llama");
  EXPECT_EQ(body["capabilities"], json::array({"completion", "insert"}));
  EXPECT_EQ(body["model_info"]["general.architecture"], "llama");
  EXPECT_TRUE(body["model_info"]["llama.context_length"].is_number_unsigned());
  EXPECT_FALSE(body["model_info"].contains("general.name"));
  // Long arrays are emptied unless verbose, as Ollama.
  EXPECT_EQ(body["model_info"]["tokenizer.ggml.tokens"], json::array());
  ASSERT_TRUE(body["tensors"].is_array());
  ASSERT_FALSE(body["tensors"].empty());
  EXPECT_EQ(body["tensors"][0]["type"], "F32");
  EXPECT_TRUE(body["tensors"][0]["shape"].is_array());
  EXPECT_TRUE(body.contains("modified_at"));
  // The same Modelfile and parameters text as `hearth show` (store::ShowModel).
  EXPECT_EQ(body["modelfile"].get<std::string>().rfind("# Modelfile generated by", 0), 0u) << body;
  EXPECT_NE(body["modelfile"].get<std::string>().find("SYSTEM You are a storyteller."),
            std::string::npos)
      << body["modelfile"];
  EXPECT_EQ(body["parameters"],
            "stop                           \"<|end|>\"\n"
            "temperature                    0.7");

  std::tie(status, body) = Call("POST", "/api/show", R"({"name":"STORIES:Latest","verbose":true})");
  ASSERT_EQ(status, 200) << body.dump();
  EXPECT_GT(body["model_info"]["tokenizer.ggml.tokens"].size(), 5u);

  // A request system prompt replaces the model's in the answer.
  std::tie(status, body) = Call("POST", "/api/show", R"({"model":"stories","system":"Be brief."})");
  ASSERT_EQ(status, 200);
  EXPECT_EQ(body["system"], "Be brief.");
}

TEST_F(ModelApiTest, ShowErrors) {
  struct Case {
    const char* body;
    int status;
    const char* error;
  };
  const Case cases[] = {
      {"", 400, "missing request body"},
      {"{}", 400, "model is required"},
      {R"({"model":5})", 400, "invalid type for field 'model': expected string, got number"},
      {R"({"model":"stories","verbose":"yes"})", 400,
       "invalid type for field 'verbose': expected boolean, got string"},
      {R"({"model":"stories","options":[1]})", 400,
       "invalid type for field 'options': expected object, got array"},
      {R"([1,2])", 400, "request body must be a JSON object, got array"},
      {R"({"model":"nope"})", 404, "model 'nope:latest' not found"},
  };
  for (const Case& c : cases) {
    auto [status, body] = Call("POST", "/api/show", c.body);
    EXPECT_EQ(status, c.status) << c.body;
    EXPECT_EQ(body["error"], c.error) << c.body;
  }
  auto [status, body] = Call("POST", "/api/show", R"({"model": "stories",)");
  EXPECT_EQ(status, 400);
  EXPECT_EQ(body["error"].get<std::string>().rfind("invalid JSON: parse error at line 1", 0), 0u)
      << body;
  std::tie(status, body) = Call("POST", "/api/show", R"({"model":"../../etc/passwd"})");
  EXPECT_EQ(status, 400);
  EXPECT_NE(body["error"].get<std::string>().find("invalid model name"), std::string::npos) << body;
}

TEST_F(ModelApiTest, CopyAndDelete) {
  auto [status, body] = Call("POST", "/api/copy", R"({"source":"stories","destination":"mine:v1"})");
  EXPECT_EQ(status, 200) << body;
  EXPECT_TRUE(ts_.store->ReadManifest(store::ModelName::Parse("mine:v1").value()).ok());
  std::tie(status, body) = Call("GET", "/api/tags", "");
  EXPECT_EQ(body["models"].size(), 3u);

  std::tie(status, body) = Call("POST", "/api/copy", R"({"source":"nope","destination":"x"})");
  EXPECT_EQ(status, 404);
  EXPECT_EQ(body["error"], R"(model "nope" not found)");
  std::tie(status, body) = Call("POST", "/api/copy", R"({"source":"stories","destination":"a/../b"})");
  EXPECT_EQ(status, 400);
  EXPECT_EQ(body["error"], R"(destination "a/../b" is invalid)");
  std::tie(status, body) = Call("POST", "/api/copy", R"({"source":["stories"],"destination":"x"})");
  EXPECT_EQ(status, 400);
  EXPECT_EQ(body["error"], "invalid type for field 'source': expected string, got array");

  // ollama-js sends {name}; Ollama's API documents {model}.
  std::tie(status, body) = Call("DELETE", "/api/delete", R"({"name":"mine:v1"})");
  EXPECT_EQ(status, 200) << body;
  std::tie(status, body) = Call("DELETE", "/api/delete", R"({"model":"mine:v1"})");
  EXPECT_EQ(status, 404);
  EXPECT_EQ(body["error"], "model 'mine:v1' not found");
  std::tie(status, body) = Call("DELETE", "/api/delete", R"({"model":true})");
  EXPECT_EQ(status, 400);
  EXPECT_EQ(body["error"], "invalid type for field 'model': expected string, got boolean");
  std::tie(status, body) = Call("DELETE", "/api/delete", R"({})");
  EXPECT_EQ(status, 400);
  EXPECT_EQ(body["error"], R"(name "" is invalid)");
  std::tie(status, body) = Call("GET", "/api/tags", "");
  EXPECT_EQ(body["models"].size(), 2u);
  // The shared model blob survives: "stories" still resolves.
  EXPECT_TRUE(ts_.store->Resolve(store::ModelName::Parse("stories").value()).ok());
}

TEST_F(ModelApiTest, BlobHeadAndUpload) {
  const std::string have = "/api/blobs/" + ts_.model_digest.ToString();
  auto r = Fetch(port_, "HEAD", have);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  const std::string text = "a template layer {{ .Prompt }}";
  const store::Digest d = store::Sha256Of(text);
  r = Fetch(port_, "HEAD", "/api/blobs/" + d.ToString());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  for (const char* bad : {"/api/blobs/sha256:xyz", "/api/blobs/..%2F..%2Fetc%2Fpasswd",
                          "/api/blobs/md5:d41d8cd98f00b204e9800998ecf8427e"}) {
    r = Fetch(port_, "HEAD", bad);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << bad;
    r = Fetch(port_, "POST", bad, "x");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << bad;
  }

  // Wrong content for the digest: 400, nothing published.
  r = Fetch(port_, "POST", "/api/blobs/" + d.ToString(), text + "!");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("digest mismatch"), std::string::npos) << r->body;
  EXPECT_FALSE(ts_.store->HasBlob(d));

  r = Fetch(port_, "POST", "/api/blobs/" + d.ToString(), text);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  EXPECT_TRUE(ts_.store->HasBlob(d));
  EXPECT_EQ(ts_.store->ReadBlobText(d).value(), text);
  r = Fetch(port_, "POST", "/api/blobs/" + d.ToString(), text);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);

  // A GGUF upload is validated before it is published.
  const std::string gguf = hearth::testing::ReadAll(
      hearth::testing::SharedModel("stories260K-q8_0.gguf"));
  const store::Digest gd = store::Sha256Of(gguf);
  Client c(port_);
  ASSERT_TRUE(c.SendRequest("POST", "/api/blobs/" + gd.ToString(), gguf));
  r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
  EXPECT_TRUE(ts_.store->HasBlob(gd));
  std::string broken = gguf.substr(0, gguf.size() / 2);  // tensor data cut off
  const store::Digest bd = store::Sha256Of(broken);
  r = Fetch(port_, "POST", "/api/blobs/" + bd.ToString(), broken);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("not a valid GGUF file"), std::string::npos) << r->body;
  EXPECT_FALSE(ts_.store->HasBlob(bd));
}

TEST_F(ModelApiTest, HostileStoreContentNeverCrashes) {
  // A model layer that is not a GGUF, a config that is not JSON, messages of the wrong types.
  auto put = [&](const char* type, const std::string& text) {
    return store::Layer{type, ts_.store->PutBytes(text).value(), text.size()};
  };
  store::Manifest m;
  m.config = put(store::kConfigMediaType, "not json at all");
  m.layers.push_back(put(store::kMediaModel, "GGUF but truncated"));
  m.layers.push_back(put(store::kMediaMessages, R"([{"role":5,"content":["x"]},7])"));
  ASSERT_TRUE(ts_.store->WriteManifest(store::ModelName::Parse("broken").value(), m).ok());
  auto [status, body] = Call("GET", "/api/tags", "");
  ASSERT_EQ(status, 200);
  bool listed = false;
  for (const json& model : body["models"]) {
    if (model["name"] != "broken:latest") continue;
    listed = true;
    EXPECT_EQ(model["details"]["format"], "");
    EXPECT_FALSE(model.contains("capabilities"));
  }
  EXPECT_TRUE(listed) << body;
  std::tie(status, body) = Call("POST", "/api/show", R"({"model":"broken"})");
  EXPECT_EQ(status, 500);
  EXPECT_NE(body["error"].get<std::string>().find("broken:latest"), std::string::npos) << body;
  // The server is still healthy.
  std::tie(status, body) = Call("POST", "/api/show", R"({"model":"stories"})");
  EXPECT_EQ(status, 200);
}

}  // namespace
}  // namespace hearth::server
