// The transport with test handlers: routing, keep-alive, limits, streaming framing, disconnect
// -> cancel, streamed request bodies, port-in-use.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "testing/http_client.h"
#include "http/server.h"

namespace hearth::http {
namespace {

using testing::Client;
using testing::Fetch;

constexpr auto kGuard = std::chrono::seconds(30);

std::unique_ptr<HttpServer> StartOrDie(RouteTable router, ServerOptions options = {}) {
  options.port = 0;
  auto server = HttpServer::Start(std::move(options), std::move(router));
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(*server) : nullptr;
}

RouteTable EchoRouter() {
  RouteTable r;
  r.Add("GET", "/hello", [](const CallPtr& c) { c->Respond(Response::Text(200, "hi")); });
  r.Add("HEAD", "/hello", [](const CallPtr& c) { c->Respond(Response::Text(200, "hi")); });
  r.Add("GET", "/items/:id/parts/:part", [](const CallPtr& c) {
    c->Respond(Response::Text(200, c->Param("id") + "|" + c->Param("part")));
  });
  r.Add("GET", "/items/special/parts/:part", [](const CallPtr& c) {
    c->Respond(Response::Text(200, "literal " + c->Param("part")));
  });
  r.Add("POST", "/echo", [](const CallPtr& c) {
    c->Respond(Response::Text(200, c->request().body));
  }, {.max_body = 1024});
  r.Add("POST", "/silent", [](const CallPtr&) {});
  r.Add("POST", "/throws", [](const CallPtr&) -> void { throw std::runtime_error("kaboom"); });
  return r;
}

TEST(TransportTest, RoutesWithParamsAndLiteralPriority) {
  auto server = StartOrDie(EchoRouter());
  ASSERT_TRUE(server);
  auto r = Fetch(server->port(), "GET", "/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hi");
  EXPECT_EQ(r->Header("content-type"), "text/plain; charset=utf-8");

  r = Fetch(server->port(), "GET", "/items/a%20b/parts/7?x=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "a b|7");
  r = Fetch(server->port(), "GET", "/items/special/parts/9");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "literal 9");
}

TEST(TransportTest, NotFoundAndMethodNotAllowedAreJson) {
  auto server = StartOrDie(EchoRouter());
  ASSERT_TRUE(server);
  auto r = Fetch(server->port(), "GET", "/nope");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->body, R"({"error":"404 page not found"})");
  EXPECT_EQ(r->Header("content-type"), "application/json; charset=utf-8");

  r = Fetch(server->port(), "DELETE", "/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->Header("allow"), "GET, HEAD");

  // /v1 paths get OpenAI's error object.
  r = Fetch(server->port(), "GET", "/v1/nothing");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->body,
            R"({"error":{"code":null,"message":"404 page not found","param":null,"type":"not_found_error"}})");

  r = Fetch(server->port(), "GET", "/items/%zz/parts/1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  r = Fetch(server->port(), "GET", "/items/a%00b/parts/1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
}

TEST(TransportTest, HeadSendsHeadersWithoutBody) {
  auto server = StartOrDie(EchoRouter());
  ASSERT_TRUE(server);
  Client c(server->port());
  ASSERT_TRUE(c.SendRequest("HEAD", "/hello"));
  auto r = c.ReadResponse(/*head=*/true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-length"), "2");
  // The connection is still usable: the next response starts right away (no stray body bytes).
  ASSERT_TRUE(c.SendRequest("GET", "/hello"));
  r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hi");
}

TEST(TransportTest, KeepAliveAndPipelining) {
  auto server = StartOrDie(EchoRouter());
  ASSERT_TRUE(server);
  Client c(server->port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.SendRequest("POST", "/echo", "n" + std::to_string(i)));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "n" + std::to_string(i));
    EXPECT_NE(r->Header("connection"), "close");
  }
  // Three requests in one write: three responses, in order.
  ASSERT_TRUE(c.Send(
      "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\n\r\na"
      "GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n"
      "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\n\r\nc"));
  auto a = c.ReadResponse();
  auto b = c.ReadResponse();
  auto d = c.ReadResponse();
  ASSERT_TRUE(a && b && d);
  EXPECT_EQ(a->body, "a");
  EXPECT_EQ(b->body, "hi");
  EXPECT_EQ(d->body, "c");
  // Connection: close is honoured.
  ASSERT_TRUE(c.SendRequest("GET", "/hello", "", "Connection: close\r\n"));
  auto last = c.ReadResponse();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->Header("connection"), "close");
  EXPECT_TRUE(c.SeesClose());
}

