// Ollama client codecs: golden /api/chat, /api/generate, /api/embed bodies, round trips through
// hearth's own /api parsers, NDJSON stream / object / error decoding shaped as Ollama's API docs.
#include <gtest/gtest.h>

#include "api/common.h"
#include "api/ollama/client.h"
#include "api/ollama/ollama.h"

namespace hearth::api::ollama {
namespace {

using chat::DoneReason;

chat::Request ChatRequest() {
  chat::Request r;
  r.messages.push_back({"user", "what is the weather in Toronto?", "", {}, "", ""});
  chat::Message a;
  a.role = "assistant";
  a.thinking = "need the tool";
  a.tool_calls.push_back({"", "get_weather", R"({"city":"Toronto"})"});
  r.messages.push_back(a);
  r.messages.push_back({"tool", "11 degrees celsius", "", {}, "get_weather", ""});
  r.messages.push_back({"user", "and here?", "", {}, "", ""});
  r.images.push_back("img");
  r.tools.push_back({"get_weather", "Get the weather",
                     R"({"type":"object","properties":{"city":{"type":"string"}}})"});
  AddIntOption(&r.options, "num_ctx", 8192);
  AddFloatOption(&r.options, "temperature", 0.5);
  AddIntOption(&r.options, "top_k", 20);
  AddStopOption(&r.options, "<|im_end|>");
  r.format.kind = chat::OutputFormat::Kind::kJson;
  r.keep_alive = std::chrono::minutes(5);
  r.think = {true, true, "high"};
  return r;
}

TEST(OllamaClientEncodeTest, ChatGolden) {
  auto j = EncodeChatRequest(ChatRequest(), {"qwen3:8b", true});
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ(Dump(*j),
            R"({"model":"qwen3:8b","messages":[)"
            R"({"role":"user","content":"what is the weather in Toronto?"},)"
            R"({"role":"assistant","content":"","thinking":"need the tool","tool_calls":[)"
            R"({"function":{"name":"get_weather","arguments":{"city":"Toronto"}}}]},)"
            R"({"role":"tool","content":"11 degrees celsius","tool_name":"get_weather"},)"
            R"({"role":"user","content":"and here?","images":["aW1n"]}],)"
            R"("tools":[{"type":"function","function":{"name":"get_weather","description":)"
            R"("Get the weather","parameters":{"type":"object","properties":{"city":)"
            R"({"type":"string"}}}}}],"format":"json","options":{"num_ctx":8192,)"
            R"("temperature":0.5,"top_k":20,"stop":["<|im_end|>"]},"stream":true,)"
            R"("keep_alive":300,"think":"high"})");
}

TEST(OllamaClientEncodeTest, ChatRoundTrip) {
  const chat::Request in = ChatRequest();
  auto j = EncodeChatRequest(in, {"qwen3:8b", false});
  ASSERT_TRUE(j.ok());
  auto p = ParseChat(Json::parse(Dump(*j)));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const chat::Request& r = p->request;
  EXPECT_FALSE(p->stream);
  ASSERT_EQ(r.messages.size(), in.messages.size());
  EXPECT_EQ(r.messages[1].thinking, "need the tool");
  EXPECT_EQ(r.messages[1].tool_calls[0].name, "get_weather");
  EXPECT_EQ(r.messages[2].tool_name, "get_weather");
  EXPECT_EQ(r.images, in.images);
  EXPECT_EQ(r.format.kind, chat::OutputFormat::Kind::kJson);
  ASSERT_TRUE(r.keep_alive.has_value());
  EXPECT_EQ(*r.keep_alive, std::chrono::minutes(5));
  EXPECT_EQ(r.think.level, "high");
  EXPECT_EQ(r.options.size(), in.options.size());
  ASSERT_EQ(r.tools.size(), 1u);
}

TEST(OllamaClientEncodeTest, GenerateRoundTripAndRefusals) {
  chat::Request g;
  g.kind = chat::RequestKind::kGenerate;
  g.prompt = "def fib(";
  g.suffix = "    return x";
  g.system = "code only";
  g.format = {chat::OutputFormat::Kind::kJsonSchema, R"({"type":"object"})"};
  g.keep_alive = std::chrono::milliseconds(1500);
  g.truncate = false;
  g.logprobs = true;
  g.top_logprobs = 2;
  auto j = EncodeGenerateRequest(g, {"codellama", false});
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ(Dump(*j), R"({"model":"codellama","prompt":"def fib(","suffix":"    return x",)"
                      R"("system":"code only","format":{"type":"object"},"stream":false,)"
                      R"("keep_alive":"1500000000ns","truncate":false,"logprobs":true,)"
                      R"("top_logprobs":2})");
  auto p = ParseGenerate(Json::parse(Dump(*j)));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->request.suffix, g.suffix);
  EXPECT_EQ(*p->request.keep_alive, std::chrono::milliseconds(1500));
  EXPECT_FALSE(p->request.truncate);

  chat::Request r = ChatRequest();
  r.tool_choice.mode = chat::ToolChoice::Mode::kRequired;
  EXPECT_EQ(EncodeChatRequest(r, {"m", false}).status().message(),
            "tool_choice \"required\" is not supported by provider ollama");
  r.tool_choice.mode = chat::ToolChoice::Mode::kNone;  // = no tools
  auto none = EncodeChatRequest(r, {"m", false});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->contains("tools"));
  EXPECT_FALSE(EncodeGenerateRequest(r, {"m", false}).ok());

