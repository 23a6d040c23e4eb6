// Streaming responses (NDJSON and SSE framing, per-write flush, errors after headers), client
// disconnect -> CancelToken, a slow reader, and streamed request bodies.
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

// Waits (bounded) until `pred` holds; returns whether it did. Not a timing assertion: the bound
// only turns a hang into a failure.
template <class Pred>
bool Eventually(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + kGuard;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TEST(StreamTest, NdjsonLinesAreFlushedOneByOne) {
  std::promise<void> go;
  std::shared_future<void> go_f = go.get_future().share();
  RouteTable r;
  r.Add("POST", "/gen", [go_f](const CallPtr& c) {
    StreamWriterPtr w = c->StartStream(StreamFormat::kNdjson);
    EXPECT_TRUE(w->Send(R"({"n":1})"));
    // The second line is only produced after the client has seen the first: the first write
    // must have been flushed on its own.
    if (go_f.wait_for(kGuard) != std::future_status::ready) return;
    EXPECT_TRUE(w->Send(R"({"n":2,"done":true})"));
    w->Finish();
  });
  r.Add("GET", "/ok", [](const CallPtr& c) { c->Respond(Response::Text(200, "ok")); });
  auto server = StartOrDie(std::move(r));
  ASSERT_TRUE(server);
  Client c(server->port());
  ASSERT_TRUE(c.SendRequest("POST", "/gen", "{}"));
  auto head = c.ReadHead();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("content-type"), "application/x-ndjson");
  EXPECT_EQ(head->Header("transfer-encoding"), "chunked");
  EXPECT_EQ(c.ReadChunk(), std::optional<std::string>(R"({"n":1})" "\n"));
  go.set_value();
  EXPECT_EQ(c.ReadChunk(), std::optional<std::string>(R"({"n":2,"done":true})" "\n"));
  EXPECT_EQ(c.ReadChunk(), std::optional<std::string>(""));
  // Keep-alive survives a stream.
  ASSERT_TRUE(c.SendRequest("GET", "/ok"));
  auto next = c.ReadResponse();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "ok");
}

TEST(StreamTest, SseFramingEndsWithDone) {
  RouteTable r;
  r.Add("POST", "/v1/chat/completions", [](const CallPtr& c) {
    StreamWriterPtr w = c->StartStream(StreamFormat::kSse);
    w->Send(R"({"choices":[{"delta":{"content":"a"}}]})");
    w->Send(R"({"choices":[]})");
    w->Finish();
    EXPECT_FALSE(w->Send("late"));
  });
  r.Add("POST", "/v1/messages", [](const CallPtr& c) {
    StreamWriterPtr w = c->StartStream(StreamFormat::kSseEvents);
    w->SendEvent("message_start", R"({"type":"message_start"})");
    w->SendEvent("message_stop", R"({"type":"message_stop"})");
  });  // the writer's destructor finishes the stream
  auto server = StartOrDie(std::move(r));
  ASSERT_TRUE(server);
  Client c(server->port());
  ASSERT_TRUE(c.SendRequest("POST", "/v1/chat/completions", "{}"));
  auto resp = c.ReadResponse();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->Header("content-type"), "text/event-stream");
  EXPECT_EQ(resp->Header("cache-control"), "no-cache");
  EXPECT_EQ(resp->body,
            "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n"
            "data: {\"choices\":[]}\n\n"
            "data: [DONE]\n\n");
  ASSERT_TRUE(c.SendRequest("POST", "/v1/messages", "{}"));
  resp = c.ReadResponse();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->body,
            "event: message_start\ndata: {\"type\":\"message_start\"}\n\n"
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
}

TEST(StreamTest, ErrorAfterHeadersIsAFinalErrorLine) {
  RouteTable r;
  r.Add("POST", "/api/generate", [](const CallPtr& c) {
    StreamWriterPtr w = c->StartStream(StreamFormat::kNdjson);
    w->Send(R"({"response":"a","done":false})");
    w->Fail("model runner crashed");
  });
  r.Add("POST", "/v1/completions", [](const CallPtr& c) {
    StreamWriterPtr w = c->StartStream(StreamFormat::kSse);
    w->Fail("boom");
  });
  auto server = StartOrDie(std::move(r));
  ASSERT_TRUE(server);
  auto resp = Fetch(server->port(), "POST", "/api/generate", "{}");
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "{\"response\":\"a\",\"done\":false}\n{\"error\":\"model runner crashed\"}\n");
  resp = Fetch(server->port(), "POST", "/v1/completions", "{}");
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->body,
            "data: {\"error\":{\"code\":null,\"message\":\"boom\",\"param\":null,\"type\":"
            "\"api_error\"}}\n\ndata: [DONE]\n\n");
}

struct Held {
  CallPtr call;
  StreamWriterPtr writer;
};

TEST(StreamTest, DisconnectMidStreamFiresCancelAndServerStaysHealthy) {
  std::promise<Held> held;
  RouteTable r;
  r.Add("POST", "/gen", [&held](const CallPtr& c) {
    StreamWriterPtr w = c->StartStream(StreamFormat::kNdjson);
    w->Send(R"({"response":"once"})");
    held.set_value({c, w});  // generation continues elsewhere, as the engine's would
  });
  r.Add("GET", "/ok", [](const CallPtr& c) { c->Respond(Response::Text(200, "ok")); });
  auto server = StartOrDie(std::move(r));
  ASSERT_TRUE(server);
  {
    Client c(server->port());
    ASSERT_TRUE(c.SendRequest("POST", "/gen", "{}"));
    ASSERT_TRUE(c.ReadHead());
    EXPECT_EQ(c.ReadChunk(), std::optional<std::string>("{\"response\":\"once\"}\n"));
    c.Close();
  }
  auto f = held.get_future();
  ASSERT_EQ(f.wait_for(kGuard), std::future_status::ready);
  Held h = f.get();
  ASSERT_TRUE(Eventually([&] { return h.call->cancel()->IsCancelled(); }));
  EXPECT_FALSE(h.writer->IsOpen());
  EXPECT_FALSE(h.writer->Send(R"({"response":"more"})"));
  auto ok = Fetch(server->port(), "GET", "/ok");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->body, "ok");
}

