// Host allow-list (DNS rebinding), CORS, API keys: as units and through HTTP.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "testing/http_client.h"
#include "http/security.h"
#include "http/server.h"
#include "testing/test_env.h"

namespace hearth::http {
namespace {

using testing::Client;
using testing::Fetch;

TEST(HostAllowListTest, MatchesOllamaWhenBoundToLoopback) {
  struct Case {
    const char* host;
    bool allowed;
  };
  const Case cases[] = {
      {"", true},
      {"localhost", true},
      {"localhost:11434", true},
      {"LOCALHOST:1", true},
      {"127.0.0.1:11434", true},
      {"127.9.9.9", true},
      {"[::1]:11434", true},
      {"10.1.2.3:80", true},
      {"172.16.0.1", true},
      {"172.31.255.255:1", true},
      {"192.168.1.20:11434", true},
      {"0.0.0.0:11434", true},
      {"[fd00::1]:1", true},
      {"app.localhost:3000", true},
      {"printer.local", true},
      {"svc.internal:8080", true},
      {"172.32.0.1", false},
      {"8.8.8.8:11434", false},
      {"evil.com", false},
      {"evil.com:11434", false},
      {"localhost.evil.com", false},
      {"[::1]", false},  // Go's SplitHostPort fails without a port, as in Ollama
      {"127.0.0.1.nip.io", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(HostAllowed(true, c.host), c.allowed) << c.host;
    EXPECT_TRUE(HostAllowed(false, c.host)) << c.host;  // beyond loopback everything passes
  }
  char name[256] = {};
  ASSERT_EQ(gethostname(name, sizeof(name) - 1), 0);
  EXPECT_TRUE(HostAllowed(true, std::string(name) + ":11434"));
}

RouteTable Simple() {
  RouteTable r;
  auto ok = [](const CallPtr& c) { c->Respond(Response::Text(200, "Ollama is running")); };
  r.Add("GET", "/", ok, {.public_route = true});
  r.Add("HEAD", "/", ok, {.public_route = true});
  r.Add("GET", "/api/tags", [](const CallPtr& c) {
    c->Respond(Response::Json(200, R"({"models":[]})"));
  });
  return r;
}

std::unique_ptr<HttpServer> StartOrDie(ServerOptions options = {}) {
  options.port = 0;
  auto server = HttpServer::Start(std::move(options), Simple());
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(*server) : nullptr;
}

TEST(HostAllowListTest, ForeignHostGets403OverHttp) {
  auto server = StartOrDie();
  ASSERT_TRUE(server);
  EXPECT_TRUE(server->bound_to_loopback());
  auto r = Fetch(server->port(), "GET", "/api/tags", "", "Host: attacker.example:11434\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  r = Fetch(server->port(), "GET", "/api/tags", "", "Host: localhost:11434\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  // allowedHostsMiddleware answers OPTIONS for an allowed host name itself.
  r = Fetch(server->port(), "OPTIONS", "/api/tags", "", "Host: localhost:11434\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
}

TEST(CorsTest, AllowListPreflightAndRefusal) {
  ServerOptions o;
  o.origins = {"https://app.example.com", "https://*.example.org"};
  auto server = StartOrDie(o);
  ASSERT_TRUE(server);
  const uint16_t port = server->port();

  auto r = Fetch(port, "GET", "/api/tags", "", "Origin: http://localhost:3000\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("access-control-allow-origin"), "http://localhost:3000");
  EXPECT_EQ(r->Header("vary"), "Origin");

  r = Fetch(port, "OPTIONS", "/api/tags", "",
            "Origin: http://127.0.0.1:5173\r\nAccess-Control-Request-Method: POST\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(r->Header("access-control-allow-origin"), "http://127.0.0.1:5173");
  EXPECT_EQ(r->Header("access-control-allow-methods"), "GET,POST,PUT,PATCH,DELETE,HEAD");
  EXPECT_NE(r->Header("access-control-allow-headers").find("Authorization,Content-Type"),
            std::string::npos);
  EXPECT_EQ(r->Header("access-control-max-age"), "43200");

  for (const char* allowed : {"https://app.example.com", "https://docs.example.org",
                              "vscode-webview://abc", "tauri://localhost", "http://localhost"}) {
    r = Fetch(port, "GET", "/api/tags", "", std::string("Origin: ") + allowed + "\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << allowed;
    EXPECT_EQ(r->Header("access-control-allow-origin"), allowed);
  }
  for (const char* refused : {"https://evil.example", "http://localhost.evil.com",
                              "https://example.org.evil.net", "null"}) {
    r = Fetch(port, "GET", "/api/tags", "", std::string("Origin: ") + refused + "\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403) << refused;
    r = Fetch(port, "OPTIONS", "/api/tags", "", std::string("Origin: ") + refused + "\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403) << refused;
  }
  // An Origin equal to the server's own scheme://host is not cross-origin.
  r = Fetch(port, "GET", "/api/tags", "",
            "Host: localhost:11434\r\nOrigin: http://localhost:11434\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("access-control-allow-origin"), "");
}

TEST(CorsTest, MalformedOriginConfigIsRefusedAtStart) {
  ServerOptions o;
  o.origins = {"example.com"};
  o.port = 0;
  auto s = HttpServer::Start(o, Simple());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("bad origin \"example.com\""), std::string::npos);
  o.origins = {"https://*.a.*"};
  EXPECT_FALSE(HttpServer::Start(o, Simple()).ok());
}

TEST(ApiKeyTest, RequiredEverywhereButPublicRoutes) {
  ServerOptions o;
  o.api_keys = {"k1-secret", "k2-secret"};
  auto server = StartOrDie(o);
  ASSERT_TRUE(server);
  const uint16_t port = server->port();
  auto r = Fetch(port, "GET", "/api/tags");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->Header("www-authenticate"), "Bearer");
  EXPECT_NE(r->body.find("\"error\":\"unauthorized"), std::string::npos);
  r = Fetch(port, "GET", "/api/tags", "", "Authorization: Bearer k3-secret\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  r = Fetch(port, "GET", "/api/tags", "", "Authorization: Basic k1-secret\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  r = Fetch(port, "GET", "/api/tags", "", "Authorization: Bearer k1-secre\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  r = Fetch(port, "GET", "/api/tags", "", "Authorization: Bearer k2-secret\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = Fetch(port, "GET", "/api/tags", "", "Authorization: bearer k1-secret\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  // Anthropic's SDKs send "x-api-key"; a wrong one is refused like a wrong bearer token.
  r = Fetch(port, "GET", "/api/tags", "", "x-api-key: k1-secret\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = Fetch(port, "GET", "/api/tags", "", "x-api-key: k1-secre\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  // Public: GET and HEAD /.
  r = Fetch(port, "GET", "/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = Fetch(port, "HEAD", "/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  // Unknown paths do not reveal themselves without a key.
  r = Fetch(port, "GET", "/api/secret-admin");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  // /v1 gets OpenAI's error shape.
  r = Fetch(port, "GET", "/v1/models");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_NE(r->body.find("\"type\":\"authentication_error\""), std::string::npos);
}

TEST(ApiKeyTest, FromEnvironmentAndFile) {
  const std::string dir = hearth::testing::TempDir();
  hearth::testing::WriteAll(dir + "/keys", "# team keys\nfile-key-1\n\n  file-key-2  \n");
  setenv("HEARTH_API_KEYS", " env-a ,env-b,", 1);
  setenv("HEARTH_API_KEYS_FILE", (dir + "/keys").c_str(), 1);
  auto keys = ApiKeysFromEnv();
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(*keys, (std::vector<std::string>{"env-a", "env-b", "file-key-1", "file-key-2"}));
  setenv("HEARTH_API_KEYS_FILE", (dir + "/missing").c_str(), 1);
  keys = ApiKeysFromEnv();
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.status().code(), StatusCode::kIOError);
  hearth::testing::WriteAll(dir + "/bad", "good\nhas space\n");
  setenv("HEARTH_API_KEYS_FILE", (dir + "/bad").c_str(), 1);
  keys = ApiKeysFromEnv();
  ASSERT_FALSE(keys.ok());
  EXPECT_NE(keys.status().message().find("line 2"), std::string::npos);
  unsetenv("HEARTH_API_KEYS");
  unsetenv("HEARTH_API_KEYS_FILE");
}

}  // namespace
}  // namespace hearth::http
