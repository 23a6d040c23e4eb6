// POST /api/create as current Ollama: structured fields over uploaded blobs, the legacy
// "modelfile" text, the status stream, and the 400s that come before any streaming.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server/server_testing.h"

namespace hearth::server {
namespace {

using nlohmann::json;
using testing::Fetch;

std::vector<json> Lines(const std::string& body) {
  std::vector<json> out;
  size_t start = 0;
  for (size_t nl; (nl = body.find('\n', start)) != std::string::npos; start = nl + 1) {
    out.push_back(json::parse(body.substr(start, nl - start), nullptr, false));
  }
  return out;
}

class CreateRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ts_ = testing::MakeTestStore();
    http::RouteTable router;
    AddModelRoutes(router, ts_.store.get());
    AddCreateRoutes(router, ts_.store.get());
    auto s = http::HttpServer::Start(http::ServerOptions{.port = 0}, std::move(router));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
  }

  std::pair<int, std::string> Post(const std::string& path, const std::string& body) {
    auto r = Fetch(server_->port(), "POST", path, body, "Content-Type: application/json\r\n");
    if (!r) return {0, ""};
    return {r->status, r->body};
  }

  // Uploads `bytes` as a blob; returns its digest.
  std::string Upload(const std::string& bytes) {
    const std::string digest = store::Sha256Of(bytes).ToString();
    auto r = Fetch(server_->port(), "POST", "/api/blobs/" + digest, bytes);
    EXPECT_TRUE(r && (r->status == 201 || r->status == 200));
    return digest;
  }

  testing::TestStore ts_;
  std::unique_ptr<http::HttpServer> server_;
};

TEST_F(CreateRoutesTest, StructuredRequestFromAnUploadedGguf) {
  // A fresh store has no such blob until the upload.
  const std::string gguf = hearth::testing::ReadAll(ts_.gguf_path);
  const std::string digest = Upload(gguf);
  json req = {
      {"model", "mine:v1"},
      {"files", {{"stories.gguf", digest}}},
      {"template", "{{ .System }}|{{ .Prompt }}"},
      {"system", "Be brief."},
      {"license", json::array({"MIT", "Apache-2.0"})},
      {"parameters", {{"temperature", 0}, {"stop", {"END", "STOP"}}, {"num_ctx", 256}}},
      {"messages",
       {{{"role", "user"}, {"content", "hi"}}, {{"role", "assistant"}, {"content", "hello"}}}}};
  auto [status, body] = Post("/api/create", req.dump());
  ASSERT_EQ(status, 200) << body;
  std::vector<std::string> statuses;
  for (const json& l : Lines(body)) {
    ASSERT_TRUE(l.is_object() && !l.contains("error")) << body;
    statuses.push_back(l["status"]);
  }
  ASSERT_GE(statuses.size(), 4u);
  EXPECT_EQ(statuses.front(), "gathering model components");
  EXPECT_NE(std::find(statuses.begin(), statuses.end(), "parsing GGUF"), statuses.end());
  EXPECT_EQ(statuses[statuses.size() - 2], "writing manifest");
  EXPECT_EQ(statuses.back(), "success");

  auto m = ts_.store->Resolve(store::ModelName::Parse("mine:v1").value());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->model_path, ts_.store->BlobPath(store::Digest::Parse(digest).value()));
  EXPECT_EQ(m->template_text, "{{ .System }}|{{ .Prompt }}");
  EXPECT_EQ(m->system, "Be brief.");
  EXPECT_EQ(json::parse(m->params_json),
            json({{"num_ctx", 256}, {"stop", {"END", "STOP"}}, {"temperature", 0}}));
  EXPECT_EQ(json::parse(m->messages_json), json({{{"role", "user"}, {"content", "hi"}},
                                                 {{"role", "assistant"}, {"content", "hello"}}}));
  EXPECT_NE(m->license.find("Apache-2.0"), std::string::npos);
}

TEST_F(CreateRoutesTest, FromAModelWithoutStreaming) {
  auto [status, body] =
      Post("/api/create",
           json{{"name", "derived"}, {"from", "stories"}, {"system", "Other."}, {"stream", false}}
               .dump());
  ASSERT_EQ(status, 200) << body;
  EXPECT_EQ(json::parse(body), json({{"status", "success"}}));
  auto m = ts_.store->Resolve(store::ModelName::Parse("derived").value());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->system, "Other.");
  EXPECT_EQ(m->template_text, testing::kTemplate);  // the base model's layers are reused

  std::tie(status, body) =
      Post("/api/create", json{{"model", "x"}, {"from", "nosuch"}, {"stream", false}}.dump());
  EXPECT_EQ(status, 404) << body;
  EXPECT_NE(json::parse(body)["error"].get<std::string>().find("not found"), std::string::npos);
  // Streaming: the same error is the final frame.
  std::tie(status, body) = Post("/api/create", json{{"model", "x"}, {"from", "nosuch"}}.dump());
  EXPECT_EQ(status, 200);
  auto lines = Lines(body);
  ASSERT_FALSE(lines.empty());
  EXPECT_TRUE(lines.back().contains("error")) << body;
}

