// TLS (a CA made at test time) and proxies (an HTTP CONNECT proxy and a plain forward proxy
// running in the test).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/async_client.h"
#include "net/recording_handler.h"
#include "net/test_server.h"
#include "net/test_tls.h"

namespace hearth::net::testing {
namespace {

using namespace std::chrono_literals;

TestCa& Ca() {
  static TestCa* ca = new TestCa();
  return *ca;
}

std::string HttpsUrl(const std::string& host, uint16_t port, const std::string& path = "/") {
  return "https://" + host + ":" + std::to_string(port) + path;
}

class TlsTest : public ClientTest {
 protected:
  void SetUp() override {
    client_ = MakeClient(ClientOptions{.ca_file = Ca().ca_file(), .proxy = ProxyConfig{}});
  }
};

TEST_F(TlsTest, VerifiedByTheGivenCaByIpAndName) {
  TestServer server(Answer(200, "secret"), Ca().ServerContext({"localhost"}, {"127.0.0.1"}));
  auto by_ip = client_->Fetch(Get(HttpsUrl("127.0.0.1", server.port())));
  ASSERT_TRUE(by_ip.ok()) << by_ip.status().ToString();
  EXPECT_EQ(by_ip->body, "secret");
  auto by_name = client_->Fetch(Get(HttpsUrl("localhost", server.port())));
  ASSERT_TRUE(by_name.ok()) << by_name.status().ToString();
  EXPECT_EQ(by_name->body, "secret");
}

TEST_F(TlsTest, KeepAliveOverTls) {
  TestServer server(Answer(200, "x"), Ca().ServerContext({"localhost"}, {"127.0.0.1"}));
  for (int i = 0; i < 3; ++i) {
    auto r = client_->Fetch(Get(HttpsUrl("127.0.0.1", server.port())));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  EXPECT_EQ(server.accepted(), 1);
}

TEST_F(TlsTest, UnknownCaFailsVerification) {
  TestServer server(Answer(200, "secret"), Ca().ServerContext({"localhost"}, {"127.0.0.1"}));
  auto system_store = MakeClient(ClientOptions{.proxy = ProxyConfig{}});
  auto r = system_store->Fetch(Get(HttpsUrl("127.0.0.1", server.port())));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("TLS handshake"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("certificate"), std::string::npos) << r.status().message();
}

TEST_F(TlsTest, WrongHostNameFailsVerification) {
  TestServer server(Answer(200, "secret"), Ca().ServerContext({"other.example"}, {}));
  auto r = client_->Fetch(Get(HttpsUrl("127.0.0.1", server.port())));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("does not match"), std::string::npos)
      << r.status().message();
  auto by_name = client_->Fetch(Get(HttpsUrl("localhost", server.port())));
  EXPECT_EQ(by_name.status().code(), StatusCode::kUnavailable);
}

TEST_F(TlsTest, PlainHttpServerIsATlsFailure) {
  // A plain HTTP server answers the ClientHello with an HTTP error.
  TestServer server([](Peer& peer) {
    peer.Write(HttpResponse(400, "plain"));
    peer.WaitClosed(20s);
  });
  auto r = client_->Fetch(Get(HttpsUrl("127.0.0.1", server.port())));
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_NE(r.status().message().find("TLS handshake"), std::string::npos) << r.status().message();
}

// Copies bytes both ways until either side closes.
void Relay(int a, int b) {
  char buf[16384];
  while (true) {
    pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    if (::poll(p, 2, 20000) <= 0) return;
    for (int i = 0; i < 2; ++i) {
      if ((p[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      ssize_t n = ::recv(p[i].fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      if (::send(p[1 - i].fd, buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n) return;
    }
  }
}

// A CONNECT proxy that tunnels to 127.0.0.1:<port of the requested authority>.
struct ConnectProxy {
  std::mutex mu;
  std::vector<std::string> targets;
  std::string auth;
  TestServer server{[this](Peer& peer) {
    HttpRequest r;
    if (!peer.ReadRequest(&r)) return;
    {
      std::lock_guard lock(mu);
      targets.push_back(r.method + " " + r.target);
      auth = r.headers["proxy-authorization"];
    }
    if (r.method != "CONNECT") {
      peer.Write(HttpResponse(405, ""));
      return;
    }
    if (r.target.starts_with("forbidden")) {
      peer.Write(HttpResponse(403, "no"));
      return;
    }
    int up = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(std::stoi(r.target.substr(r.target.rfind(':') + 1))));
    if (::connect(up, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      peer.Write(HttpResponse(502, ""));
      ::close(up);
      return;
    }
    peer.Write("HTTP/1.1 200 Connection established\r\n\r\n");
    Relay(peer.fd(), up);
    ::close(up);
  }};
  std::string url() { return "http://127.0.0.1:" + std::to_string(server.port()); }
  size_t count() {
    std::lock_guard lock(mu);
    return targets.size();
  }
};

TEST_F(TlsTest, HttpsThroughAConnectProxy) {
  TestServer origin(Answer(200, "tunnelled"), Ca().ServerContext({"localhost"}, {"127.0.0.1"}));
  ConnectProxy proxy;
  ProxyConfig config;
  config.https_proxy = "http://user:pw@127.0.0.1:" + std::to_string(proxy.server.port());
  client_ = MakeClient(ClientOptions{.ca_file = Ca().ca_file(), .proxy = config});
  auto r = client_->Fetch(Get(HttpsUrl("localhost", origin.port(), "/v1/models")));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "tunnelled");
  ASSERT_EQ(proxy.count(), 1u);
  EXPECT_EQ(proxy.targets[0], "CONNECT localhost:" + std::to_string(origin.port()));
  EXPECT_EQ(proxy.auth, "Basic dXNlcjpwdw==");
  // Reuse goes through the same tunnel.
  ASSERT_TRUE(client_->Fetch(Get(HttpsUrl("localhost", origin.port()))).ok());
  EXPECT_EQ(proxy.count(), 1u);
  EXPECT_EQ(origin.accepted(), 1);
}

TEST_F(TlsTest, NoProxyBypassesTheProxy) {
  TestServer origin(Answer(200, "direct"), Ca().ServerContext({"localhost"}, {"127.0.0.1"}));
  ConnectProxy proxy;
  ProxyConfig config;
  config.https_proxy = proxy.url();
  config.no_proxy = "example.com, localhost";
  client_ = MakeClient(ClientOptions{.ca_file = Ca().ca_file(), .proxy = config});
  auto r = client_->Fetch(Get(HttpsUrl("localhost", origin.port())));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "direct");
  EXPECT_EQ(proxy.count(), 0u);
  EXPECT_EQ(proxy.server.accepted(), 0);
}

TEST_F(TlsTest, ProxyRefusingTheTunnelIsUnavailable) {
  ConnectProxy proxy;
  ProxyConfig config;
  config.https_proxy = proxy.url();
  client_ = MakeClient(ClientOptions{.ca_file = Ca().ca_file(), .proxy = config});
  auto r = client_->Fetch(Get("https://forbidden.test/"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("403"), std::string::npos) << r.status().message();
}

TEST_F(ClientTest, PlainHttpThroughAProxyUsesAbsoluteForm) {
  std::mutex mu;
  std::string seen;
  TestServer proxy([&](Peer& peer) {
    HttpRequest r;
    while (peer.ReadRequest(&r)) {
      {
        std::lock_guard lock(mu);
        seen = r.method + " " + r.target + " host=" + r.headers["host"];
      }
      peer.Write(HttpResponse(200, "via proxy"));
    }
  });
  ProxyConfig config;
  config.http_proxy = "127.0.0.1:" + std::to_string(proxy.port());
  client_ = MakeClient(ClientOptions{.proxy = config});
  auto r = client_->Fetch(Get("http://api.example.test:8080/v1/x?y=1"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "via proxy");
  std::lock_guard lock(mu);
  EXPECT_EQ(seen, "GET http://api.example.test:8080/v1/x?y=1 host=api.example.test:8080");
}

}  // namespace
}  // namespace hearth::net::testing
