// The inference routes over the real transport on port 0, served by a scripted FakeBackend:
// NDJSON / SSE / event-stream framing, folded non-streamed answers, load/unload, errors before
// and after the headers in each dialect's shape, and client disconnect -> CancelToken.
#include "server/inference_routes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "fakes/fake_backend.h"
#include "testing/http_client.h"
#include "http/server.h"
#include "server/server_testing.h"

namespace hearth::server {
namespace {

using hearth::testing::FakeBackend;
using nlohmann::json;
using testing::Client;
using testing::Fetch;

chat::Chunk Text(const std::string& s) {
  chat::Chunk c;
  c.content = s;
  return c;
}

chat::Chunk Done(chat::DoneReason reason = chat::DoneReason::kStop) {
  chat::Chunk c;
  c.done = true;
  c.done_reason = reason;
  c.usage.prompt_tokens = 3;
  c.usage.completion_tokens = 2;
  c.usage.total = std::chrono::nanoseconds(5000);
  c.usage.eval = std::chrono::nanoseconds(2000);
  return c;
}

std::vector<json> NdjsonLines(const std::string& body) {
  std::vector<json> out;
  size_t start = 0;
  while (start < body.size()) {
    size_t nl = body.find('\n', start);
    if (nl == std::string::npos) nl = body.size();
    out.push_back(json::parse(body.substr(start, nl - start), nullptr, false));
    start = nl + 1;
  }
  return out;
}

// The data payloads of an SSE body ("data: x\n\n" ...), and the event names when present.
std::vector<std::string> SseData(const std::string& body,
                                 std::vector<std::string>* events = nullptr) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find("\n\n", pos);
    if (end == std::string::npos) end = body.size();
    const std::string frame = body.substr(pos, end - pos);
    size_t line = 0;
    while (line < frame.size()) {
      size_t nl = frame.find('\n', line);
      if (nl == std::string::npos) nl = frame.size();
      const std::string l = frame.substr(line, nl - line);
      if (l.rfind("data: ", 0) == 0) out.push_back(l.substr(6));
      if (l.rfind("event: ", 0) == 0 && events != nullptr) events->push_back(l.substr(7));
      line = nl + 1;
    }
    pos = end + 2;
  }
  return out;
}

class InferenceRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http::RouteTable router;
    AddInferenceRoutes(router, {.backend = &backend_, .store = nullptr, .now = {}});
    http::ServerOptions options;
    options.port = 0;
    auto s = http::HttpServer::Start(std::move(options), std::move(router));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  testing::HttpResponse Post(const std::string& path, const std::string& body) {
    auto r = Fetch(server_->port(), "POST", path, body, "Content-Type: application/json\r\n");
    EXPECT_TRUE(r.has_value());
    return r.value_or(testing::HttpResponse{});
  }

  FakeBackend backend_;
  std::unique_ptr<http::HttpServer> server_;
};

TEST_F(InferenceRoutesTest, GenerateStreamsNdjsonByDefault) {
  backend_.Push({.chunks = {Text("Hel"), Text("lo"), Done()}});
  auto r = Post("/api/generate", R"({"model":"m","prompt":"hi","options":{"temperature":0.1}})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "application/x-ndjson");
  EXPECT_TRUE(r.chunked);
  auto lines = NdjsonLines(r.body);
  ASSERT_EQ(lines.size(), 3u) << r.body;
  EXPECT_EQ(lines[0]["response"], "Hel");
  EXPECT_EQ(lines[0]["done"], false);
  EXPECT_FALSE(lines[0].contains("eval_count"));  // metrics only on the done line
  EXPECT_EQ(lines[1]["response"], "lo");
  EXPECT_EQ(lines[2]["response"], "");
  EXPECT_EQ(lines[2]["done"], true);
  EXPECT_EQ(lines[2]["done_reason"], "stop");
  EXPECT_EQ(lines[2]["eval_count"], 2);
  EXPECT_EQ(lines[2]["total_duration"], 5000);
  EXPECT_TRUE(lines[2]["created_at"].is_string());
  auto reqs = backend_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].prompt, "hi");
  ASSERT_EQ(reqs[0].options.size(), 1u);
  EXPECT_EQ(reqs[0].options[0].first, "temperature");
  EXPECT_NE(reqs[0].cancel, nullptr);
}

