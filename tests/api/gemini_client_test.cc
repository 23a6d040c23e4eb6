// Gemini client codecs: golden generateContent bodies and decoding of responses, SSE chunks and
// errors shaped as the Gemini API reference documents them.
#include <gtest/gtest.h>

#include "api/common.h"
#include "api/gemini/client.h"

namespace hearth::api::gemini {
namespace {

using chat::DoneReason;

TEST(GeminiClientEncodeTest, Golden) {
  chat::Request r;
  r.messages.push_back({"system", "You are a cat.", "", {}, "", ""});
  r.messages.push_back({"user", "Describe this and call the tool.", "", {}, "", ""});
  chat::Message a;
  a.role = "assistant";
  a.tool_calls.push_back({"", "find_theaters", R"({"location":"Mountain View, CA"})"});
  r.messages.push_back(a);
  r.messages.push_back({"tool", R"({"theaters":["AMC"]})", "", {}, "", ""});
  r.messages.push_back({"tool", "plain text", "", {}, "find_theaters", ""});
  r.images.push_back("GIF89a");
  r.tools.push_back({"find_theaters", "Find theaters",
                     R"({"type":"object","properties":{"location":{"type":"string"}}})"});
  r.tool_choice = {chat::ToolChoice::Mode::kFunction, "find_theaters"};
  AddFloatOption(&r.options, "temperature", 0.7);
  AddFloatOption(&r.options, "top_p", 0.95);
  AddIntOption(&r.options, "top_k", 40);
  AddIntOption(&r.options, "num_predict", 800);
  AddStopOption(&r.options, "Title");
  AddIntOption(&r.options, "seed", 3);
  r.format = {chat::OutputFormat::Kind::kJsonSchema, R"({"type":"object"})"};
  r.think = {true, true, "low"};
  auto j = EncodeGenerateContentRequest(r, {"gemini-2.5-flash", false});
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ(
      Dump(*j),
      R"({"contents":[{"role":"user","parts":[{"text":"Describe this and call the tool."},)"
      R"({"inlineData":{"mimeType":"image/gif","data":"R0lGODlh"}}]},)"
      R"({"role":"model","parts":[{"functionCall":{"name":"find_theaters","args":)"
      R"({"location":"Mountain View, CA"}}}]},)"
      R"({"role":"user","parts":[{"functionResponse":{"name":"find_theaters","response":)"
      R"({"theaters":["AMC"]}}},{"functionResponse":{"name":"find_theaters","response":)"
      R"({"result":"plain text"}}}]}],)"
      R"("systemInstruction":{"parts":[{"text":"You are a cat."}]},)"
      R"("tools":[{"functionDeclarations":[{"name":"find_theaters","description":"Find theaters",)"
      R"("parameters":{"type":"object","properties":{"location":{"type":"string"}}}}]}],)"
      R"("toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":)"
      R"(["find_theaters"]}},)"
      R"("generationConfig":{"temperature":0.7,"topP":0.95,"topK":40,"maxOutputTokens":800,)"
      R"("stopSequences":["Title"],"seed":3,"responseMimeType":"application/json",)"
      R"("responseSchema":{"type":"object"},"thinkingConfig":{"thinkingBudget":1024,)"
      R"("includeThoughts":true}}})");
  EXPECT_EQ(GenerateContentPath("gemini-2.5-flash", false),
            "/v1beta/models/gemini-2.5-flash:generateContent");
  EXPECT_EQ(GenerateContentPath("models/gemini-2.5-flash", true),
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
}

TEST(GeminiClientEncodeTest, MinimalThinkOffAndRefusals) {
  chat::Request r;
  r.messages.push_back({"user", "hi", "", {}, "", ""});
  r.think = {true, false, ""};
  auto j = EncodeGenerateContentRequest(r, {"g", true});
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(Dump(*j), R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}],)"
                      R"("generationConfig":{"thinkingConfig":{"thinkingBudget":0}}})");
  AddFloatOption(&r.options, "min_p", 0.1);
  EXPECT_EQ(EncodeGenerateContentRequest(r, {"g", true}).status().message(),
            "option min_p is not supported by provider gemini");
  chat::Request t;
  t.messages.push_back({"tool", "x", "", {}, "", ""});
  EXPECT_EQ(EncodeGenerateContentRequest(t, {"g", true}).status().code(),
            StatusCode::kInvalidArgument);
  chat::EmbedRequest e;
  e.inputs = {"a"};
  e.dimensions = 8;
  auto ej = EncodeBatchEmbedRequest(e, {"text-embedding-004", false});
  ASSERT_TRUE(ej.ok());
  EXPECT_EQ(Dump(*ej), R"({"requests":[{"model":"models/text-embedding-004","content":)"
                       R"({"parts":[{"text":"a"}]},"outputDimensionality":8}]})");
}

