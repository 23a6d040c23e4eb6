#include <gtest/gtest.h>

#include <cstdlib>

#include "net/proxy.h"
#include "net/url.h"

namespace hearth::net {
namespace {

TEST(ParseUrl, Parts) {
  auto u = ParseUrl("HTTPS://API.OpenAI.com/v1/chat/completions?x=1#frag");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_TRUE(u->https);
  EXPECT_EQ(u->host, "api.openai.com");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->target, "/v1/chat/completions?x=1");
  EXPECT_EQ(u->HostHeader(), "api.openai.com");
  EXPECT_EQ(u->Authority(), "api.openai.com:443");

  auto p = ParseUrl("http://localhost:11434");
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->https);
  EXPECT_EQ(p->port, 11434);
  EXPECT_EQ(p->target, "/");
  EXPECT_EQ(p->HostHeader(), "localhost:11434");

  auto q = ParseUrl("http://h?a=b");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->target, "/?a=b");
}

TEST(ParseUrl, Ipv6) {
  auto u = ParseUrl("http://[::1]:8080/x");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->HostHeader(), "[::1]:8080");
  auto d = ParseUrl("https://[fe80::1]/");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->HostHeader(), "[fe80::1]");
}

TEST(ParseUrl, Rejects) {
  for (const char* bad : {"", "localhost:80", "ftp://h/", "http://", "http://:80/", "http://h:/",
                          "http://h:0/", "http://h:65536/", "http://h:8x/", "http://[::1/",
                          "http://[::1]x/", "http://[zz]/", "http://u:p@h/", "http://h/a b",
                          "http://h\n/", "http://h%/"}) {
    auto u = ParseUrl(bad);
    ASSERT_FALSE(u.ok()) << bad;
    EXPECT_EQ(u.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(u.status().message().find("invalid URL"), std::string::npos);
  }
}

TEST(ProxyConfig, Bypass) {
  ProxyConfig c;
  c.no_proxy = " .internal.corp, example.com ,10.0.0.1, [::1], host.test:8080";
  EXPECT_TRUE(c.Bypass("a.internal.corp"));
  EXPECT_TRUE(c.Bypass("internal.corp"));
  EXPECT_FALSE(c.Bypass("xinternal.corp"));
  EXPECT_TRUE(c.Bypass("example.com"));
  EXPECT_TRUE(c.Bypass("API.Example.COM"));
  EXPECT_FALSE(c.Bypass("notexample.com"));
  EXPECT_TRUE(c.Bypass("10.0.0.1"));
  EXPECT_FALSE(c.Bypass("10.0.0.10"));
  EXPECT_TRUE(c.Bypass("::1"));
  EXPECT_TRUE(c.Bypass("[::1]"));
  EXPECT_TRUE(c.Bypass("host.test", 8080));
  EXPECT_FALSE(c.Bypass("host.test", 443));
  EXPECT_TRUE(c.Bypass("host.test"));
  EXPECT_FALSE(c.Bypass("openai.com"));
  c.no_proxy = "*";
  EXPECT_TRUE(c.Bypass("anything"));
  c.no_proxy = "";
  EXPECT_FALSE(c.Bypass("anything"));
}

TEST(ProxyConfig, FromEnvPrefersLowerCase) {
  ::setenv("HTTPS_PROXY", "http://upper:1", 1);
  ::setenv("https_proxy", "http://lower:2", 1);
  ::setenv("HTTP_PROXY", "http://plain:3", 1);
  ::unsetenv("http_proxy");
  ::setenv("NO_PROXY", "localhost", 1);
  ::unsetenv("no_proxy");
  ProxyConfig c = ProxyConfig::FromEnv();
  EXPECT_EQ(c.https_proxy, "http://lower:2");
  EXPECT_EQ(c.http_proxy, "http://plain:3");
  EXPECT_EQ(c.no_proxy, "localhost");
  for (const char* v : {"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "NO_PROXY"}) ::unsetenv(v);
}

TEST(ParseProxy, Forms) {
  auto a = ParseProxy("proxy.corp:3128");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "proxy.corp");
  EXPECT_EQ(a->port, 3128);
  EXPECT_EQ(a->authorization, "");
  auto b = ParseProxy("http://alice:s3cret@10.1.1.1:8080/");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->host, "10.1.1.1");
  EXPECT_EQ(b->authorization, "Basic " + Base64("alice:s3cret"));
  EXPECT_EQ(ParseProxy("https://p:1").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseProxy("socks5://p:1").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseProxy("http://p:notaport").status().code(), StatusCode::kInvalidArgument);
}

TEST(Base64, Vectors) {
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
}

TEST(ProxyFor, PicksBySchemeAndBypass) {
  ProxyConfig c;
  c.https_proxy = "http://p:1";
  c.no_proxy = "local.test";
  auto https = ProxyFor(c, *ParseUrl("https://api.test/"));
  ASSERT_TRUE(https.ok());
  ASSERT_TRUE(https->has_value());
  EXPECT_EQ((*https)->host, "p");
  auto http = ProxyFor(c, *ParseUrl("http://api.test/"));
  ASSERT_TRUE(http.ok());
  EXPECT_FALSE(http->has_value());
  auto bypass = ProxyFor(c, *ParseUrl("https://x.local.test/"));
  ASSERT_TRUE(bypass.ok());
  EXPECT_FALSE(bypass->has_value());
}

}  // namespace
}  // namespace hearth::net