TEST_F(CreateRoutesTest, LegacyModelfileText) {
  auto [status, body] = Post(
      "/api/create",
      json{{"model", "legacy"}, {"modelfile", "FROM stories\nSYSTEM Legacy.\n"}, {"stream", false}}
          .dump());
  ASSERT_EQ(status, 200) << body;
  EXPECT_EQ(ts_.store->Resolve(store::ModelName::Parse("legacy").value())->system, "Legacy.");
}

TEST_F(CreateRoutesTest, TheServerNeverOpensAPathFromTheRequest) {
  // A Modelfile FROM naming a file on the server's disk is not read, even when it exists.
  auto [status, body] = Post(
      "/api/create",
      json{{"model", "steal"}, {"modelfile", "FROM " + ts_.gguf_path}, {"stream", false}}.dump());
  EXPECT_EQ(status, 400) << body;
  EXPECT_NE(body.find("not a valid model name"), std::string::npos) << body;
  EXPECT_FALSE(ts_.store->ReadManifestBytes(store::ModelName::Parse("steal").value()).ok());
  std::tie(status, body) = Post(
      "/api/create", json{{"model", "steal"}, {"adapters", {{"a.gguf", ts_.gguf_path}}}}.dump());
  EXPECT_EQ(status, 400) << body;
}

TEST_F(CreateRoutesTest, BadRequestsAre400BeforeStreaming) {
  const std::string text_blob = Upload("just some text");
  const std::string model_blob = ts_.model_digest.ToString();
  struct Case {
    json req;
    std::string error;  // a substring of the error
  } cases[] = {
      {{{"model", "q"}, {"from", "stories"}, {"quantize", "q4_K_M"}},
       "quantization is not supported"},
      {{{"model", "q"}}, "neither 'from' or 'files' was specified"},
      {{{"from", "stories"}}, "invalid model name"},
      {{{"model", "a/../b"}, {"from", "stories"}}, "invalid model name"},
      {{{"model", "q"}, {"files", {{"../up.gguf", model_blob}}}}, "file path must be relative"},
      {{{"model", "q"}, {"files", {{"/abs.gguf", model_blob}}}}, "file path must be relative"},
      {{{"model", "q"}, {"files", {{"m.gguf", "sha256:1234"}}}}, "invalid digest"},
      {{{"model", "q"}, {"files", {{"m.gguf", "sha256:" + std::string(64, 'a')}}}}, "not found"},
      {{{"model", "q"}, {"files", {{"m.gguf", text_blob}}}}, "not in GGUF format"},
      {{{"model", "q"}, {"files", {{"model.safetensors", model_blob}}}}, "safetensors"},
      {{{"model", "q"}, {"files", {{"m.gguf", 7}}}}, "'files.m.gguf': expected string"},
      {{{"model", "q"}, {"from", "stories"}, {"parameters", {{"temprature", 1}}}},
       "unknown parameter 'temprature'"},
      {{{"model", "q"}, {"from", "stories"}, {"parameters", {{"top_k", "ten"}}}}, "top_k"},
      {{{"model", "q"}, {"from", "stories"}, {"template", "{{ .Prompt "}}, "template error"},
      {{{"model", "q"}, {"from", "stories"}, {"messages", {{{"role", "robot"}, {"content", "x"}}}}},
       "messages[0]"},
      {{{"model", "q"}, {"from", "stories"}, {"license", 3}},
       "invalid type for field 'license': expected string or array of strings, got number"},
      {{{"model", "q"}, {"from", "stories"}, {"license", {"MIT", 3}}},
       "invalid type for field 'license[1]': expected string, got number"},
      {{{"model", "q"}, {"from", "stories"}, {"messages", "hi"}},
       "invalid type for field 'messages': expected array, got string"},
      {{{"model", "q"}, {"from", "stories"}, {"parameters", {{"top_k", {{"a", 1}}}}}},
       "invalid type for field 'parameters.top_k': expected string, number or boolean, got object"},
      {{{"model", "q"}, {"from", "stories"}, {"parameters", "x"}},
       "invalid type for field 'parameters': expected object, got string"},
      {{{"model", "q"}, {"modelfile", "FORM stories"}}, "unknown command"},
  };
  for (const Case& c : cases) {
    auto [status, body] = Post("/api/create", c.req.dump());
    EXPECT_EQ(status, 400) << c.req.dump() << " -> " << body;
    json j = json::parse(body, nullptr, false);
    ASSERT_TRUE(j.is_object() && j["error"].is_string()) << body;
    EXPECT_NE(j["error"].get<std::string>().find(c.error), std::string::npos)
        << c.req.dump() << " -> " << body;
  }
  EXPECT_FALSE(ts_.store->ReadManifestBytes(store::ModelName::Parse("q").value()).ok());
}

}  // namespace
}  // namespace hearth::server