TEST(GeminiClientDecodeTest, Response) {
  auto c = DecodeGenerateContentResponse(R"({
    "candidates": [{"content": {"parts": [
        {"text": "**Planning**", "thought": true},
        {"text": "Hello there."},
        {"functionCall": {"name": "find_theaters", "args": {"location": "Mountain View, CA", "movie": "Barbie"}}}],
      "role": "model"}, "finishReason": "STOP", "index": 0}],
    "usageMetadata": {"promptTokenCount": 120, "candidatesTokenCount": 30, "totalTokenCount": 200,
                      "cachedContentTokenCount": 100, "thoughtsTokenCount": 50},
    "modelVersion": "gemini-2.5-flash", "responseId": "abc"})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->done);
  EXPECT_EQ(c->thinking, "**Planning**");
  EXPECT_EQ(c->content, "Hello there.");
  ASSERT_EQ(c->tool_calls.size(), 1u);
  EXPECT_EQ(c->tool_calls[0].arguments_json,
            R"({"location":"Mountain View, CA","movie":"Barbie"})");
  EXPECT_EQ(c->done_reason, DoneReason::kStop);
  EXPECT_EQ(c->usage.prompt_tokens, 120);
  EXPECT_EQ(c->usage.completion_tokens, 80);
  EXPECT_EQ(c->usage.cached_tokens, 100);
  EXPECT_EQ(c->model, "gemini-2.5-flash");

  auto len = DecodeGenerateContentResponse(
      R"({"candidates":[{"content":{"parts":[{"text":"abc"}],"role":"model"},"finishReason":"MAX_TOKENS"}]})");
  ASSERT_TRUE(len.ok());
  EXPECT_EQ(len->done_reason, DoneReason::kLength);
  auto safety = DecodeGenerateContentResponse(
      R"({"candidates":[{"finishReason":"SAFETY","safetyRatings":[{"category":"HARM_CATEGORY_HARASSMENT","probability":"HIGH"}]}]})");
  ASSERT_TRUE(safety.ok());
  EXPECT_EQ(safety->done_reason, DoneReason::kError);
  EXPECT_EQ(safety->error.upstream().kind, "content_policy");
  auto blocked = DecodeGenerateContentResponse(
      R"({"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[]},"usageMetadata":{"promptTokenCount":8}})");
  ASSERT_TRUE(blocked.ok());
  EXPECT_EQ(blocked->done_reason, DoneReason::kError);
  EXPECT_EQ(blocked->error.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(DecodeGenerateContentResponse("{}").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodeGenerateContentResponse(R"({"candidates":[{"content":{"parts":"x"}}]})")
                .status()
                .code(),
            StatusCode::kDataLoss);
}

TEST(GeminiClientStreamTest, ChunksAndTruncation) {
  StreamDecoder d;
  std::vector<chat::Chunk> out;
  ASSERT_TRUE(
      d.Feed(
           R"({"candidates":[{"content":{"parts":[{"text":"The"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":9,"totalTokenCount":9},"modelVersion":"gemini-2.0-flash"})",
           out)
          .ok());
  ASSERT_TRUE(
      d.Feed(
           R"({"candidates":[{"content":{"parts":[{"text":" sky is blue."}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":6,"totalTokenCount":15},"modelVersion":"gemini-2.0-flash"})",
           out)
          .ok());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].content + out[1].content, "The sky is blue.");
  EXPECT_TRUE(out[2].done);
  EXPECT_EQ(out[2].usage.completion_tokens, 6);
  EXPECT_EQ(out[2].model, "gemini-2.0-flash");
  EXPECT_TRUE(d.Finish(out).ok());

  StreamDecoder t;
  std::vector<chat::Chunk> part;
  ASSERT_TRUE(t.Feed(R"({"candidates":[{"content":{"parts":[{"text":"The"}]}}]})", part).ok());
  EXPECT_EQ(t.Finish(part).code(), StatusCode::kDataLoss);
  EXPECT_EQ(t.Feed("{oops", part).code(), StatusCode::kDataLoss);
  StreamDecoder e;
  Status s = e.Feed(
      R"({"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}})",
      part);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.upstream().http_status, 503);
}

TEST(GeminiClientErrorTest, KindsAndRetryInfo) {
  Status s = DecodeError(
      429,
      R"({"error":{"code":429,"message":"You exceeded your current quota.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}})",
      "");
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.upstream().kind, "rate_limit");
  EXPECT_EQ(s.upstream().retry_after_ms, 37000);
  s = DecodeError(
      400,
      R"([{"error":{"code":400,"message":"The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).","status":"INVALID_ARGUMENT"}}])",
      "");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.upstream().kind, "context_length");
  EXPECT_NE(s.message().find("exceeds the maximum number of tokens"), std::string::npos);
  EXPECT_EQ(
      DecodeError(
          403,
          R"({"error":{"code":403,"message":"Method doesn't allow unregistered callers.","status":"PERMISSION_DENIED"}})",
          "")
          .code(),
      StatusCode::kPermissionDenied);
  EXPECT_EQ(
      DecodeError(
          404, R"({"error":{"code":404,"message":"models/x is not found","status":"NOT_FOUND"}})",
          "")
          .code(),
      StatusCode::kNotFound);
}

TEST(GeminiClientDecodeTest, Embeddings) {
  auto b = DecodeEmbedResponse(R"({"embeddings":[{"values":[0.1,0.2]},{"values":[0.3]}]})");
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->embeddings.size(), 2u);
  EXPECT_EQ(b->embeddings[1], std::vector<float>{0.3f});
  auto one = DecodeEmbedResponse(R"({"embedding":{"values":[1,2,3]}})");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->embeddings[0].size(), 3u);
  EXPECT_EQ(DecodeEmbedResponse(R"({"embeddings":[{"values":["x"]}]})").status().code(),
            StatusCode::kDataLoss);
}

}  // namespace
}  // namespace hearth::api::gemini