TEST_F(InferenceRoutesTest, ChatNonStreamFoldsWithObjectToolArguments) {
  chat::Chunk tool;
  tool.tool_calls.push_back({"call_1", "get_weather", R"({"city":"Paris"})"});
  backend_.Push({.chunks = {Text("Hel"), Text("lo"), tool, Done()}});
  auto r = Post("/api/chat",
                R"({"model":"m","stream":false,"messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "application/json; charset=utf-8");
  const json j = json::parse(r.body);
  EXPECT_EQ(j["message"]["content"], "Hello");
  EXPECT_EQ(j["message"]["tool_calls"][0]["function"]["arguments"],
            json::parse(R"({"city":"Paris"})"));
  EXPECT_EQ(j["done"], true);
  EXPECT_EQ(j["prompt_eval_count"], 3);
}

TEST_F(InferenceRoutesTest, EmptyPromptLoadsAndKeepAliveZeroUnloads) {
  backend_.Push({.chunks = {Done()}});
  auto load = Post("/api/generate", R"({"model":"m"})");
  EXPECT_EQ(load.status, 200);
  EXPECT_EQ(json::parse(load.body)["done_reason"], "load");
  backend_.Push({.chunks = {Done()}});
  auto unload = Post("/api/chat", R"({"model":"m","messages":[],"keep_alive":0})");
  EXPECT_EQ(unload.status, 200);
  const json j = json::parse(unload.body);
  EXPECT_EQ(j["done_reason"], "unload");
  EXPECT_EQ(j["message"]["content"], "");
  auto reqs = backend_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  ASSERT_TRUE(reqs[1].keep_alive.has_value());
  EXPECT_EQ(reqs[1].keep_alive->count(), 0);
}