TEST(StreamTest, DisconnectWhileHandlerWorksFiresCancel) {
  std::promise<CallPtr> held;
  RouteTable r;
  r.Add("POST", "/slow", [&held](const CallPtr& c) { held.set_value(c); });
  auto server = StartOrDie(std::move(r));
  ASSERT_TRUE(server);
  Client c(server->port());
  ASSERT_TRUE(c.SendRequest("POST", "/slow", R"({"stream":false})"));
  auto f = held.get_future();
  ASSERT_EQ(f.wait_for(kGuard), std::future_status::ready);
  CallPtr call = f.get();
  EXPECT_FALSE(call->cancel()->IsCancelled());
  c.Abort();
  ASSERT_TRUE(Eventually([&] { return call->cancel()->IsCancelled(); }));
  // Answering a call whose client has gone is harmless.
  call->Respond(Response::Text(200, "too late"));
}

TEST(StreamTest, ClientThatStopsReadingIsCutOffAtTheBacklogLimit) {
  ServerOptions o;
  o.max_stream_backlog = 64 << 10;
  std::promise<std::pair<bool, bool>> result;  // (a send failed, cancel fired)
  RouteTable r;
  r.Add("GET", "/flood", [&result](const CallPtr& c) {
    StreamWriterPtr w = c->StartStream(StreamFormat::kNdjson);
    const std::string line(1000, 'x');
    bool failed = false;
    // Loopback socket buffers hold a few MB; 200 MB is far beyond them.
    for (int i = 0; i < 200000 && !failed; ++i) failed = !w->Send(line);
    result.set_value({failed, Eventually([&] { return c->cancel()->IsCancelled(); })});
  });
  auto server = StartOrDie(std::move(r), o);
  ASSERT_TRUE(server);
  Client c(server->port());
  ASSERT_TRUE(c.SendRequest("GET", "/flood"));
  auto f = result.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(120)), std::future_status::ready);
  auto [failed, cancelled] = f.get();
  EXPECT_TRUE(failed);
  EXPECT_TRUE(cancelled);
}

// Reads the whole body through Call::ReadBody and answers "<bytes>:<sum of bytes mod 2^32>".
void CountingUpload(const CallPtr& c) {
  char buf[4096];
  uint64_t total = 0;
  uint32_t sum = 0;
  while (true) {
    Result<size_t> n = c->ReadBody(buf, sizeof(buf));
    if (!n.ok()) {
      c->RespondError(n.status().code() == StatusCode::kResourceExhausted ? 413 : 400,
                      n.status().message());
      return;
    }
    if (*n == 0) break;
    total += *n;
    for (size_t i = 0; i < *n; ++i) sum += static_cast<unsigned char>(buf[i]);
  }
  c->Respond(Response::Text(201, std::to_string(total) + ":" + std::to_string(sum)));
}

TEST(StreamTest, StreamedRequestBodies) {
  RouteTable r;
  r.Add("POST", "/upload", CountingUpload, {.max_body = 8u << 20, .stream_body = true});
  auto server = StartOrDie(std::move(r));
  ASSERT_TRUE(server);
  std::string body(3u << 20, '\0');
  uint32_t sum = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    body[i] = static_cast<char>(i * 7 + 3);
    sum += static_cast<unsigned char>(body[i]);
  }
  Client c(server->port());
  ASSERT_TRUE(c.SendRequest("POST", "/upload", body));
  auto resp = c.ReadResponse();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 201);
  EXPECT_EQ(resp->body, std::to_string(body.size()) + ":" + std::to_string(sum));
  // Chunked upload on the same connection.
  ASSERT_TRUE(c.Send("POST /upload HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
  resp = c.ReadResponse();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->body, "5:" + std::to_string('a' + 'b' + 'c' + 'd' + 'e'));
  // An empty body.
  ASSERT_TRUE(c.SendRequest("POST", "/upload", ""));
  resp = c.ReadResponse();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->body, "0:0");
}

TEST(StreamTest, StreamedBodyOverTheLimit) {
  RouteTable r;
  r.Add("POST", "/upload", CountingUpload, {.max_body = 1000, .stream_body = true});
  auto server = StartOrDie(std::move(r));
  ASSERT_TRUE(server);
  // Declared too large: refused before any byte is read.
  auto resp = Fetch(server->port(), "POST", "/upload", std::string(1001, 'a'));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 413);
  // Chunked and too large: the handler learns it from ReadBody.
  Client c(server->port());
  const std::string chunk(700, 'b');
  ASSERT_TRUE(c.Send("POST /upload HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "2bc\r\n" + chunk + "\r\n2bc\r\n" + chunk + "\r\n0\r\n\r\n"));
  resp = c.ReadResponse();
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->status, 413);
  EXPECT_TRUE(c.SeesClose());
}

}  // namespace
}  // namespace hearth::http