TEST(TransportTest, BodyLimitAnswers413AndCloses) {
  auto server = StartOrDie(EchoRouter());
  ASSERT_TRUE(server);
  Client c(server->port());
  ASSERT_TRUE(c.SendRequest("POST", "/echo", std::string(2000, 'x')));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->body, R"j({"error":"request body too large (limit 1024 bytes)"})j");
  EXPECT_TRUE(c.SeesClose());

  // A chunked body without a declared length is cut at the limit too.
  Client d(server->port());
  std::string chunk(600, 'y');
  ASSERT_TRUE(d.Send("POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "258\r\n" + chunk + "\r\n258\r\n" + chunk + "\r\n0\r\n\r\n"));
  r = d.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);

  // The server default applies to routes without their own limit.
  ServerOptions small;
  small.max_body_bytes = 10;
  RouteTable router;
  router.Add("POST", "/x", [](const CallPtr& call) { call->Respond(Response::Empty(200)); });
  auto s2 = StartOrDie(std::move(router), small);
  ASSERT_TRUE(s2);
  r = Fetch(s2->port(), "POST", "/x", std::string(11, 'z'));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  r = Fetch(s2->port(), "POST", "/x", std::string(10, 'z'));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(TransportTest, MalformedRequestIs400) {
  auto server = StartOrDie(EchoRouter());
  ASSERT_TRUE(server);
  Client c(server->port());
  ASSERT_TRUE(c.Send("GARBAGE\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(c.SeesClose());
}

TEST(TransportTest, ExpectContinue) {
  auto server = StartOrDie(EchoRouter());
  ASSERT_TRUE(server);
  Client c(server->port());
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n"
                     "Expect: 100-continue\r\n\r\n"));
  auto cont = c.ReadResponse(/*head=*/true);
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->status, 100);
  ASSERT_TRUE(c.Send("abc"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "abc");
}

TEST(TransportTest, HandlerWithoutAnswerOrThrowingGets500) {
  auto server = StartOrDie(EchoRouter());
  ASSERT_TRUE(server);
  auto r = Fetch(server->port(), "POST", "/silent", "{}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  r = Fetch(server->port(), "POST", "/throws", "{}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body, R"({"error":"internal error: kaboom"})");
}

TEST(TransportTest, PortInUseIsAClearError) {
  auto first = StartOrDie(EchoRouter());
  ASSERT_TRUE(first);
  ServerOptions o;
  o.port = first->port();
  auto second = HttpServer::Start(o, EchoRouter());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().message(),
            "cannot listen on 127.0.0.1:" + std::to_string(first->port()) +
                ": Address already in use");
}

TEST(TransportTest, ParseHostPortFollowsOllama) {
  std::string h;
  uint16_t p = 0;
  ASSERT_TRUE(ParseHostPort("", &h, &p).ok());
  EXPECT_EQ(h, "127.0.0.1");
  EXPECT_EQ(p, 11434);
  ASSERT_TRUE(ParseHostPort("0.0.0.0", &h, &p).ok());
  EXPECT_EQ(h, "0.0.0.0");
  EXPECT_EQ(p, 11434);
  ASSERT_TRUE(ParseHostPort(":0", &h, &p).ok());
  EXPECT_EQ(h, "127.0.0.1");
  EXPECT_EQ(p, 0);
  ASSERT_TRUE(ParseHostPort("http://example.com", &h, &p).ok());
  EXPECT_EQ(h, "example.com");
  EXPECT_EQ(p, 80);
  ASSERT_TRUE(ParseHostPort("[::1]:8080", &h, &p).ok());
  EXPECT_EQ(h, "::1");
  EXPECT_EQ(p, 8080);
  EXPECT_FALSE(ParseHostPort("127.0.0.1:99999", &h, &p).ok());
  EXPECT_FALSE(ParseHostPort("127.0.0.1:abc", &h, &p).ok());
}

TEST(TransportTest, StopFiresCancelOfInFlightCalls) {
  std::promise<CallPtr> got;
  RouteTable r;
  r.Add("GET", "/wait", [&got](const CallPtr& c) { got.set_value(c); });
  auto server = StartOrDie(std::move(r));
  ASSERT_TRUE(server);
  Client c(server->port());
  ASSERT_TRUE(c.SendRequest("GET", "/wait"));
  auto f = got.get_future();
  ASSERT_EQ(f.wait_for(kGuard), std::future_status::ready);
  CallPtr call = f.get();
  CancelTokenPtr token = call->cancel();
  EXPECT_FALSE(token->IsCancelled());
  server->Stop();
  EXPECT_TRUE(token->IsCancelled());
}

}  // namespace
}  // namespace hearth::http
