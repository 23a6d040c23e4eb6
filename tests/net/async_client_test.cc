#include "net/async_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>

#include "net/recording_handler.h"
#include "net/test_server.h"

namespace hearth::net::testing {
namespace {

using namespace std::chrono_literals;

// Echoes "METHOD TARGET BODY" with a custom header, keep-alive.
TestServer::Handler Echo() {
  return [](Peer& peer) {
    HttpRequest r;
    while (peer.ReadRequest(&r)) {
      std::string body = r.method + " " + r.target + " " + r.body;
      if (!peer.Write(HttpResponse(200, body, "X-Echo-Host: " + r.headers["host"] + "\r\n"))) {
        return;
      }
    }
  };
}

TEST_F(ClientTest, GetAndPost) {
  TestServer server(Echo());
  auto get = client_->Fetch(Get(server.Url("/path?q=1")));
  ASSERT_TRUE(get.ok()) << get.status().ToString();
  EXPECT_EQ(get->head.status, 200);
  EXPECT_EQ(get->body, "GET /path?q=1 ");
  EXPECT_EQ(get->head.Header("x-echo-host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(get->head.Header("X-ECHO-HOST"), get->head.Header("x-echo-host"));
  EXPECT_EQ(get->head.Header("absent"), "");

  Request post;
  post.url = server.Url("/v1/chat");
  post.body = "{\"a\":1}";
  post.headers = {{"Content-Type", "application/json"}};
  auto posted = client_->Fetch(post);
  ASSERT_TRUE(posted.ok()) << posted.status().ToString();
  EXPECT_EQ(posted->body, "POST /v1/chat {\"a\":1}");
}

TEST_F(ClientTest, NonSuccessStatusIsNotAnError) {
  TestServer server(Answer(429, "slow down"));
  auto r = client_->Fetch(Get(server.Url("/")));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->head.status, 429);
  EXPECT_EQ(r->body, "slow down");
}

TEST_F(ClientTest, ChunkedBodyArrivesIncrementally) {
  std::promise<void> first_seen;
  std::atomic<bool> server_waited{false};
  TestServer server([&](Peer& peer) {
    HttpRequest r;
    if (!peer.ReadRequest(&r)) return;
    peer.Write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + Chunk("first"));
    // The rest is sent only once the client has seen the first chunk.
    server_waited = first_seen.get_future().wait_for(20s) == std::future_status::ready;
    peer.Write(Chunk("second") + Chunk(""));
    peer.ReadRequest(&r);
  });
  auto handler = std::make_shared<RecordingHandler>();
  bool signalled = false;
  handler->set_on_data([&](std::string_view) {
    if (!signalled) first_seen.set_value();
    signalled = true;
    return true;
  });
  client_->Start(Get(server.Url("/stream")), handler);
  ASSERT_TRUE(handler->Wait().ok());
  EXPECT_TRUE(server_waited);
  EXPECT_EQ(handler->body(), "firstsecond");
  ASSERT_EQ(handler->chunks().size(), 2u);
  EXPECT_EQ(handler->chunks()[0], "first");
  EXPECT_EQ(handler->heads(), 1);
  EXPECT_EQ(handler->dones(), 1);
}

TEST_F(ClientTest, KeepAliveReusesTheConnection) {
  TestServer server(Echo());
  for (int i = 0; i < 3; ++i) {
    auto r = client_->Fetch(Get(server.Url("/" + std::to_string(i))));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  EXPECT_EQ(server.accepted(), 1);
  EXPECT_EQ(client_->stats().idle_connections, 1u);
  EXPECT_EQ(client_->stats().open_connections, 1u);
}

TEST_F(ClientTest, ConnectionCloseIsNotPooled) {
  TestServer server([](Peer& peer) {
    HttpRequest r;
    if (peer.ReadRequest(&r)) peer.Write(HttpResponse(200, "bye", "Connection: close\r\n"));
  });
  ASSERT_TRUE(client_->Fetch(Get(server.Url("/"))).ok());
  ASSERT_TRUE(client_->Fetch(Get(server.Url("/"))).ok());
  EXPECT_EQ(server.accepted(), 2);
  EXPECT_EQ(client_->stats().open_connections, 0u);
}

TEST_F(ClientTest, BodyUntilEof) {
  TestServer server([](Peer& peer) {
    HttpRequest r;
    if (peer.ReadRequest(&r)) peer.Write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it");
  });
  auto r = client_->Fetch(Get(server.Url("/")));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "all of it");
}

TEST_F(ClientTest, HeadRequestHasNoBody) {
  TestServer server([](Peer& peer) {
    HttpRequest r;
    while (peer.ReadRequest(&r)) peer.Write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
  });
  Request head = Get(server.Url("/"));
  head.method = "HEAD";
  auto r = client_->Fetch(head);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->head.Header("content-length"), "1000");
  EXPECT_EQ(r->body, "");
}

TEST_F(ClientTest, StalePooledConnectionIsRetriedOnce) {
  // The first connection answers one request, then drops the second without a byte.
  std::atomic<int> connection{0};
  TestServer server([&](Peer& peer) {
    int n = ++connection;
    HttpRequest r;
    if (!peer.ReadRequest(&r)) return;
    if (n == 1) {
      peer.Write(HttpResponse(200, "one"));
      peer.ReadRequest(&r);
      return;  // closes without answering
    }
    peer.Write(HttpResponse(200, "two"));
    peer.ReadRequest(&r);
  });
  ASSERT_TRUE(client_->Fetch(Get(server.Url("/"))).ok());
  auto second = client_->Fetch(Get(server.Url("/")));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->body, "two");
  EXPECT_EQ(server.accepted(), 2);
}

