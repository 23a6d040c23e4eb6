// OpenAI client codecs: golden request bodies, round trips through hearth's own /v1 parsers,
// response / stream / error decoding with bodies shaped as OpenAI's API reference documents them.
#include <gtest/gtest.h>

#include "api/common.h"
#include "api/openai/client.h"
#include "api/openai/openai.h"

namespace hearth::api::openai {
namespace {

using chat::DoneReason;

chat::Request ToolRequest() {
  chat::Request r;
  r.model = "client-name";
  r.messages.push_back({"system", "be brief", "", {}, "", ""});
  r.messages.push_back({"user", "weather in Paris?", "", {}, "", ""});
  chat::Message call;
  call.role = "assistant";
  call.tool_calls.push_back({"call_1", "get_weather", R"({"city":"Paris"})"});
  r.messages.push_back(call);
  chat::Message result;
  result.role = "tool";
  result.tool_call_id = "call_1";
  result.content = "18C";
  r.messages.push_back(result);
  r.messages.push_back({"user", "and this?", "", {}, "", ""});
  r.images.push_back(std::string("\x89PNG\r\n\x1a\n", 8));
  r.tools.push_back({"get_weather", "Current weather",
                     R"({"type":"object","properties":{"city":{"type":"string"}}})"});
  r.tool_choice = {chat::ToolChoice::Mode::kFunction, "get_weather"};
  AddIntOption(&r.options, "num_predict", 64);
  AddFloatOption(&r.options, "temperature", 0.2);
  AddFloatOption(&r.options, "top_p", 0.5);
  AddIntOption(&r.options, "seed", 7);
  AddStopOption(&r.options, "\n\n");
  AddStopOption(&r.options, "END");
  AddIntOption(&r.options, "num_ctx", 8192);  // ignored for remote providers
  r.think = {true, true, "low"};
  r.logprobs = true;
  r.top_logprobs = 3;
  return r;
}

TEST(OpenAIClientEncodeTest, ChatGolden) {
  auto j = EncodeChatRequest(ToolRequest(), {"gpt-4o", true});
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ(Dump(*j),
            R"({"model":"gpt-4o","messages":[{"role":"system","content":"be brief"},)"
            R"({"role":"user","content":"weather in Paris?"},)"
            R"({"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",)"
            R"("function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},)"
            R"({"role":"tool","tool_call_id":"call_1","content":"18C"},)"
            R"({"role":"user","content":[{"type":"text","text":"and this?"},{"type":"image_url",)"
            R"("image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}],)"
            R"("stream":true,"stream_options":{"include_usage":true},"max_tokens":64,)"
            R"("temperature":0.2,"top_p":0.5,"seed":7,"stop":["\n\n","END"],)"
            R"("tools":[{"type":"function","function":{"name":"get_weather","description":)"
            R"("Current weather","parameters":{"type":"object","properties":{"city":{"type":)"
            R"("string"}}}}}],"tool_choice":{"type":"function","function":{"name":"get_weather"}},)"
            R"("reasoning_effort":"low","logprobs":true,"top_logprobs":3})");
}

