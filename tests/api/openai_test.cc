// OpenAI wire format: request parsing and golden chunks/objects for /v1/chat/completions,
// /v1/completions, /v1/embeddings and /v1/models.
#include "api/openai/openai.h"

#include <gtest/gtest.h>

#include <cstring>

#include "api/fields.h"

namespace hearth::api::openai {
namespace {

Json J(const char* text) { return Json::parse(text); }

const chat::OptionSetting* Opt(const chat::Request& r, const std::string& name) {
  for (const auto& o : r.options) {
    if (o.first == name) return &o;
  }
  return nullptr;
}

TEST(OpenAIParseTest, ChatFields) {
  auto p =
      ParseChatCompletion(J(R"({"model":"m","stream":true,"stream_options":{"include_usage":true},
      "max_completion_tokens":64,"stop":"\n\n","seed":7,"temperature":0.2,"top_p":0.5,
      "frequency_penalty":0.1,"presence_penalty":0.3,"user":"ignored",
      "response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object"}}},
      "messages":[{"role":"developer","content":"sys"},
        {"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"},
                                   {"type":"image_url","image_url":{"url":"data:image/png;base64,aGk="}}]},
        {"role":"assistant","content":null,"tool_calls":[{"id":"call_9","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}}]},
        {"role":"tool","tool_call_id":"call_9","content":"42"}],
      "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],
      "tool_choice":{"type":"function","function":{"name":"f"}}})"));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const chat::Request& r = p->request;
  EXPECT_TRUE(p->stream);
  EXPECT_TRUE(p->include_usage);
  ASSERT_EQ(r.messages.size(), 4u);
  EXPECT_EQ(r.messages[0].role, "system");
  EXPECT_EQ(r.messages[1].content, "a\nb");
  ASSERT_EQ(r.images.size(), 1u);
  EXPECT_EQ(r.images[0], "hi");
  ASSERT_EQ(r.messages[2].tool_calls.size(), 1u);
  EXPECT_EQ(r.messages[2].tool_calls[0].arguments_json, R"({"x":1})");
  EXPECT_EQ(r.messages[3].tool_name, "f");
  EXPECT_EQ(r.messages[3].tool_call_id, "call_9");
  EXPECT_EQ(r.tool_choice.mode, chat::ToolChoice::Mode::kFunction);
  EXPECT_EQ(r.tool_choice.function, "f");
  EXPECT_EQ(r.format.kind, chat::OutputFormat::Kind::kJsonSchema);
  EXPECT_EQ(r.format.text, R"({"type":"object"})");
  ASSERT_NE(Opt(r, "num_predict"), nullptr);
  EXPECT_EQ(Opt(r, "num_predict")->second.i, 64);
  EXPECT_EQ(Opt(r, "stop")->second.s, "\n\n");
  EXPECT_EQ(Opt(r, "seed")->second.i, 7);
  EXPECT_FLOAT_EQ(static_cast<float>(Opt(r, "temperature")->second.f), 0.2f);
  EXPECT_NE(Opt(r, "presence_penalty"), nullptr);
  EXPECT_NE(Opt(r, "frequency_penalty"), nullptr);
}

TEST(OpenAIParseTest, ChatErrors) {
  struct Case {
    const char* body;
    const char* error;
  } cases[] = {
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"temperature":"hot"})",
       "invalid type for field 'temperature': expected number, got string"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":1.5})",
       "invalid type for field 'max_tokens': expected integer, got number"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"stop":[1]})",
       "invalid type for field 'stop[0]': expected string, got number"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"n":2})",
       "invalid value for field 'n': only n = 1 is supported"},
      {R"({"model":"m"})", "missing field 'messages'"},
      {R"({"messages":[]})", "missing field 'model'"},
      {R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]})",
       "invalid value for field 'messages[0].content[0].image_url': only base64 data URLs are "
       "supported (data:image/png;base64,...)"},
      {R"({"model":"m","messages":[{"role":"assistant","tool_calls":[{"function":{"name":"f","arguments":{"x":1}}}]}]})",
       "invalid type for field 'messages[0].tool_calls[0].function.arguments': expected string, "
       "got object"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"required"})",
       "invalid value for field 'tool_choice': \"required\" needs at least one tool in 'tools'"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"g"}}})",
       "invalid value for field 'tool_choice.function.name': no tool named \"g\" in 'tools'"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"xml"}})",
       "invalid value for field 'response_format.type': \"xml\" (expected text, json_object or "
       "json_schema)"},
  };
  for (const auto& c : cases) {
    auto p = ParseChatCompletion(J(c.body));
    ASSERT_FALSE(p.ok()) << c.body;
    EXPECT_EQ(p.status().message(), c.error) << c.body;
  }
  auto none = ParseChatCompletion(J(
      R"({"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"none","response_format":{"type":"json_object"}})"));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->request.tool_choice.mode, chat::ToolChoice::Mode::kNone);
  EXPECT_EQ(none->request.format.kind, chat::OutputFormat::Kind::kJson);
  EXPECT_FALSE(none->stream);  // OpenAI default
}