TEST_F(ClientTest, RefusedPortFailsAtOnce) {
  uint16_t port = ClosedPort();
  auto r = client_->Fetch(Get("http://127.0.0.1:" + std::to_string(port) + "/"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("connect to 127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("refused"), std::string::npos) << r.status().message();
}

TEST_F(ClientTest, UnresolvableHostIsUnavailable) {
  auto r = client_->Fetch(Get("http://nosuch.invalid/"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("resolve nosuch.invalid"), std::string::npos)
      << r.status().message();
}

TEST_F(ClientTest, BadUrlAndHeadersAreInvalidArgument) {
  for (std::string url : {"ftp://x/", "http://", "http://h:99999/", "nourl", "http://a b/",
                          "http://[::1/", "http://user@h/"}) {
    auto r = client_->Fetch(Get(url));
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << url;
    EXPECT_NE(r.status().message().find(url), std::string::npos) << r.status().message();
  }
  Request bad_header = Get("http://127.0.0.1:1/");
  bad_header.headers = {{"X-Evil", "a\r\nInjected: 1"}};
  auto r = client_->Fetch(bad_header);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("X-Evil"), std::string::npos);
  Request bad_method = Get("http://127.0.0.1:1/");
  bad_method.method = "GE T";
  EXPECT_EQ(client_->Fetch(bad_method).status().code(), StatusCode::kInvalidArgument);
}

// A server that reads the request and then says nothing until the client leaves.
TestServer::Handler Silent(std::atomic<bool>* saw_close = nullptr) {
  return [saw_close](Peer& peer) {
    HttpRequest r;
    if (!peer.ReadRequest(&r)) return;
    bool closed = peer.WaitClosed(20s);
    if (saw_close != nullptr) *saw_close = closed;
  };
}

TEST_F(ClientTest, FirstByteTimeout) {
  TestServer server(Silent());
  Request r = Get(server.Url("/"));
  r.timeouts.first_byte = 200ms;
  auto result = client_->Fetch(r);
  ASSERT_EQ(result.status().code(), StatusCode::kDeadlineExceeded) << result.status().ToString();
  EXPECT_NE(result.status().message().find("first byte"), std::string::npos);
  EXPECT_NE(result.status().message().find("200 ms"), std::string::npos);
}

TEST_F(ClientTest, StallTimeout) {
  TestServer server([](Peer& peer) {
    HttpRequest r;
    if (!peer.ReadRequest(&r)) return;
    peer.Write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + Chunk("tick"));
    peer.WaitClosed(20s);
  });
  auto handler = std::make_shared<RecordingHandler>();
  Request r = Get(server.Url("/"));
  r.timeouts.stall = 200ms;
  client_->Start(r, handler);
  Status s = handler->Wait();
  ASSERT_EQ(s.code(), StatusCode::kDeadlineExceeded) << s.ToString();
  EXPECT_NE(s.message().find("stall"), std::string::npos);
  EXPECT_EQ(handler->body(), "tick");
}

TEST_F(ClientTest, TotalTimeout) {
  // Bytes keep coming (no stall), but the whole exchange takes too long.
  TestServer server([](Peer& peer) {
    HttpRequest r;
    if (!peer.ReadRequest(&r)) return;
    if (!peer.Write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")) return;
    for (int i = 0; i < 400 && peer.Write(Chunk(".")); ++i) std::this_thread::sleep_for(50ms);
  });
  Request r = Get(server.Url("/"));
  r.timeouts.total = 300ms;
  r.timeouts.stall = 10s;
  auto result = client_->Fetch(r);
  ASSERT_EQ(result.status().code(), StatusCode::kDeadlineExceeded) << result.status().ToString();
  EXPECT_NE(result.status().message().find("total"), std::string::npos);
  EXPECT_NE(result.status().message().find("300 ms"), std::string::npos);
}

TEST_F(ClientTest, ConnectTimeout) {
  // A listener with a full accept queue that never accepts: further SYNs are dropped.
  TestServer server(nullptr, nullptr, /*backlog=*/0);
  std::vector<int> fillers;
  for (int i = 0; i < 4; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(server.port());
    ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    fillers.push_back(fd);
  }
  std::this_thread::sleep_for(100ms);  // let the handshakes fill the queue (not an assertion)
  Request r = Get(server.Url("/"));
  r.timeouts.connect = 300ms;
  r.timeouts.total = 15s;
  auto result = client_->Fetch(r);
  for (int fd : fillers) ::close(fd);
  ASSERT_EQ(result.status().code(), StatusCode::kDeadlineExceeded) << result.status().ToString();
  EXPECT_NE(result.status().message().find("connect"), std::string::npos);
  EXPECT_NE(result.status().message().find("300 ms"), std::string::npos);
}

TEST_F(ClientTest, CancelMidStreamClosesTheSocket) {
  std::atomic<bool> saw_close{false};
  std::promise<void> server_done;
  TestServer server([&](Peer& peer) {
    HttpRequest r;
    if (!peer.ReadRequest(&r)) return;
    peer.Write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + Chunk("data"));
    saw_close = peer.WaitClosed(20s);
    server_done.set_value();
  });
  auto handler = std::make_shared<RecordingHandler>();
  Request r = Get(server.Url("/"));
  r.cancel = std::make_shared<CancelToken>();
  client_->Start(r, handler);
  ASSERT_TRUE(handler->WaitBody(4));
  r.cancel->Cancel();
  Status s = handler->Wait();
  EXPECT_EQ(s.code(), StatusCode::kCancelled) << s.ToString();
  ASSERT_EQ(server_done.get_future().wait_for(20s), std::future_status::ready);
  EXPECT_TRUE(saw_close);
  EXPECT_EQ(handler->dones(), 1);
}

TEST_F(ClientTest, AlreadyCancelledTokenCancels) {
  TestServer server(Echo());
  Request r = Get(server.Url("/"));
  r.cancel = std::make_shared<CancelToken>();
  r.cancel->Cancel();
  EXPECT_EQ(client_->Fetch(r).status().code(), StatusCode::kCancelled);
}

TEST_F(ClientTest, HandlerReturningFalseCancels) {
  TestServer server(Echo());
  auto on_head = std::make_shared<RecordingHandler>();
  on_head->set_head_result(false);
  client_->Start(Get(server.Url("/")), on_head);
  EXPECT_EQ(on_head->Wait().code(), StatusCode::kCancelled);

  auto on_data = std::make_shared<RecordingHandler>();
  on_data->set_on_data([](std::string_view) { return false; });
  client_->Start(Get(server.Url("/")), on_data);
  EXPECT_EQ(on_data->Wait().code(), StatusCode::kCancelled);
  EXPECT_EQ(on_data->dones(), 1);
}

TEST_F(ClientTest, DestroyingTheClientCancelsInFlight) {
  std::atomic<bool> saw_close{false};
  auto server = std::make_unique<TestServer>(Silent(&saw_close));
  auto handler = std::make_shared<RecordingHandler>();
  client_->Start(Get(server->Url("/")), handler);
  ASSERT_TRUE(Eventually([&] { return server->accepted() == 1; }));
  client_.reset();
  EXPECT_EQ(handler->Wait().code(), StatusCode::kCancelled);
  EXPECT_EQ(handler->dones(), 1);
  server.reset();  // joins: the server saw the close
  EXPECT_TRUE(saw_close);
}

TEST_F(ClientTest, TruncatedBodiesAreDataLoss) {
  TestServer short_length([](Peer& peer) {
    HttpRequest r;
    if (peer.ReadRequest(&r)) peer.Write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this");
  });
  auto a = client_->Fetch(Get(short_length.Url("/")));
  EXPECT_EQ(a.status().code(), StatusCode::kDataLoss) << a.status().ToString();
  EXPECT_NE(a.status().message().find("mid-response"), std::string::npos);

  TestServer no_terminator([](Peer& peer) {
    HttpRequest r;
    if (peer.ReadRequest(&r)) {
      peer.Write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + Chunk("part"));
    }
  });
  auto b = client_->Fetch(Get(no_terminator.Url("/")));
  EXPECT_EQ(b.status().code(), StatusCode::kDataLoss) << b.status().ToString();
}

TEST_F(ClientTest, OversizedBodiesAreResourceExhausted) {
  TestServer declared(Answer(200, std::string(1000, 'x')));
  Request r = Get(declared.Url("/"));
  r.max_response_bytes = 100;
  auto a = client_->Fetch(r);
  EXPECT_EQ(a.status().code(), StatusCode::kResourceExhausted) << a.status().ToString();

  TestServer chunked([](Peer& peer) {
    HttpRequest req;
    if (!peer.ReadRequest(&req)) return;
    peer.Write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 20 && peer.Write(Chunk(std::string(10, 'y'))); ++i) {
    }
    peer.Write(Chunk(""));
    peer.WaitClosed(20s);
  });
  r.url = chunked.Url("/");
  auto b = client_->Fetch(r);
  EXPECT_EQ(b.status().code(), StatusCode::kResourceExhausted) << b.status().ToString();
}