TEST(OpenAIClientEncodeTest, RoundTripsThroughServerParser) {
  chat::Request in = ToolRequest();
  in.format = {chat::OutputFormat::Kind::kJsonSchema, R"({"type":"object"})"};
  auto j = EncodeChatRequest(in, {"up", false});
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  auto p = ParseChatCompletion(Json::parse(Dump(*j)));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const chat::Request& r = p->request;
  EXPECT_EQ(r.model, "up");
  EXPECT_FALSE(p->stream);
  ASSERT_EQ(r.messages.size(), in.messages.size());
  for (size_t i = 0; i < r.messages.size(); ++i) {
    EXPECT_EQ(r.messages[i].role, in.messages[i].role) << i;
    EXPECT_EQ(r.messages[i].content, in.messages[i].content) << i;
  }
  ASSERT_EQ(r.messages[2].tool_calls.size(), 1u);
  EXPECT_EQ(r.messages[2].tool_calls[0].arguments_json, R"({"city":"Paris"})");
  EXPECT_EQ(r.messages[3].tool_name, "get_weather");
  EXPECT_EQ(r.images, in.images);
  ASSERT_EQ(r.tools.size(), 1u);
  EXPECT_EQ(Json::parse(r.tools[0].parameters_json), Json::parse(in.tools[0].parameters_json));
  EXPECT_EQ(r.tool_choice.mode, chat::ToolChoice::Mode::kFunction);
  EXPECT_EQ(r.format.kind, chat::OutputFormat::Kind::kJsonSchema);
  EXPECT_EQ(r.format.text, R"({"type":"object"})");
  EXPECT_EQ(r.think.level, "low");
  EXPECT_TRUE(r.logprobs);
  EXPECT_EQ(r.top_logprobs, 3);
  // Options: everything but the ignored num_ctx, stop strings in order.
  std::vector<std::string> names;
  for (const auto& o : r.options) names.push_back(o.first);
  EXPECT_EQ(names, (std::vector<std::string>{"num_predict", "stop", "stop", "seed", "temperature",
                                             "top_p"}));
}

TEST(OpenAIClientEncodeTest, RefusesWhatOpenAICannotHonour) {
  chat::Request r;
  r.messages.push_back({"user", "hi", "", {}, "", ""});
  AddIntOption(&r.options, "top_k", 20);
  auto j = EncodeChatRequest(r, {"gpt-4o", false});
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(j.status().message(), "option top_k is not supported by provider openai");
  // An OpenAI-compatible server (vLLM, llama-server) takes it.
  auto ext = EncodeChatRequest(r, {"qwen", false, /*sampling_extensions=*/true});
  ASSERT_TRUE(ext.ok()) << ext.status().ToString();
  EXPECT_EQ((*ext)["top_k"], 20);

  chat::Request g;
  g.format = {chat::OutputFormat::Kind::kGrammar, "root ::= \"a\""};
  g.messages.push_back({"user", "hi", "", {}, "", ""});
  EXPECT_NE(EncodeChatRequest(g, {"m", false}).status().message().find("provider openai"),
            std::string::npos);

  chat::Request fim;
  fim.kind = chat::RequestKind::kGenerate;
  fim.prompt = "def f(";
  fim.suffix = "return x";
  EXPECT_FALSE(EncodeChatRequest(fim, {"m", false}).ok());
  EXPECT_TRUE(EncodeCompletionRequest(fim, {"m", false}).ok());
}

TEST(OpenAIClientEncodeTest, ReasoningModelsGetMaxCompletionTokens) {
  chat::Request r;
  r.messages.push_back({"user", "hi", "", {}, "", ""});
  AddIntOption(&r.options, "num_predict", 10);
  r.think = {true, false, ""};
  auto j = EncodeChatRequest(r, {"o3-mini", false});
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(Dump(*j),
            R"({"model":"o3-mini","messages":[{"role":"user","content":"hi"}],"stream":false,)"
            R"("max_completion_tokens":10,"reasoning_effort":"none"})");
}

TEST(OpenAIClientEncodeTest, ToolResultsWithoutIdsAreMatchedByName) {
  chat::Request r;
  r.messages.push_back({"user", "go", "", {}, "", ""});
  chat::Message a;
  a.role = "assistant";
  a.tool_calls.push_back({"", "f", "{}"});
  a.tool_calls.push_back({"", "g", "{}"});
  r.messages.push_back(a);
  r.messages.push_back({"tool", "G", "", {}, "g", ""});
  r.messages.push_back({"tool", "F", "", {}, "f", ""});
  auto j = EncodeChatRequest(r, {"m", false});
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ((*j)["messages"][1]["tool_calls"][0]["id"], "call_1_0");
  EXPECT_EQ((*j)["messages"][2]["tool_call_id"], "call_1_1");
  EXPECT_EQ((*j)["messages"][3]["tool_call_id"], "call_1_0");

  chat::Request orphan;
  orphan.messages.push_back({"tool", "x", "", {}, "", ""});
  auto bad = EncodeChatRequest(orphan, {"m", false});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("messages[0].tool_call_id"), std::string::npos);
}