TEST(OpenAIParseTest, Completions) {
  auto p = ParseCompletion(J(R"({"model":"m","prompt":["def f("],"suffix":"\n","max_tokens":16})"));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->request.kind, chat::RequestKind::kGenerate);
  EXPECT_EQ(p->request.prompt, "def f(");
  EXPECT_EQ(p->request.suffix, "\n");
  EXPECT_EQ(ParseCompletion(J(R"({"model":"m","prompt":"x","echo":true})")).status().message(),
            "invalid value for field 'echo': echo is not supported");
  EXPECT_EQ(ParseCompletion(J(R"({"model":"m","prompt":[[1,2]]})")).status().message(),
            "invalid value for field 'prompt': token arrays are not supported; send text");
  EXPECT_EQ(ParseCompletion(J(R"({"model":"m","prompt":["a","b"]})")).status().message(),
            "invalid value for field 'prompt': only one prompt per request is supported");
  EXPECT_EQ(ParseCompletion(J(R"({"model":"m"})")).status().message(), "missing field 'prompt'");
}

TEST(OpenAIParseTest, Embeddings) {
  auto p = ParseEmbeddings(
      J(R"({"model":"e","input":["a","b"],"encoding_format":"base64","dimensions":4})"));
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->base64);
  EXPECT_EQ(p->request.inputs.size(), 2u);
  EXPECT_EQ(p->request.dimensions, 4);
  EXPECT_FALSE(ParseEmbeddings(J(R"({"model":"e","input":"a"})")).value().base64);
  EXPECT_EQ(ParseEmbeddings(J(R"({"model":"e","input":[1,2]})")).status().message(),
            "invalid value for field 'input': token arrays are not supported; send text");
  EXPECT_EQ(
      ParseEmbeddings(J(R"({"model":"e","input":"a","encoding_format":"hex"})")).status().message(),
      "invalid value for field 'encoding_format': \"hex\" (expected float or base64)");
  EXPECT_EQ(ParseEmbeddings(J(R"({"model":"e","input":[]})")).status().message(),
            "invalid value for field 'input': must not be empty");
}

ResponseMeta Meta() { return {"chatcmpl-1", 1700000000, "m"}; }

TEST(OpenAIResponseTest, ChatStreamGolden) {
  ChatStream s(Meta(), /*include_usage=*/true);
  chat::Chunk a;
  a.content = "Hi";
  auto first = s.Encode(a);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(
      first[0],
      R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m",)"
      R"("system_fingerprint":"fp_hearth","choices":[{"index":0,"delta":{"role":"assistant",)"
      R"("content":""},"finish_reason":null}]})");
  EXPECT_EQ(
      first[1],
      R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m",)"
      R"("system_fingerprint":"fp_hearth","choices":[{"index":0,"delta":{"content":"Hi"},)"
      R"("finish_reason":null}]})");
  chat::Chunk t;
  t.tool_calls.push_back({"call_1", "f", R"({"x":1})"});
  auto tools = s.Encode(t);
  ASSERT_EQ(tools.size(), 1u);
  EXPECT_EQ(
      Json::parse(tools[0])["choices"][0]["delta"]["tool_calls"],
      J(R"([{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}}])"));
  chat::Chunk done;
  done.done = true;
  done.usage.prompt_tokens = 3;
  done.usage.completion_tokens = 4;
  auto last = s.Encode(done);
  ASSERT_EQ(last.size(), 2u);
  EXPECT_EQ(Json::parse(last[0])["choices"][0]["finish_reason"], "tool_calls");
  EXPECT_EQ(
      last[1],
      R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m",)"
      R"("system_fingerprint":"fp_hearth","choices":[],"usage":{"prompt_tokens":3,)"
      R"("completion_tokens":4,"total_tokens":7}})");
  ChatStream no_usage(Meta(), false);
  EXPECT_EQ(no_usage.Encode(done).size(), 2u);  // role chunk + finish chunk, no usage chunk
}