TEST_F(ClientTest, HostileResponsesAreErrorsNotCrashes) {
  auto serve = [](std::string bytes) {
    return [bytes](Peer& peer) {
      HttpRequest r;
      if (peer.ReadRequest(&r)) peer.Write(bytes);
      peer.WaitClosed(20s);
    };
  };
  TestServer garbage(serve("SSH-2.0-OpenSSH_9.0\r\n\r\n"));
  auto a = client_->Fetch(Get(garbage.Url("/")));
  EXPECT_EQ(a.status().code(), StatusCode::kUnavailable) << a.status().ToString();

  std::string huge = "HTTP/1.1 200 OK\r\n";
  for (int i = 0; i < 2000; ++i) huge += "X-Filler-" + std::to_string(i) + ": " + std::string(60, 'f') + "\r\n";
  TestServer big_head(serve(huge));
  auto b = client_->Fetch(Get(big_head.Url("/")));
  EXPECT_EQ(b.status().code(), StatusCode::kUnavailable) << b.status().ToString();
  EXPECT_NE(b.status().message().find("exceeds"), std::string::npos);

  TestServer bad_chunk(serve("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"));
  auto c = client_->Fetch(Get(bad_chunk.Url("/")));
  EXPECT_EQ(c.status().code(), StatusCode::kDataLoss) << c.status().ToString();

  TestServer silent_close([](Peer& peer) {
    HttpRequest r;
    peer.ReadRequest(&r);
  });
  auto d = client_->Fetch(Get(silent_close.Url("/")));
  EXPECT_EQ(d.status().code(), StatusCode::kUnavailable) << d.status().ToString();
}