TEST(OpenAIClientEncodeTest, CompletionGoldenAndRoundTrip) {
  chat::Request r;
  r.kind = chat::RequestKind::kGenerate;
  r.prompt = "def add(a, b):";
  r.suffix = "\n\nprint(add(1, 2))";
  AddIntOption(&r.options, "num_predict", 32);
  AddFloatOption(&r.options, "frequency_penalty", 0.5);
  r.logprobs = true;
  r.top_logprobs = 2;
  auto j = EncodeCompletionRequest(r, {"codestral", true});
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ(Dump(*j),
            R"x({"model":"codestral","prompt":"def add(a, b):","suffix":"\n\nprint(add(1, 2))",)x"
            R"("stream":true,"stream_options":{"include_usage":true},"max_tokens":32,)"
            R"("frequency_penalty":0.5,"logprobs":2})");
  auto p = ParseCompletion(Json::parse(Dump(*j)));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->request.prompt, r.prompt);
  EXPECT_EQ(p->request.suffix, r.suffix);
  EXPECT_EQ(p->request.top_logprobs, 2);
  EXPECT_TRUE(p->include_usage);

  chat::Request chat_req;
  chat_req.messages.push_back({"user", "hi", "", {}, "", ""});
  EXPECT_FALSE(EncodeCompletionRequest(chat_req, {"m", false}).ok());
}

TEST(OpenAIClientEncodeTest, EmbeddingsRoundTrip) {
  chat::EmbedRequest e;
  e.inputs = {"a", "b"};
  e.dimensions = 256;
  auto j = EncodeEmbeddingsRequest(e, {"text-embedding-3-small", false});
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(Dump(*j), R"({"model":"text-embedding-3-small","input":["a","b"],)"
                      R"("encoding_format":"float","dimensions":256})");
  auto p = ParseEmbeddings(Json::parse(Dump(*j)));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->request.inputs, e.inputs);
  EXPECT_EQ(p->request.dimensions, 256);
}

TEST(OpenAIClientDecodeTest, ChatResponse) {
  auto c = DecodeChatResponse(R"({
    "id": "chatcmpl-123", "object": "chat.completion", "created": 1677652288,
    "model": "gpt-4o-2024-08-06",
    "choices": [{"index": 0,
      "message": {"role": "assistant", "content": null, "refusal": null,
        "reasoning_content": "user wants weather",
        "tool_calls": [{"id": "call_abc", "type": "function",
          "function": {"name": "get_weather", "arguments": "{\n\"location\": \"Boston, MA\"\n}"}}]},
      "logprobs": null, "finish_reason": "tool_calls"}],
    "usage": {"prompt_tokens": 82, "completion_tokens": 17, "total_tokens": 99,
      "prompt_tokens_details": {"cached_tokens": 64, "audio_tokens": 0},
      "completion_tokens_details": {"reasoning_tokens": 0}}})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->done);
  EXPECT_EQ(c->content, "");
  EXPECT_EQ(c->thinking, "user wants weather");
  ASSERT_EQ(c->tool_calls.size(), 1u);
  EXPECT_EQ(c->tool_calls[0].id, "call_abc");
  EXPECT_EQ(c->tool_calls[0].name, "get_weather");
  EXPECT_EQ(c->tool_calls[0].arguments_json, R"({"location":"Boston, MA"})");
  EXPECT_EQ(c->done_reason, DoneReason::kStop);
  EXPECT_EQ(c->usage.prompt_tokens, 82);
  EXPECT_EQ(c->usage.completion_tokens, 17);
  EXPECT_EQ(c->usage.cached_tokens, 64);
  EXPECT_EQ(c->model, "gpt-4o-2024-08-06");
}

