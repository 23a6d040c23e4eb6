// The HTTP layer and challenge parsing under the registry client.
#include "net/curl.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "registry/fixture.h"
#include "registry/registry_session.h"
#include "testing/test_env.h"

namespace hearth::registry {

using namespace store;  // the store these transfers fill
namespace {

using internal::ParseChallenge;

TEST(ChallengeTest, ParsesDockerBearerChallenge) {
  auto c = ParseChallenge(
      R"(Bearer realm="https://registry.ollama.ai/v2/token",service="registry.ollama.ai",)"
      R"(scope="repository:library/llama3:pull")");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->scheme, "bearer");
  EXPECT_EQ(c->realm, "https://registry.ollama.ai/v2/token");
  EXPECT_EQ(c->service, "registry.ollama.ai");
  EXPECT_EQ(c->scope, "repository:library/llama3:pull");
}

TEST(ChallengeTest, HandlesEscapesSpacesCaseAndTokens) {
  auto c = ParseChallenge(R"(  BEARER  Realm = "http://h/t\"x" , scope=a:b:pull ,service="s,1")");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->scheme, "bearer");
  EXPECT_EQ(c->realm, "http://h/t\"x");
  EXPECT_EQ(c->scope, "a:b:pull");
  EXPECT_EQ(c->service, "s,1");
}

TEST(ChallengeTest, FirstOfRepeatedParameterWins) {
  auto c = ParseChallenge(R"(Bearer realm="http://a/t",realm="http://evil/t")");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->realm, "http://a/t");
}

TEST(ChallengeTest, RejectsMalformedHeaders) {
  EXPECT_FALSE(ParseChallenge("").ok());
  EXPECT_FALSE(ParseChallenge(R"(Bearer realm="unterminated)").ok());
  EXPECT_FALSE(ParseChallenge(R"(Bearer realm)").ok());
  EXPECT_FALSE(ParseChallenge(R"(Bearer realm="a" junk)").ok());
  EXPECT_FALSE(ParseChallenge(R"("quoted-scheme")").ok());
}

TEST(UrlTest, ParsesAndNormalizes) {
  auto u = curl::ParseUrl("HTTP://Mirror.Example:11434/v2/a/b?x=1");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "mirror.example");
  EXPECT_EQ(u->port, 11434);
  EXPECT_EQ(u->path_and_query, "/v2/a/b?x=1");
  EXPECT_EQ(u->Origin(), "mirror.example:11434");
  auto d = curl::ParseUrl("https://registry.ollama.ai/v2/");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->port, 443);
  EXPECT_EQ(d->full, "https://registry.ollama.ai/v2/");
}

TEST(UrlTest, RejectsOtherSchemesAndCredentials) {
  EXPECT_FALSE(curl::ParseUrl("file:///etc/passwd").ok());
  EXPECT_FALSE(curl::ParseUrl("ftp://h/x").ok());
  EXPECT_FALSE(curl::ParseUrl("gopher://h/x").ok());
  EXPECT_FALSE(curl::ParseUrl("http://user:pw@h/x").ok());
  EXPECT_FALSE(curl::ParseUrl("not a url").ok());
  EXPECT_FALSE(curl::ParseUrl("http://h:99999/").ok());
}

TEST(UrlTest, ResolvesRedirectLocations) {
  auto base = curl::ParseUrl("http://127.0.0.1:5000/v2/library/m/blobs/sha256:ab");
  ASSERT_TRUE(base.ok());
  auto rel = curl::ResolveUrl(*base, "/r/1/x?y=2");
  ASSERT_TRUE(rel.ok());
  EXPECT_EQ(rel->full, "http://127.0.0.1:5000/r/1/x?y=2");
  auto sibling = curl::ResolveUrl(*base, "other");
  ASSERT_TRUE(sibling.ok());
  EXPECT_EQ(sibling->full, "http://127.0.0.1:5000/v2/library/m/blobs/other");
  auto abs = curl::ResolveUrl(*base, "https://cdn.example/blob?sig=1");
  ASSERT_TRUE(abs.ok());
  EXPECT_EQ(abs->Origin(), "cdn.example:443");
  EXPECT_FALSE(curl::ResolveUrl(*base, "file:///etc/shadow").ok());
  EXPECT_FALSE(curl::ResolveUrl(*base, "").ok());
}

TEST(SessionTest, RepositoryUrls) {
  struct Case {
    const char* name;
    bool insecure;
    const char* manifest_url;
  };
  const Case cases[] = {
      {"qwen2.5-coder:1.5b", false,
       "https://registry.ollama.ai/v2/library/qwen2.5-coder/manifests/1.5b"},
      {"hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M", false,
       "https://hf.co/v2/bartowski/Llama-3.2-1B-Instruct-GGUF/manifests/Q4_K_M"},
      {"hf.co/user/repo", false, "https://hf.co/v2/user/repo/manifests/latest"},
      {"mirror:11434/team/coder:7b", true, "http://mirror:11434/v2/team/coder/manifests/7b"},
  };
  for (const Case& c : cases) {
    auto name = ModelName::Parse(c.name);
    ASSERT_TRUE(name.ok()) << c.name << ": " << name.status().ToString();
    RegistryOptions o;
    o.insecure = c.insecure;
    auto session = internal::RegistrySession::Create(*name, o);
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    EXPECT_EQ((*session)->RepoUrl("manifests/" + name->tag), c.manifest_url) << c.name;
  }
}

TEST(HttpTest, ConnectionRefusedIsUnavailable) {
  // Bind then close a port to get one that (almost surely) has no listener.
  auto dir = testing::TempDir();
  auto reg = testing::FakeRegistry::Start(dir);
  ASSERT_TRUE(reg);
  const std::string url = "http://" + reg->host() + "/v2/";
  reg.reset();
  curl::Request req;
  req.url = url;
  auto r = curl::Perform(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_NE(r.status().message().find(url), std::string::npos) << r.status().message();
}

TEST(HttpTest, RefusesHeaderInjection) {
  curl::Request req;
  req.url = "http://127.0.0.1:1/";
  req.headers = {"X-A: 1\r\nX-Injected: 2"};
  auto r = curl::Perform(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(HttpTest, RangeRequestAndBoundedBody) {
  const std::string dir = testing::TempDir();
  std::filesystem::create_directories(dir + "/blobs");
  const std::string hex(64, 'a');
  std::string data(200000, 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
  testing::WriteAll(dir + "/blobs/sha256-" + hex, data);
  auto reg = testing::FakeRegistry::Start(dir);
  ASSERT_TRUE(reg);
  curl::Request req;
  req.url = "http://" + reg->host() + "/v2/library/m/blobs/sha256:" + hex;
  req.headers = {"Range: bytes=100-199"};
  auto r = curl::Perform(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(r->body, data.substr(100, 100));
  EXPECT_EQ(r->Header("content-range"), "bytes 100-199/200000");

  req.headers.clear();
  req.max_body = 1000;
  auto big = curl::Perform(req);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::kResourceExhausted);
}

TEST(HttpTest, StallIsDetected) {
  const std::string dir = testing::TempDir();
  std::filesystem::create_directories(dir + "/blobs");
  const std::string hex(64, 'b');
  testing::WriteAll(dir + "/blobs/sha256-" + hex, std::string(100000, 'z'));
  auto reg = testing::FakeRegistry::Start(dir, {"--stall-after", "10"});
  ASSERT_TRUE(reg);
  curl::Request req;
  req.url = "http://" + reg->host() + "/v2/library/m/blobs/sha256:" + hex;
  req.stall_timeout = std::chrono::milliseconds(300);
  auto r = curl::Perform(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("stalled"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace hearth::registry