TEST_F(ClientTest, EarlyAnswerWhileStillSendingIsNotPooled) {
  // The upstream refuses a large body from its headers alone and never reads it.
  TestServer server([](Peer& peer) {
    std::string head;
    char c;
    while (head.find("\r\n\r\n") == std::string::npos && ::recv(peer.fd(), &c, 1, 0) == 1) head += c;
    peer.Write(HttpResponse(413, "too big"));
    peer.WaitClosed(20s);
  });
  Request r = Get(server.Url("/upload"));
  r.method = "POST";
  r.body = std::string(16u << 20, 'z');
  auto result = client_->Fetch(r);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->head.status, 413);
  EXPECT_EQ(client_->stats().open_connections, 0u);
}

TEST_F(ClientTest, InterimResponsesAreSkipped) {
  TestServer server([](Peer& peer) {
    HttpRequest r;
    while (peer.ReadRequest(&r)) peer.Write("HTTP/1.1 100 Continue\r\n\r\n" + HttpResponse(200, "ok"));
  });
  auto r = client_->Fetch(Get(server.Url("/")));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->head.status, 200);
  EXPECT_EQ(r->body, "ok");
}

TEST_F(ClientTest, ManyConcurrentRequestsOnSeveralThreads) {
  client_ = MakeClient(ClientOptions{.io_threads = 3, .proxy = ProxyConfig{}});
  TestServer server(Echo());
  std::vector<std::shared_ptr<RecordingHandler>> handlers;
  for (int i = 0; i < 40; ++i) {
    handlers.push_back(std::make_shared<RecordingHandler>());
    client_->Start(Get(server.Url("/" + std::to_string(i))), handlers.back());
  }
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(handlers[i]->Wait().ok());
    EXPECT_EQ(handlers[i]->body(), "GET /" + std::to_string(i) + " ");
  }
  EXPECT_LE(client_->stats().idle_connections, 32u);
}