TEST(OpenAIClientDecodeTest, ChatResponseLengthFilterAndLogprobs) {
  auto c = DecodeChatResponse(
      R"({"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hel"},)"
      R"("logprobs":{"content":[{"token":"Hel","logprob":-0.1,"bytes":[72,101,108],)"
      R"("top_logprobs":[{"token":"Hel","logprob":-0.1},{"token":"Hi","logprob":-2.5}]}]},)"
      R"("finish_reason":"length"}]})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->done_reason, DoneReason::kLength);
  ASSERT_EQ(c->logprobs.size(), 1u);
  EXPECT_EQ(c->logprobs[0].token, "Hel");
  ASSERT_EQ(c->logprobs[0].top.size(), 2u);
  EXPECT_DOUBLE_EQ(c->logprobs[0].top[1].logprob, -2.5);

  auto f = DecodeChatResponse(
      R"({"choices":[{"index":0,"message":{"role":"assistant","content":""},"finish_reason":"content_filter"}]})");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->done_reason, DoneReason::kError);
  EXPECT_EQ(f->error.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(f->error.upstream().kind, "content_policy");
}

TEST(OpenAIClientDecodeTest, MalformedResponsesAreDataLoss) {
  for (const char* body :
       {"", "{", "[]", R"({"choices":[]})", R"({"choices":[{"message":{"content":5}}]})",
        R"({"choices":[{"message":{"tool_calls":"x"}}]})"}) {
    auto c = DecodeChatResponse(body);
    ASSERT_FALSE(c.ok()) << body;
    EXPECT_EQ(c.status().code(), StatusCode::kDataLoss) << body;
    EXPECT_NE(c.status().message().find("openai"), std::string::npos) << c.status().message();
  }
}

std::vector<chat::Chunk> FeedAll(ChatStreamDecoder& d, const std::vector<std::string>& events,
                                 Status* last = nullptr) {
  std::vector<chat::Chunk> out;
  for (const auto& e : events) {
    Status s = d.Feed(e, out);
    if (last != nullptr) *last = s;
    if (!s.ok()) break;
  }
  return out;
}

TEST(OpenAIClientStreamTest, ContentToolCallsUsageAndDone) {
  ChatStreamDecoder d;
  const std::vector<std::string> events = {
      R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null})",
      R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Let me check"},"finish_reason":null}],"usage":null})",
      R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_DdmO","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}],"usage":null})",
      R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"location\":"}}]},"finish_reason":null}],"usage":null})",
      R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"get_time","arguments":"{}"}}]},"finish_reason":null}],"usage":null})",
      R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":" \"Paris\"}"}}]},"finish_reason":null}],"usage":null})",
      R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}],"usage":null})",
      R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":70,"completion_tokens":30,"total_tokens":100,"prompt_tokens_details":{"cached_tokens":0}}})",
      "[DONE]"};
  Status s;
  auto out = FeedAll(d, events, &s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].content, "Let me check");
  EXPECT_FALSE(out[0].done);
  ASSERT_EQ(out[1].tool_calls.size(), 2u);
  EXPECT_EQ(out[1].tool_calls[0].id, "call_DdmO");
  EXPECT_EQ(out[1].tool_calls[0].name, "get_weather");
  EXPECT_EQ(out[1].tool_calls[0].arguments_json, R"({"location":"Paris"})");
  EXPECT_EQ(out[1].tool_calls[1].name, "get_time");
  EXPECT_TRUE(out[2].done);
  EXPECT_EQ(out[2].done_reason, DoneReason::kStop);
  EXPECT_EQ(out[2].usage.prompt_tokens, 70);
  EXPECT_EQ(out[2].usage.completion_tokens, 30);
  EXPECT_EQ(out[2].model, "gpt-4o-mini");
  std::vector<chat::Chunk> more;
  EXPECT_TRUE(d.Finish(more).ok());
  EXPECT_TRUE(more.empty());
}

