// The server's POST /api/pull and POST /api/push against the scripted registry
// (tests/fakes/registry.js): Ollama's progress objects streamed as NDJSON, the non-streaming
// answer, errors before and after streaming starts, and a client disconnect cancelling a pull.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "registry/fixture.h"
#include "testing/http_client.h"
#include "server/routes.h"
#include "http/server.h"
#include "store/sha256.h"
#include "store/store.h"
#include "testing/test_env.h"

namespace hearth::server {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using hearth::testing::Client;
using hearth::testing::Fetch;

// NDJSON lines of a body as JSON values (a malformed line becomes a discarded value).
std::vector<json> Lines(const std::string& body) {
  std::vector<json> out;
  size_t start = 0;
  for (size_t nl; (nl = body.find('\n', start)) != std::string::npos; start = nl + 1) {
    out.push_back(json::parse(body.substr(start, nl - start), nullptr, false));
  }
  EXPECT_EQ(start, body.size()) << "unterminated NDJSON line: " << body.substr(start);
  return out;
}

class TransferRoutesTest : public ::testing::Test {
 protected:
  // Registry with team/stories:v1 built from the q8_0 model; a server over an empty store.
  void Start(const std::vector<std::string>& flags = {},
             registry::RegistryOptions options = hearth::testing::TestOptions()) {
    registry_dir_ = hearth::testing::TempDir();
    auto scratch = store::Store::Open(hearth::testing::TempDir()).value();
    built_ = hearth::testing::BuildModel(*scratch, registry_dir_,
                                         hearth::testing::SharedModel("stories260K-q8_0.gguf"),
                                         "team", "stories", "v1", "Tell short stories.");
    reg_ = hearth::testing::FakeRegistry::Start(registry_dir_, flags);
    ASSERT_TRUE(reg_);
    store_ = store::Store::Open(hearth::testing::TempDir()).value();
    http::RouteTable router;
    AddGeneralRoutes(router, "0.1.0-test");
    AddTransferRoutes(router, {.store = store_.get(), .registry = options});
    auto s = http::HttpServer::Start(http::ServerOptions{.port = 0}, std::move(router));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    model_ = reg_->host() + "/team/stories:v1";
  }

  std::optional<hearth::testing::HttpResponse> Post(const std::string& path,
                                                    const std::string& body) {
    return Fetch(server_->port(), "POST", path, body, "Content-Type: application/json\r\n");
  }

  std::string registry_dir_;
  hearth::testing::BuiltModel built_;
  std::unique_ptr<hearth::testing::FakeRegistry> reg_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<http::HttpServer> server_;
  std::string model_;
};

TEST_F(TransferRoutesTest, PullStreamsOllamaProgressAndStoresTheModel) {
  Start();
  auto r = Post("/api/pull", json{{"model", model_}, {"insecure", true}}.dump());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-type").rfind("application/x-ndjson", 0), 0u);
  std::vector<json> lines = Lines(r->body);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.front(), json({{"status", "pulling manifest"}}));
  EXPECT_EQ(lines.back(), json({{"status", "success"}}));
  std::vector<std::string> statuses;
  bool model_progress = false;
  for (const json& l : lines) {
    ASSERT_TRUE(l.is_object());
    ASSERT_FALSE(l.contains("error")) << l.dump();
    const std::string s = l["status"];
    if (statuses.empty() || statuses.back() != s) statuses.push_back(s);
    if (s == "pulling " + built_.model.hex.substr(0, 12)) {
      EXPECT_EQ(l["digest"], built_.model.ToString());
      EXPECT_EQ(l["total"], built_.manifest.layers[0].size);
      if (l.value("completed", uint64_t{0}) == built_.manifest.layers[0].size)
        model_progress = true;
    }
  }
  EXPECT_TRUE(model_progress) << r->body;
  const size_t n = statuses.size();
  ASSERT_GE(n, 4u);
  EXPECT_EQ(statuses[n - 3], "verifying sha256 digest");
  EXPECT_EQ(statuses[n - 2], "writing manifest");
  auto resolved = store_->Resolve(store::ModelName::Parse(model_).value());
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
  EXPECT_EQ(resolved->system, "Tell short stories.");
}

TEST_F(TransferRoutesTest, PullWithoutStreamingAnswersTheLastObject) {
  Start();
  auto r = Post("/api/pull", json{{"name", model_}, {"insecure", true}, {"stream", false}}.dump());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body, nullptr, false), json({{"status", "success"}})) << r->body;
  EXPECT_TRUE(store_->ReadManifestBytes(store::ModelName::Parse(model_).value()).ok());
}