  chat::EmbedRequest e;
  e.inputs = {"x", "y"};
  e.truncate = false;
  auto ej = EncodeEmbedRequest(e, {"nomic-embed-text", false});
  ASSERT_TRUE(ej.ok());
  EXPECT_EQ(Dump(*ej), R"({"model":"nomic-embed-text","input":["x","y"],"truncate":false})");
  auto ep = ParseEmbed(Json::parse(Dump(*ej)));
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->inputs, e.inputs);
}

TEST(OllamaClientStreamTest, ChatLines) {
  StreamDecoder d;
  std::vector<chat::Chunk> out;
  for (
      const char* line :
      {R"({"model":"llama3.2","created_at":"2023-08-04T08:52:19.385406455-07:00","message":{"role":"assistant","content":"","thinking":"hmm"},"done":false})",
       R"({"model":"llama3.2","created_at":"2023-08-04T08:52:19.385406455-07:00","message":{"role":"assistant","content":"The"},"done":false})",
       "",
       R"({"model":"llama3.2","created_at":"2023-08-04T08:52:19.4Z","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"Toronto"}}}]},"done":false})",
       R"({"model":"llama3.2","created_at":"2023-08-04T19:22:45.499127Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"length","total_duration":4883583458,"load_duration":1334875,"prompt_eval_count":26,"prompt_eval_duration":342546000,"eval_count":282,"eval_duration":4535599000})"}) {
    Status s = d.Feed(line, out);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].thinking, "hmm");
  EXPECT_EQ(out[1].content, "The");
  EXPECT_EQ(out[2].tool_calls[0].arguments_json, R"({"city":"Toronto"})");
  EXPECT_TRUE(out[3].done);
  EXPECT_EQ(out[3].done_reason, DoneReason::kLength);
  EXPECT_EQ(out[3].usage.prompt_tokens, 26);
  EXPECT_EQ(out[3].usage.completion_tokens, 282);
  EXPECT_EQ(out[3].usage.total.count(), 4883583458);
  EXPECT_EQ(out[3].usage.eval.count(), 4535599000);
  EXPECT_TRUE(d.Finish(out).ok());

  StreamDecoder t;
  std::vector<chat::Chunk> part;
  ASSERT_TRUE(t.Feed(R"({"model":"m","response":"The","done":false})", part).ok());
  EXPECT_EQ(t.Finish(part).code(), StatusCode::kDataLoss);
  EXPECT_EQ(t.Feed("{\"response\":", part).code(), StatusCode::kDataLoss);
  Status err = t.Feed(R"({"error":"an error was encountered while running the model"})", part);
  EXPECT_EQ(err.code(), StatusCode::kUnavailable);
  EXPECT_NE(err.message().find("while running the model"), std::string::npos);
}

TEST(OllamaClientDecodeTest, ObjectsEmbedAndErrors) {
  auto c = DecodeResponse(
      R"({"model":"llama3.2","created_at":"2023-08-04T19:22:45.499127Z","response":"The sky is blue.","done":true,"done_reason":"stop","context":[1,2],"total_duration":5043500667,"load_duration":5025959,"prompt_eval_count":26,"prompt_eval_duration":325953000,"eval_count":290,"eval_duration":4709213000})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->content, "The sky is blue.");
  EXPECT_TRUE(c->done);
  EXPECT_EQ(c->done_reason, DoneReason::kStop);
  EXPECT_EQ(c->usage.completion_tokens, 290);
  EXPECT_EQ(c->model, "llama3.2");
  EXPECT_EQ(DecodeResponse(R"({"response":"x","done":false})").status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(DecodeResponse(R"({"response":5,"done":true})").status().code(), StatusCode::kDataLoss);

  auto e = DecodeEmbedResponse(
      R"({"model":"all-minilm","embeddings":[[0.010071029,-0.0017594862],[-0.0098027075,0.06042469]],"total_duration":14143917,"load_duration":1019500,"prompt_eval_count":8})");
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->embeddings.size(), 2u);
  EXPECT_FLOAT_EQ(e->embeddings[1][1], 0.06042469f);
  EXPECT_EQ(e->usage.prompt_tokens, 8);

  Status s =
      DecodeError(404, R"({"error":"model \"llama9\" not found, try pulling it first"})", "");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("try pulling it first"), std::string::npos);
  s = DecodeError(400, R"({"error":"input length exceeds the context length"})", "");
  EXPECT_EQ(s.upstream().kind, "context_length");
  s = DecodeError(
      503, R"({"error":"server busy, please try again.  maximum pending requests exceeded"})", "2");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.upstream().retry_after_ms, 2000);
  EXPECT_EQ(s.upstream().http_status, 503);
}

}  // namespace
}  // namespace hearth::api::ollama