TEST(OpenAIClientStreamTest, ReasoningDeltasAndMissingDone) {
  ChatStreamDecoder d;
  auto out =
      FeedAll(d, {R"({"choices":[{"index":0,"delta":{"reasoning_content":"hmm"}}]})",
                  R"({"choices":[{"index":0,"delta":{"content":"4"},"finish_reason":"length"}]})"});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].thinking, "hmm");
  EXPECT_EQ(out[1].content, "4");
  // The upstream closed after finish_reason without "[DONE]": still a complete answer.
  ASSERT_TRUE(d.Finish(out).ok());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(out[2].done);
  EXPECT_EQ(out[2].done_reason, DoneReason::kLength);
}

TEST(OpenAIClientStreamTest, TruncatedAndMalformedStreams) {
  ChatStreamDecoder d;
  auto out = FeedAll(d, {R"({"choices":[{"index":0,"delta":{"content":"par"}}]})"});
  Status s = d.Finish(out);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("truncated"), std::string::npos);

  ChatStreamDecoder bad;
  std::vector<chat::Chunk> ignored;
  s = bad.Feed(R"({"choices":[{"delta":{"content":"x"})", ignored);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("openai"), std::string::npos);

  ChatStreamDecoder err;
  s = err.Feed(
      R"({"error":{"message":"The server had an error","type":"server_error","code":null}})",
      ignored);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("The server had an error"), std::string::npos);
}

TEST(OpenAIClientStreamTest, CompletionStream) {
  ChatStreamDecoder d(ChatStreamDecoder::Endpoint::kCompletion);
  auto out = FeedAll(
      d,
      {R"({"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"text":"  return","index":0,"logprobs":null,"finish_reason":null}]})",
       R"({"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"text":" a + b","index":0,"logprobs":null,"finish_reason":"stop"}]})",
       "[DONE]"});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].content + out[1].content, "  return a + b");
  EXPECT_TRUE(out[2].done);
}

TEST(OpenAIClientDecodeTest, CompletionResponse) {
  auto c = DecodeCompletionResponse(
      R"({"id":"cmpl-2","object":"text_completion","model":"gpt-3.5-turbo-instruct",)"
      R"("choices":[{"text":"\n\nThis is a test","index":0,"finish_reason":"length",)"
      R"("logprobs":{"tokens":["\n\n","This"],"token_logprobs":[-0.5,-0.25],)"
      R"("top_logprobs":[{"\n\n":-0.5},{"This":-0.25,"It":-1.5}]}}],)"
      R"("usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->content, "\n\nThis is a test");
  EXPECT_EQ(c->done_reason, DoneReason::kLength);
  ASSERT_EQ(c->logprobs.size(), 2u);
  EXPECT_EQ(c->logprobs[1].top.size(), 2u);
  EXPECT_EQ(c->usage.completion_tokens, 7);
}

TEST(OpenAIClientDecodeTest, EmbeddingsFloatAndBase64) {
  auto f = DecodeEmbeddingsResponse(
      R"({"object":"list","data":[{"object":"embedding","embedding":[0.5,-1],"index":1},)"
      R"({"object":"embedding","embedding":[0.25,2],"index":0}],"model":"text-embedding-3-small",)"
      R"("usage":{"prompt_tokens":8,"total_tokens":8}})");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_EQ(f->embeddings.size(), 2u);
  EXPECT_EQ(f->embeddings[0], (std::vector<float>{0.25f, 2.0f}));
  EXPECT_EQ(f->embeddings[1], (std::vector<float>{0.5f, -1.0f}));
  EXPECT_EQ(f->usage.prompt_tokens, 8);
  // base64 as hearth's own server (and OpenAI) encodes it.
  const std::vector<float> v = {1.5f, -0.125f, 3.0f};
  auto b = DecodeEmbeddingsResponse(R"({"data":[{"embedding":")" + EncodeFloatsBase64(v) +
                                    R"(","index":0}]})");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->embeddings[0], v);
  EXPECT_EQ(
      DecodeEmbeddingsResponse(R"({"data":[{"embedding":"AAA=","index":0}]})").status().code(),
      StatusCode::kDataLoss);
  EXPECT_EQ(DecodeEmbeddingsResponse(R"({"data":[{"embedding":[1],"index":3}]})").status().code(),
            StatusCode::kDataLoss);
}