TEST_F(ClientTest, IdleConnectionsCloseAfterTheIdleTimeout) {
  client_ = MakeClient(ClientOptions{.idle_timeout = std::chrono::seconds(1), .proxy = ProxyConfig{}});
  TestServer server(Echo());
  ASSERT_TRUE(client_->Fetch(Get(server.Url("/"))).ok());
  EXPECT_EQ(client_->stats().idle_connections, 1u);
  EXPECT_TRUE(Eventually([&] { return client_->stats().open_connections == 0; }));
}

TEST_F(ClientTest, PausedReadingDeliversNothingUntilResumed) {
  const size_t total = 4u << 20;
  TestServer server([total](Peer& peer) {
    HttpRequest r;
    if (!peer.ReadRequest(&r)) return;
    peer.Write(HttpResponse(200, std::string(total, 'b')));
    peer.ReadRequest(&r);
  });
  auto flow = std::make_shared<FlowControl>();
  auto handler = std::make_shared<RecordingHandler>();
  handler->set_on_data([&](std::string_view) {
    flow->Pause();
    return true;
  });
  Request r = Get(server.Url("/"));
  r.flow = flow;
  r.timeouts.stall = 100ms;  // suspended while paused
  client_->Start(r, handler);
  ASSERT_TRUE(handler->WaitBody(1));
  size_t at_pause = handler->body().size();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(handler->body().size(), at_pause);  // nothing was read while paused
  EXPECT_EQ(handler->dones(), 0);               // and the stall timeout did not fire
  EXPECT_LT(at_pause, total);
  handler->set_on_data(nullptr);
  flow->Resume();
  ASSERT_TRUE(handler->Wait().ok());
  EXPECT_EQ(handler->body().size(), total);
}

TEST_F(ClientTest, PausedRequestIsCancelledByTokenAndByShutdown) {
  TestServer server([](Peer& peer) {
    HttpRequest r;
    if (!peer.ReadRequest(&r)) return;
    peer.Write(HttpResponse(200, std::string(1u << 20, 'b')));
    peer.WaitClosed(20s);
  });
  for (bool by_token : {true, false}) {
    auto flow = std::make_shared<FlowControl>();
    flow->Pause();  // paused from the start: reading stops after the first bytes
    auto handler = std::make_shared<RecordingHandler>();
    Request r = Get(server.Url("/"));
    r.flow = flow;
    r.cancel = std::make_shared<CancelToken>();
    client_->Start(r, handler);
    ASSERT_TRUE(handler->WaitBody(1));
    if (by_token) {
      r.cancel->Cancel();
    } else {
      client_.reset();
    }
    EXPECT_EQ(handler->Wait().code(), StatusCode::kCancelled);
    EXPECT_EQ(handler->dones(), 1);
  }
}

TEST(AsyncClientCreate, RejectsBadOptions) {
  EXPECT_EQ(AsyncClient::Create(ClientOptions{.io_threads = 0, .proxy = ProxyConfig{}}).status().code(),
            StatusCode::kInvalidArgument);
  auto missing = AsyncClient::Create(ClientOptions{.ca_file = "/nonexistent/ca.pem", .proxy = ProxyConfig{}});
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("/nonexistent/ca.pem"), std::string::npos);
  ProxyConfig bad;
  bad.https_proxy = "socks5://127.0.0.1:1080";
  EXPECT_EQ(AsyncClient::Create(ClientOptions{.proxy = bad}).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hearth::net::testing