TEST_F(TransferRoutesTest, BadRequestsAreRejectedBeforeStreaming) {
  Start();
  struct Case {
    std::string body;
    int status;
    std::string error;
  } cases[] = {
      {"", 400, "missing request body"},
      {R"({"model": 5})", 400, "invalid type for field 'model': expected string, got number"},
      {R"({"model": "x", "stream": "yes"})", 400,
       "invalid type for field 'stream': expected boolean, got string"},
      {R"({})", 400, "model is required"},
      {R"({"model": "../../etc/passwd"})", 400, "invalid model name"},
  };
  for (const Case& c : cases) {
    auto r = Post("/api/pull", c.body);
    ASSERT_TRUE(r) << c.body;
    EXPECT_EQ(r->status, c.status) << c.body;
    EXPECT_EQ(json::parse(r->body, nullptr, false), json({{"error", c.error}})) << r->body;
  }
  auto r = Post("/api/push", json{{"model", reg_->host() + "/team/missing:v1"}}.dump());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(json::parse(r->body, nullptr, false)["error"],
            "model '" + reg_->host() + "/team/missing:v1' not found");
}

TEST_F(TransferRoutesTest, RegistryErrorsEndTheStreamWithAnErrorFrame) {
  Start({"--manifest-404"});
  auto r = Post("/api/pull", json{{"model", model_}, {"insecure", true}}.dump());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  std::vector<json> lines = Lines(r->body);
  ASSERT_GE(lines.size(), 2u) << r->body;
  EXPECT_EQ(lines.front()["status"], "pulling manifest");
  ASSERT_TRUE(lines.back().contains("error")) << r->body;
  EXPECT_FALSE(lines.back()["error"].get<std::string>().empty());

  r = Post("/api/pull", json{{"model", model_}, {"insecure", true}, {"stream", false}}.dump());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404) << r->body;
  EXPECT_TRUE(json::parse(r->body, nullptr, false).contains("error")) << r->body;
  EXPECT_FALSE(store_->ReadManifestBytes(store::ModelName::Parse(model_).value()).ok());
}

TEST_F(TransferRoutesTest, ClientDisconnectCancelsThePullAndTheNextOneResumes) {
  // The model blob is one part, which drips slowly the first time it is fetched.
  registry::RegistryOptions one_part = hearth::testing::TestOptions();
  one_part.min_part_size = 1 << 30;
  auto model = store::Sha256File(hearth::testing::SharedModel("stories260K-q8_0.gguf"));
  ASSERT_TRUE(model.ok());
  Start({"--drip", "1024:50", "--times", "1", "--fault-digest", model->hex}, one_part);
  {
    Client c(server_->port());
    ASSERT_TRUE(c.SendRequest("POST", "/api/pull",
                              json{{"model", model_}, {"insecure", true}}.dump(),
                              "Content-Type: application/json\r\n"));
    auto head = c.ReadHead();
    ASSERT_TRUE(head);
    ASSERT_EQ(head->status, 200);
    // Read until some of the model blob has arrived, then drop the connection.
    bool moving = false;
    while (!moving) {
      auto chunk = c.ReadChunk();
      ASSERT_TRUE(chunk && !chunk->empty());
      for (const json& l : Lines(*chunk)) {
        if (l.value("digest", "") == built_.model.ToString() && l.value("completed", 0) > 0) {
          moving = true;
        }
      }
    }
    c.Abort();
  }
  // The cancelled download lets go of its partial file (an exclusive flock while it runs).
  const std::string partial = store_->PartialPath(*model);
  bool released = false;
  for (int i = 0; i < 600 && !released; ++i) {
    const int fd = ::open(partial.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) == 0) released = true;
    if (fd >= 0) ::close(fd);
    if (!released) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(released) << "the pull went on after its client disconnected";
  const store::ModelName name = store::ModelName::Parse(model_).value();
  EXPECT_FALSE(store_->ReadManifestBytes(name).ok());
  std::error_code ec;
  const uint64_t kept = fs::file_size(partial, ec);
  ASSERT_FALSE(ec);
  EXPECT_GT(kept, 0u);

  // The same blob from a registry without the drip: the pull resumes where the first stopped.
  auto fast = hearth::testing::FakeRegistry::Start(registry_dir_);
  ASSERT_TRUE(fast);
  const std::string fast_model = fast->host() + "/team/stories:v1";
  auto r =
      Post("/api/pull", json{{"model", fast_model}, {"insecure", true}, {"stream", false}}.dump());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_TRUE(store_->ReadManifestBytes(store::ModelName::Parse(fast_model).value()).ok());
  bool resumed = false;
  std::string log;
  for (const auto& seen : fast->Log()) {
    log += seen.method + " " + seen.path + " [" + seen.range + "]\n";
    if (seen.method == "GET" && seen.path.find(model->hex) != std::string::npos &&
        seen.range.rfind("bytes=0-", 0) != 0 && seen.range.rfind("bytes=", 0) == 0) {
      resumed = true;
    }
  }
  EXPECT_TRUE(resumed) << "kept " << kept << " bytes\n" << log;
}