TEST(OpenAIResponseTest, ChatCompletionGolden) {
  chat::Chunk f;
  f.content = "Hello";
  f.done = true;
  f.done_reason = chat::DoneReason::kLength;
  f.usage.prompt_tokens = 2;
  f.usage.completion_tokens = 1;
  EXPECT_EQ(
      ChatCompletionJson(Meta(), f),
      R"({"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"m",)"
      R"("system_fingerprint":"fp_hearth","choices":[{"index":0,"message":{"role":"assistant",)"
      R"("content":"Hello"},"logprobs":null,"finish_reason":"length"}],"usage":{)"
      R"("prompt_tokens":2,"completion_tokens":1,"total_tokens":3}})");
  f.done_reason = chat::DoneReason::kStop;
  f.tool_calls.push_back({"", "f", R"({"a":"b"})"});
  const Json j = Json::parse(ChatCompletionJson(Meta(), f));
  EXPECT_EQ(j["choices"][0]["finish_reason"], "tool_calls");
  EXPECT_EQ(j["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"], R"({"a":"b"})");
  EXPECT_EQ(j["choices"][0]["message"]["tool_calls"][0]["id"], "call_0");
}

TEST(OpenAIResponseTest, CompletionGolden) {
  CompletionStream s({"cmpl-1", 5, "m"}, true);
  chat::Chunk a;
  a.content = "x";
  auto one = s.Encode(a);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0],
            R"({"id":"cmpl-1","object":"text_completion","created":5,"model":"m",)"
            R"("system_fingerprint":"fp_hearth","choices":[{"text":"x","index":0,"logprobs":null,)"
            R"("finish_reason":null}]})");
  chat::Chunk done;
  done.done = true;
  auto last = s.Encode(done);
  ASSERT_EQ(last.size(), 2u);
  EXPECT_EQ(Json::parse(last[0])["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(Json::parse(last[1])["choices"], Json::array());
  done.content = "full";
  const Json j = Json::parse(CompletionJson({"cmpl-1", 5, "m"}, done));
  EXPECT_EQ(j["choices"][0]["text"], "full");
  EXPECT_EQ(j["usage"]["total_tokens"], 0);
}

TEST(OpenAIResponseTest, EmbeddingsBase64IsLittleEndianFloat32) {
  chat::EmbedResult e;
  e.embeddings = {{1.0f, -2.5f}};
  e.usage.prompt_tokens = 3;
  // 1.0f = 00 00 80 3f, -2.5f = 00 00 20 c0 (little-endian).
  EXPECT_EQ(EncodeFloatsBase64({1.0f, -2.5f}), "AACAPwAAIMA=");
  EXPECT_EQ(
      EmbeddingsJson(e, "e", true),
      R"({"object":"list","data":[{"object":"embedding","embedding":"AACAPwAAIMA=","index":0}],)"
      R"("model":"e","usage":{"prompt_tokens":3,"total_tokens":3}})");
  EXPECT_EQ(Json::parse(EmbeddingsJson(e, "e", false))["data"][0]["embedding"], J("[1.0,-2.5]"));
  // Round trip through the decoder.
  auto bytes = Base64Decode(EncodeFloatsBase64({0.125f}));
  ASSERT_TRUE(bytes.ok());
  float f = 0;
  ASSERT_EQ(bytes->size(), 4u);
  std::memcpy(&f, bytes->data(), 4);
  EXPECT_EQ(f, 0.125f);
}

TEST(OpenAIResponseTest, ModelsAndErrors) {
  EXPECT_EQ(
      ModelsJson({{"a:latest", 10, "library"}}),
      R"({"object":"list","data":[{"id":"a:latest","object":"model","created":10,"owned_by":"library"}]})");
  EXPECT_EQ(ModelJson({"a:latest", 10, "library"}),
            R"({"id":"a:latest","object":"model","created":10,"owned_by":"library"})");
  EXPECT_EQ(
      ErrorJson(400, "invalid type for field 'temperature': expected number, got string"),
      R"({"error":{"message":"invalid type for field 'temperature': expected number, got string",)"
      R"("type":"invalid_request_error","param":"temperature","code":null}})");
  EXPECT_EQ(
      ErrorJson(404, "model \"x\" not found"),
      R"({"error":{"message":"model \"x\" not found","type":"not_found_error","param":null,"code":null}})");
  EXPECT_EQ(Json::parse(ErrorJson(503, "busy"))["error"]["type"], "api_error");
}

}  // namespace
}  // namespace hearth::api::openai