TEST(OpenAIClientErrorTest, StatusCodesKindsAndRetryAfter) {
  Status s = DecodeError(
      400,
      R"({"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}})",
      "");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.upstream().http_status, 400);
  EXPECT_EQ(s.upstream().kind, "context_length");
  EXPECT_EQ(s.upstream().retry_after_ms, -1);
  EXPECT_NE(s.message().find("maximum context length is 128000"), std::string::npos);

  s = DecodeError(
      429,
      R"({"error":{"message":"Rate limit reached for gpt-4o","type":"requests","param":null,"code":"rate_limit_exceeded"}})",
      "20");
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.upstream().kind, "rate_limit");
  EXPECT_EQ(s.upstream().retry_after_ms, 20000);

  s = DecodeError(
      400,
      R"({"error":{"message":"Your request was rejected by our safety system.","type":"invalid_request_error","code":"content_policy_violation"}})",
      "");
  EXPECT_EQ(s.upstream().kind, "content_policy");

  EXPECT_EQ(DecodeError(401, R"({"error":{"message":"Incorrect API key provided"}})", "").code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(DecodeError(403, "", "").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(DecodeError(404, R"({"error":{"message":"The model `x` does not exist"}})", "").code(),
            StatusCode::kNotFound);
  EXPECT_EQ(DecodeError(408, "timeout", "").code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(DecodeError(413, "too big", "").code(), StatusCode::kResourceExhausted);
  s = DecodeError(502, "<html>Bad gateway</html>", "");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("<html>Bad gateway</html>"), std::string::npos);
  // vLLM's flat error object and llama-server's context error.
  s = DecodeError(
      400,
      R"({"object":"error","message":"This model's maximum context length is 4096 tokens.","type":"BadRequestError","param":null,"code":400})",
      "");
  EXPECT_EQ(s.upstream().kind, "context_length");
  s = DecodeError(
      400,
      R"({"error":{"code":400,"message":"the request exceeds the available context size","type":"exceed_context_size_error","n_prompt_tokens":5000,"n_ctx":4096}})",
      "");
  EXPECT_EQ(s.upstream().kind, "context_length");
}

TEST(RetryAfterTest, SecondsAndHttpDates) {
  using std::chrono::system_clock;
  // 1994-11-06T08:49:37Z = 784111777 s.
  const auto now = system_clock::time_point(std::chrono::seconds(784111777 - 30));
  EXPECT_EQ(ParseRetryAfterMs("120", now), 120000);
  EXPECT_EQ(ParseRetryAfterMs(" 1.5 ", now), 1500);
  EXPECT_EQ(ParseRetryAfterMs("Sun, 06 Nov 1994 08:49:37 GMT", now), 30000);
  EXPECT_EQ(ParseRetryAfterMs("Sunday, 06-Nov-94 08:49:37 GMT", now), 30000);
  EXPECT_EQ(ParseRetryAfterMs("Sun Nov  6 08:49:37 1994", now), 30000);
  EXPECT_EQ(ParseRetryAfterMs("Sat, 05 Nov 1994 08:49:37 GMT", now), 0);  // in the past
  EXPECT_EQ(ParseRetryAfterMs("", now), -1);
  EXPECT_EQ(ParseRetryAfterMs("soon", now), -1);
  EXPECT_EQ(ParseRetryAfterMs("-5", now), -1);
  EXPECT_EQ(ParseRetryAfterMs("Sun, 06 Foo 1994 08:49:37 GMT", now), -1);
  EXPECT_EQ(ParseRetryAfterMs("Sun, 06 Nov 1994 08:49:37 GMT trailing", now), -1);
}

}  // namespace
}  // namespace hearth::api::openai