TEST_F(InferenceRoutesTest, ErrorsBeforeStreamingGetStatusAndDialectShape) {
  // Wrong field type: 400 naming the field, the backend never sees it.
  auto bad = Post("/api/chat", R"({"model":"m","messages":[],"options":{"temperature":"hot"}})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(
      json::parse(bad.body),
      json::parse(
          R"({"error":"invalid type for field 'options.temperature': expected number, got string"})"));
  auto malformed = Post("/api/generate", "{");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_TRUE(json::parse(malformed.body)["error"].is_string());
  EXPECT_TRUE(backend_.requests().empty());

  backend_.Push({.status = NotFound("model \"nope\" not found, try pulling it first")});
  auto missing = Post("/api/generate", R"({"model":"nope","prompt":"x"})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["error"], "model \"nope\" not found, try pulling it first");

  backend_.Push({.status = ResourceExhausted(
                     "server busy, please try again.  maximum pending requests exceeded")});
  auto busy =
      Post("/v1/chat/completions", R"({"model":"m","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(json::parse(busy.body)["error"]["type"], "api_error");

  auto oai_bad =
      Post("/v1/chat/completions",
           R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":"9"})");
  EXPECT_EQ(oai_bad.status, 400);
  EXPECT_EQ(json::parse(oai_bad.body)["error"]["param"], "max_tokens");
  EXPECT_EQ(json::parse(oai_bad.body)["error"]["type"], "invalid_request_error");

  backend_.Push({.status = NotFound("model \"nope\" not found")});
  auto anth = Post("/v1/messages",
                   R"({"model":"nope","max_tokens":5,"messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(anth.status, 404);
  EXPECT_EQ(
      json::parse(anth.body),
      json::parse(
          R"({"type":"error","error":{"type":"not_found_error","message":"model \"nope\" not found"}})"));
  auto anth_bad =
      Post("/v1/messages", R"({"model":"m","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(anth_bad.status, 400);
  EXPECT_EQ(json::parse(anth_bad.body)["error"]["message"], "missing field 'max_tokens'");

  // A failure as the very first chunk still gets its HTTP status.
  chat::Chunk fail = Done(chat::DoneReason::kError);
  fail.error = Internal("model failed to load");
  backend_.Push({.chunks = {fail}});
  auto early = Post("/api/generate", R"({"model":"m","prompt":"x"})");
  EXPECT_EQ(early.status, 500);
  EXPECT_EQ(json::parse(early.body)["error"], "model failed to load");
}

TEST_F(InferenceRoutesTest, WrongTypesAre400sNamingTheFieldOnEveryEndpoint) {
  struct Case {
    const char* path;
    const char* body;
    const char* field;
  } cases[] = {
      {"/api/generate", R"({"model":"m","prompt":42})", "prompt"},
      {"/api/chat", R"({"model":"m","messages":{"role":"user"}})", "messages"},
      {"/api/embed", R"({"model":"m","input":{"a":1}})", "input"},
      {"/api/embeddings", R"({"model":"m","prompt":["x"]})", "prompt"},
      {"/v1/chat/completions", R"({"model":"m","messages":[{"role":"user","content":1}]})",
       "messages[0].content"},
      {"/v1/completions", R"({"model":"m","prompt":"x","seed":"s"})", "seed"},
      {"/v1/embeddings", R"({"model":"m","input":"x","dimensions":"8"})", "dimensions"},
      {"/v1/messages", R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":7}]})",
       "messages[0].content"},
  };
  for (const auto& c : cases) {
    auto r = Post(c.path, c.body);
    EXPECT_EQ(r.status, 400) << c.path;
    const json j = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << r.body;
    const std::string message = j["error"].is_string() ? j["error"].get<std::string>()
                                                       : j["error"]["message"].get<std::string>();
    EXPECT_NE(message.find("'" + std::string(c.field) + "'"), std::string::npos)
        << c.path << ": " << message;
  }
  // A body that is not a JSON object, in each dialect's shape.
  EXPECT_TRUE(json::parse(Post("/api/chat", "[]").body)["error"].is_string());
  EXPECT_TRUE(json::parse(Post("/v1/embeddings", "[]").body)["error"]["message"].is_string());
  EXPECT_EQ(json::parse(Post("/v1/messages", "nope").body)["type"], "error");
  EXPECT_TRUE(backend_.requests().empty());
  EXPECT_TRUE(backend_.embed_requests().empty());
  // Queue full on /v1/messages is Anthropic's overloaded_error with 503.
  backend_.Push({.status = ResourceExhausted("server busy")});
  auto busy = Post("/v1/messages",
                   R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(json::parse(busy.body)["error"]["type"], "overloaded_error");
}

TEST_F(InferenceRoutesTest, ErrorAfterHeadersIsTheFinalFrame) {
  chat::Chunk fail = Done(chat::DoneReason::kError);
  fail.error = Internal("decode failed");
  backend_.Push({.chunks = {Text("a"), fail}});
  auto r = Post("/api/generate", R"({"model":"m","prompt":"x"})");
  EXPECT_EQ(r.status, 200);
  auto lines = NdjsonLines(r.body);
  ASSERT_EQ(lines.size(), 2u) << r.body;
  EXPECT_EQ(lines[0]["response"], "a");
  EXPECT_EQ(lines[1], json::parse(R"({"error":"decode failed"})"));

  backend_.Push({.chunks = {Text("a"), fail}});
  auto sse = Post("/v1/chat/completions",
                  R"({"model":"m","stream":true,"messages":[{"role":"user","content":"x"}]})");
  auto data = SseData(sse.body);
  ASSERT_GE(data.size(), 3u) << sse.body;
  EXPECT_EQ(json::parse(data[data.size() - 2])["error"]["message"], "decode failed");
  EXPECT_EQ(data.back(), "[DONE]");

  backend_.Push({.chunks = {Text("a"), fail}});
  std::vector<std::string> events;
  auto anth = Post(
      "/v1/messages",
      R"({"model":"m","stream":true,"max_tokens":5,"messages":[{"role":"user","content":"x"}]})");
  auto adata = SseData(anth.body, &events);
  ASSERT_FALSE(events.empty()) << anth.body;
  EXPECT_EQ(events.back(), "error");
  EXPECT_EQ(json::parse(adata.back())["error"]["message"], "decode failed");
}

TEST_F(InferenceRoutesTest, OpenAIStreamRoleFirstUsageChunkAndDone) {
  chat::Chunk tool;
  tool.tool_calls.push_back({"call_1", "f", R"({"x":1})"});
  backend_.Push({.chunks = {Text("Hi"), tool, Done()}});
  auto r = Post("/v1/chat/completions",
                R"({"model":"m","stream":true,"stream_options":{"include_usage":true},)"
                R"("messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "text/event-stream");
  auto data = SseData(r.body);
  ASSERT_EQ(data.size(), 6u) << r.body;
  EXPECT_EQ(json::parse(data[0])["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(json::parse(data[1])["choices"][0]["delta"]["content"], "Hi");
  EXPECT_EQ(json::parse(data[2])["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"],
            R"({"x":1})");  // a JSON string on /v1
  EXPECT_EQ(json::parse(data[3])["choices"][0]["finish_reason"], "tool_calls");
  const json usage = json::parse(data[4]);
  EXPECT_EQ(usage["choices"], json::array());
  EXPECT_EQ(usage["usage"]["total_tokens"], 5);
  EXPECT_EQ(data[5], "[DONE]");
}

TEST_F(InferenceRoutesTest, OpenAINonStreamAndCompletions) {
  backend_.Push({.chunks = {Text("a"), Text("b"), Done(chat::DoneReason::kLength)}});
  auto r = Post("/v1/chat/completions",
                R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":2})");
  EXPECT_EQ(r.status, 200);
  const json j = json::parse(r.body);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["choices"][0]["message"]["content"], "ab");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(j["usage"]["completion_tokens"], 2);
  EXPECT_EQ(j["id"].get<std::string>().rfind("chatcmpl-", 0), 0u);

  backend_.Push({.chunks = {Text("x"), Done()}});
  auto c =
      Post("/v1/completions", R"({"model":"m","prompt":["def f("],"suffix":"pass","stream":true})");
  auto data = SseData(c.body);
  ASSERT_EQ(data.size(), 3u) << c.body;
  EXPECT_EQ(json::parse(data[0])["choices"][0]["text"], "x");
  EXPECT_EQ(json::parse(data[0])["choices"][0]["index"], 0);
  EXPECT_EQ(json::parse(data[1])["choices"][0]["finish_reason"], "stop");
  auto reqs = backend_.requests();
  EXPECT_EQ(reqs.back().suffix, "pass");
  EXPECT_EQ(reqs.back().kind, chat::RequestKind::kGenerate);
}

TEST_F(InferenceRoutesTest, AnthropicStreamEvents) {
  backend_.Push({.chunks = {Text("Hi"), Done()}});
  auto r = Post(
      "/v1/messages",
      R"({"model":"m","stream":true,"max_tokens":5,"messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(r.status, 200);
  std::vector<std::string> events;
  auto data = SseData(r.body, &events);
  EXPECT_EQ(events,
            (std::vector<std::string>{"message_start", "content_block_start", "content_block_delta",
                                      "content_block_stop", "message_delta", "message_stop"}));
  EXPECT_EQ(json::parse(data[4])["delta"]["stop_reason"], "end_turn");
  EXPECT_EQ(r.body.find("[DONE]"), std::string::npos);

  backend_.Push({.chunks = {Text("Hi"), Done()}});
  auto plain = Post("/v1/messages",
                    R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}]})");
  const json j = json::parse(plain.body);
  EXPECT_EQ(j["type"], "message");
  EXPECT_EQ(j["content"][0]["text"], "Hi");
  EXPECT_EQ(j["usage"]["output_tokens"], 2);
}

TEST_F(InferenceRoutesTest, GenerateContextInAndOut) {
  chat::Chunk done = Done();
  done.context = {1, 42, 7, 9};
  backend_.Push({.chunks = {Text("hi"), done}});
  auto r = Post("/api/generate", R"({"model":"m","prompt":"x","context":[1,42],"stream":false})");
  EXPECT_EQ(r.status, 200);
  const json j = json::parse(r.body);
  EXPECT_EQ(j["response"], "hi");
  EXPECT_EQ(j["context"], json::parse("[1,42,7,9]"));
  EXPECT_EQ(backend_.requests().back().context, (std::vector<int32_t>{1, 42}));
  // Streamed: only the done line has it.
  backend_.Push({.chunks = {Text("hi"), done}});
  auto lines = NdjsonLines(Post("/api/generate", R"({"model":"m","prompt":"x"})").body);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_FALSE(lines[0].contains("context"));
  EXPECT_EQ(lines[1]["context"], json::parse("[1,42,7,9]"));
  auto bad = Post("/api/generate", R"({"model":"m","prompt":"x","context":["a"]})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["error"],
            "invalid type for field 'context[0]': expected integer, got string");
}

TEST_F(InferenceRoutesTest, ResponsesNonStreamAndStream) {
  backend_.Push({.chunks = {Text("Hel"), Text("lo"), Done()}});
  auto r = Post("/v1/responses",
                R"({"model":"m","input":"Hi","instructions":"Be brief","max_output_tokens":4})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "application/json; charset=utf-8");
  const json j = json::parse(r.body);
  EXPECT_EQ(j["object"], "response");
  EXPECT_EQ(j["id"].get<std::string>().rfind("resp_", 0), 0u);
  EXPECT_EQ(j["status"], "completed");
  EXPECT_EQ(j["model"], "m");
  EXPECT_EQ(j["instructions"], "Be brief");
  ASSERT_EQ(j["output"].size(), 1u);
  EXPECT_EQ(j["output"][0]["content"][0]["text"], "Hello");
  EXPECT_EQ(j["usage"]["input_tokens"], 3);
  EXPECT_EQ(j["usage"]["output_tokens"], 2);
  EXPECT_EQ(j["usage"]["total_tokens"], 5);
  const chat::Request req = backend_.requests().back();
  ASSERT_EQ(req.messages.size(), 2u);
  EXPECT_EQ(req.messages[0].role, "system");
  EXPECT_EQ(req.messages[1].content, "Hi");

  chat::Chunk tool;
  tool.tool_calls.push_back({"call_1", "f", R"({"x":1})"});
  backend_.Push({.chunks = {Text("ok"), tool, Done()}});
  auto s = Post("/v1/responses", R"({"model":"m","input":"Hi","stream":true,)"
                                 R"("tools":[{"type":"function","name":"f"}]})");
  EXPECT_EQ(s.status, 200);
  EXPECT_EQ(s.Header("content-type"), "text/event-stream");
  std::vector<std::string> events;
  auto data = SseData(s.body, &events);
  ASSERT_EQ(events.size(), data.size());
  ASSERT_GE(events.size(), 3u) << s.body;
  EXPECT_EQ(events.front(), "response.created");
  EXPECT_EQ(events.back(), "response.completed");
  for (size_t i = 0; i < data.size(); ++i) {
    const json e = json::parse(data[i]);
    EXPECT_EQ(e["type"], events[i]);
    EXPECT_EQ(e["sequence_number"], static_cast<int>(i));
  }
  EXPECT_NE(std::find(events.begin(), events.end(), "response.function_call_arguments.done"),
            events.end());
  const json final = json::parse(data.back())["response"];
  ASSERT_EQ(final["output"].size(), 2u);
  EXPECT_EQ(final["output"][0]["content"][0]["text"], "ok");
  EXPECT_EQ(final["output"][1]["arguments"], R"({"x":1})");
  EXPECT_EQ(s.body.find("[DONE]"), std::string::npos);
}

TEST_F(InferenceRoutesTest, ResponsesErrorsInOpenAIShape) {
  auto stateful = Post("/v1/responses", R"({"model":"m","input":"x","previous_response_id":"r"})");
  EXPECT_EQ(stateful.status, 400);
  const json e = json::parse(stateful.body)["error"];
  EXPECT_EQ(e["type"], "invalid_request_error");
  EXPECT_EQ(e["param"], "previous_response_id");
  backend_.Push({.status = NotFound("model \"m\" not found")});
  auto missing = Post("/v1/responses", R"({"model":"m","input":"x","stream":true})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["error"]["type"], "not_found_error");
  // An error after the stream began: response.failed ends it.
  chat::Chunk failed;
  failed.done = true;
  failed.done_reason = chat::DoneReason::kError;
  failed.error = Internal("decode failed");
  backend_.Push({.chunks = {Text("x"), failed}});
  auto broken = Post("/v1/responses", R"({"model":"m","input":"x","stream":true})");
  EXPECT_EQ(broken.status, 200);
  std::vector<std::string> events;
  auto data = SseData(broken.body, &events);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back(), "response.failed");
  EXPECT_EQ(json::parse(data.back())["response"]["error"]["message"], "decode failed");
}

TEST_F(InferenceRoutesTest, AnthropicCountTokens) {
  backend_.SetCount(17);
  auto r = Post("/v1/messages/count_tokens",
                R"({"model":"m","system":"be brief","messages":[{"role":"user","content":"Hi"}],)"
                R"("tools":[{"name":"f","input_schema":{"type":"object"}}]})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"input_tokens":17})"));
  auto reqs = backend_.count_requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].model, "m");
  ASSERT_EQ(reqs[0].messages.size(), 2u);
  EXPECT_EQ(reqs[0].messages[0].role, "system");
  EXPECT_EQ(reqs[0].tools.size(), 1u);
  EXPECT_NE(reqs[0].cancel, nullptr);
  EXPECT_TRUE(backend_.requests().empty());  // nothing generated

  auto bad = Post("/v1/messages/count_tokens", R"({"model":"m"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body),
            json::parse(R"({"type":"error","error":{"type":"invalid_request_error",)"
                        R"("message":"missing field 'messages'"}})"));
  backend_.SetCount(NotFound("model \"m\" not found"));
  auto missing = Post("/v1/messages/count_tokens",
                      R"({"model":"m","messages":[{"role":"user","content":"Hi"}]})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["error"]["type"], "not_found_error");
}

TEST_F(InferenceRoutesTest, EmbeddingsInEachShape) {
  chat::EmbedResult e;
  e.model = "e";
  e.embeddings = {{1.0f, -2.5f}};
  e.usage.prompt_tokens = 1;
  backend_.SetEmbed(e);
  auto embed = Post("/api/embed", R"({"model":"e","input":["hi"],"truncate":false})");
  EXPECT_EQ(embed.status, 200);
  EXPECT_EQ(json::parse(embed.body)["embeddings"], json::parse("[[1.0,-2.5]]"));
  EXPECT_FALSE(backend_.embed_requests().back().truncate);
  auto legacy = Post("/api/embeddings", R"({"model":"e","prompt":"hi"})");
  EXPECT_EQ(json::parse(legacy.body), json::parse(R"({"embedding":[1.0,-2.5]})"));
  auto oai = Post("/v1/embeddings", R"({"model":"e","input":"hi","encoding_format":"base64"})");
  EXPECT_EQ(json::parse(oai.body)["data"][0]["embedding"], "AACAPwAAIMA=");
  backend_.SetEmbed(NotFound("model \"e\" not found"));
  auto missing = Post("/v1/embeddings", R"({"model":"e","input":"hi"})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["error"]["type"], "not_found_error");
}

TEST_F(InferenceRoutesTest, PsAndModels) {
  chat::RunningModel m;
  m.name = "qwen:1b";
  m.context_length = 4096;
  m.expires_at = std::chrono::system_clock::now() + std::chrono::minutes(5);
  backend_.SetRunning({m});
  auto ps = Fetch(server_->port(), "GET", "/api/ps");
  ASSERT_TRUE(ps);
  const json j = json::parse(ps->body);
  ASSERT_EQ(j["models"].size(), 1u);
  EXPECT_EQ(j["models"][0]["name"], "qwen:1b");
  EXPECT_EQ(j["models"][0]["context_length"], 4096);
  auto models = Fetch(server_->port(), "GET", "/v1/models");
  ASSERT_TRUE(models);
  EXPECT_EQ(json::parse(models->body)["data"][0]["id"], "qwen:1b");
  auto one = Fetch(server_->port(), "GET", "/v1/models/qwen:1b");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 200);
  auto none = Fetch(server_->port(), "GET", "/v1/models/other");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 404);
}

TEST_F(InferenceRoutesTest, DisconnectMidStreamCancelsTheRequest) {
  backend_.Push({.chunks = {Text("first")}, .wait_for_cancel = true});
  Client c(server_->port());
  ASSERT_TRUE(c.SendRequest("POST", "/api/generate", R"({"model":"m","prompt":"x"})"));
  auto head = c.ReadHead();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  auto chunk = c.ReadChunk();
  ASSERT_TRUE(chunk);
  EXPECT_NE(chunk->find("first"), std::string::npos);
  c.Abort();
  EXPECT_TRUE(backend_.WaitForCancelResult());
  // The server is healthy afterwards.
  backend_.Push({.chunks = {Text("ok"), Done()}});
  auto next = Post("/api/generate", R"({"model":"m","prompt":"x","stream":false})");
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(json::parse(next.body)["response"], "ok");
}

}  // namespace
}  // namespace hearth::server