TEST_F(TransferRoutesTest, PushStreamsOllamaProgress) {
  Start();
  const store::ModelName name = store::ModelName::Parse(reg_->host() + "/team/pushed:v2").value();
  // The server's store gets the model's blobs (registry content goes to a scratch directory).
  auto local = hearth::testing::BuildModel(*store_, hearth::testing::TempDir(),
                                           hearth::testing::SharedModel("stories260K-f32.gguf"),
                                           "team", "pushed", "v2", "Pushed.");
  ASSERT_TRUE(store_->WriteManifestBytes(name, local.manifest_bytes).ok());
  auto r = Post("/api/push", json{{"model", name.Display()}, {"insecure", true}}.dump());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  std::vector<std::string> statuses;
  for (const json& l : Lines(r->body)) {
    ASSERT_FALSE(l.contains("error")) << r->body;
    if (statuses.empty() || statuses.back() != l["status"]) statuses.push_back(l["status"]);
  }
  ASSERT_GE(statuses.size(), 3u) << r->body;
  EXPECT_EQ(statuses.front(), "retrieving manifest");
  EXPECT_EQ(statuses[statuses.size() - 2], "pushing manifest");
  EXPECT_EQ(statuses.back(), "success");
  EXPECT_TRUE(fs::exists(registry_dir_ + "/manifests/team/pushed/v2")) << r->body;
}

TEST_F(TransferRoutesTest, CliPushAndPullGoThroughTheServer) {
  Start();
  const std::string pushed = reg_->host() + "/team/viaserver:v3";
  auto local = hearth::testing::BuildModel(*store_, hearth::testing::TempDir(),
                                           hearth::testing::SharedModel("stories260K-f32.gguf"),
                                           "team", "viaserver", "v3", "Via the server.");
  ASSERT_TRUE(
      store_->WriteManifestBytes(store::ModelName::Parse(pushed).value(), local.manifest_bytes)
          .ok());
  // The client's own store is empty: only the server has the model.
  const std::vector<std::string> env = {"HEARTH_HOST=127.0.0.1:" + std::to_string(server_->port()),
                                        "HEARTH_MODELS=" + hearth::testing::TempDir()};
  auto child =
      hearth::testing::Spawn({hearth::testing::HearthBinary(), "push", "--insecure", pushed}, env);
  const int rc = hearth::testing::Wait(child, std::chrono::seconds(120));
  EXPECT_EQ(rc, 0) << hearth::testing::ReadAll(child.err_path);
  EXPECT_TRUE(fs::exists(registry_dir_ + "/manifests/team/viaserver/v3"));
  EXPECT_NE(hearth::testing::ReadAll(child.err_path).find("success"), std::string::npos);

  child =
      hearth::testing::Spawn({hearth::testing::HearthBinary(), "pull", "--insecure", model_}, env);
  EXPECT_EQ(hearth::testing::Wait(child, std::chrono::seconds(120)), 0)
      << hearth::testing::ReadAll(child.err_path);
  EXPECT_TRUE(store_->ReadManifestBytes(store::ModelName::Parse(model_).value()).ok());
  // An error from the server's stream is the CLI's error.
  child = hearth::testing::Spawn(
      {hearth::testing::HearthBinary(), "pull", "--insecure", reg_->host() + "/team/nosuch:v1"},
      env);
  EXPECT_EQ(hearth::testing::Wait(child, std::chrono::seconds(120)), 1);
  EXPECT_NE(hearth::testing::ReadAll(child.err_path).find("Error: "), std::string::npos)
      << hearth::testing::ReadAll(child.err_path);
}

}  // namespace
}  // namespace hearth::server