namespace hearth::server {
namespace {

// With a store: /v1/models lists it, and an empty /api/embed input still checks the model.
TEST(InferenceRoutesStoreTest, ModelsFromTheStoreAndEmptyEmbedInput) {
  auto store = testing::MakeTestStore();
  hearth::testing::FakeBackend backend;
  http::RouteTable router;
  AddInferenceRoutes(router, {.backend = &backend, .store = store.store.get(), .now = {}});
  http::ServerOptions options;
  options.port = 0;
  auto s = http::HttpServer::Start(std::move(options), std::move(router));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const uint16_t port = (*s)->port();

  auto models = Fetch(port, "GET", "/v1/models");
  ASSERT_TRUE(models);
  std::vector<std::string> ids;
  const json listed = json::parse(models->body);
  for (const auto& m : listed["data"]) {
    ids.push_back(m["id"]);
    EXPECT_EQ(m["owned_by"], "library");
    EXPECT_GT(m["created"].get<int64_t>(), 0);
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"bare:latest", "stories:latest"}));
  auto one = Fetch(port, "GET", "/v1/models/stories");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 200);
  EXPECT_EQ(json::parse(one->body)["id"], "stories");  // the requested name, as Ollama
  auto tagged = Fetch(port, "GET", "/v1/models/stories:latest");
  ASSERT_TRUE(tagged);
  EXPECT_EQ(tagged->status, 200);
  EXPECT_EQ(json::parse(tagged->body)["id"], "stories:latest");
  EXPECT_EQ(json::parse(tagged->body)["owned_by"], "library");

  auto empty = Fetch(port, "POST", "/api/embed", R"({"model":"stories","input":[]})");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 200);
  EXPECT_EQ(json::parse(empty->body)["embeddings"], json::array());
  auto ghost = Fetch(port, "POST", "/api/embed", R"({"model":"ghost","input":""})");
  ASSERT_TRUE(ghost);
  EXPECT_EQ(ghost->status, 404);
  EXPECT_TRUE(backend.embed_requests().empty());
  (*s)->Stop();
}

}  // namespace
}  // namespace hearth::server
