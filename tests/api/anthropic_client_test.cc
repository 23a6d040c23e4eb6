// Anthropic client codecs: golden Messages request bodies, round trips through hearth's own
// /v1/messages parser, message / SSE event / error decoding with payloads shaped as Anthropic's
// API reference documents them.
#include <gtest/gtest.h>

#include "api/anthropic/anthropic.h"
#include "api/anthropic/client.h"
#include "api/common.h"

namespace hearth::api::anthropic {
namespace {

using chat::DoneReason;

chat::Request ToolRequest() {
  chat::Request r;
  r.messages.push_back({"system", "You are terse.", "", {}, "", ""});
  r.messages.push_back({"user", "What is in this image, and the weather?", "", {}, "", ""});
  chat::Message a;
  a.role = "assistant";
  a.content = "Checking.";
  a.thinking = "earlier reasoning (not sent)";
  a.tool_calls.push_back({"toolu_01", "get_weather", R"({"location":"San Francisco, CA"})"});
  r.messages.push_back(a);
  r.messages.push_back({"tool", "15 degrees", "", {}, "get_weather", "toolu_01"});
  r.messages.push_back({"user", "Thanks, and tomorrow?", "", {}, "", ""});
  r.images.push_back("\xFF\xD8\xFF\xE0jpeg");
  r.tools.push_back(
      {"get_weather", "Get the current weather",
       R"({"type":"object","properties":{"location":{"type":"string"}},"required":["location"]})"});
  r.tool_choice.mode = chat::ToolChoice::Mode::kRequired;
  AddIntOption(&r.options, "num_predict", 20000);
  AddFloatOption(&r.options, "temperature", 1);
  AddIntOption(&r.options, "top_k", 5);
  AddStopOption(&r.options, "\n\nHuman:");
  AddIntOption(&r.options, "num_thread", 4);  // ignored for remote providers
  r.think = {true, true, "high"};
  return r;
}

TEST(AnthropicClientEncodeTest, Golden) {
  auto j = EncodeMessagesRequest(ToolRequest(), {"claude-sonnet-4-5", true});
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ(Dump(*j),
            R"({"model":"claude-sonnet-4-5","max_tokens":20000,"system":"You are terse.",)"
            R"("messages":[{"role":"user","content":"What is in this image, and the weather?"},)"
            R"({"role":"assistant","content":[{"type":"text","text":"Checking."},)"
            R"({"type":"tool_use","id":"toolu_01","name":"get_weather","input":)"
            R"({"location":"San Francisco, CA"}}]},)"
            R"({"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01",)"
            R"("content":"15 degrees"},{"type":"image","source":{"type":"base64",)"
            R"("media_type":"image/jpeg","data":"/9j/4GpwZWc="}},)"
            R"({"type":"text","text":"Thanks, and tomorrow?"}]}],"stream":true,)"
            R"("stop_sequences":["\n\nHuman:"],"temperature":1.0,"top_k":5,)"
            R"("tools":[{"name":"get_weather","description":"Get the current weather",)"
            R"("input_schema":{"type":"object","properties":{"location":{"type":"string"}},)"
            R"("required":["location"]}}],"tool_choice":{"type":"any"},)"
            R"("thinking":{"type":"enabled","budget_tokens":16384}})");
}

TEST(AnthropicClientEncodeTest, RoundTripsThroughServerParser) {
  chat::Request in = ToolRequest();
  auto j = EncodeMessagesRequest(in, {"claude", false});
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  auto p = ParseMessages(Json::parse(Dump(*j)));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const chat::Request& r = p->request;
  ASSERT_EQ(r.messages.size(), 5u);
  EXPECT_EQ(r.messages[0].role, "system");
  EXPECT_EQ(r.messages[2].tool_calls[0].id, "toolu_01");
  EXPECT_EQ(Json::parse(r.messages[2].tool_calls[0].arguments_json),
            Json::parse(in.messages[2].tool_calls[0].arguments_json));
  EXPECT_EQ(r.messages[3].role, "tool");
  EXPECT_EQ(r.messages[3].tool_name, "get_weather");
  EXPECT_EQ(r.messages[3].content, "15 degrees");
  EXPECT_EQ(r.messages[4].content, "Thanks, and tomorrow?");
  EXPECT_EQ(r.images, in.images);
  EXPECT_EQ(r.tool_choice.mode, chat::ToolChoice::Mode::kRequired);
  EXPECT_TRUE(r.think.enabled);
}

TEST(AnthropicClientEncodeTest, DefaultsPrefillAndRefusals) {
  chat::Request r;
  r.messages.push_back({"user", "Name a color.", "", {}, "", ""});
  r.messages.push_back({"assistant", "The color is", "", {}, "", ""});  // prefill
  auto j = EncodeMessagesRequest(r, {"claude-haiku", false});
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(Dump(*j), R"({"model":"claude-haiku","max_tokens":4096,"messages":[)"
                      R"({"role":"user","content":"Name a color."},)"
                      R"({"role":"assistant","content":"The color is"}]})");
  // Thinking without num_predict leaves room for the answer after the budget.
  r.think = {true, true, ""};
  j = EncodeMessagesRequest(r, {"c", false});
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["max_tokens"], 4096 + 4096);
  EXPECT_EQ(Dump((*j)["thinking"]), R"({"type":"enabled","budget_tokens":4096})");
  AddIntOption(&r.options, "num_predict", 1000);
  EXPECT_NE(EncodeMessagesRequest(r, {"c", false}).status().message().find("budget_tokens"),
            std::string::npos);

  chat::Request s;
  s.messages.push_back({"user", "hi", "", {}, "", ""});
  AddIntOption(&s.options, "seed", 1);
  EXPECT_EQ(EncodeMessagesRequest(s, {"c", false}).status().message(),
            "option seed is not supported by provider anthropic");
  chat::Request f;
  f.messages.push_back({"user", "hi", "", {}, "", ""});
  f.format.kind = chat::OutputFormat::Kind::kJson;
  EXPECT_EQ(EncodeMessagesRequest(f, {"c", false}).status().message(),
            "format is not supported by provider anthropic");
  f.format.kind = chat::OutputFormat::Kind::kNone;
  f.logprobs = true;
  EXPECT_EQ(EncodeMessagesRequest(f, {"c", false}).status().code(), StatusCode::kInvalidArgument);
}

TEST(AnthropicClientDecodeTest, MessageObject) {
  auto c = DecodeMessagesResponse(R"({
    "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
    "content": [
      {"type": "thinking", "thinking": "Let me analyze.", "signature": "WaUjzkyp"},
      {"type": "text", "text": "I'll check."},
      {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather",
       "input": {"location": "San Francisco, CA", "unit": "celsius"}}],
    "stop_reason": "tool_use", "stop_sequence": null,
    "usage": {"input_tokens": 2095, "output_tokens": 503, "cache_creation_input_tokens": 100,
              "cache_read_input_tokens": 1000}})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->done);
  EXPECT_EQ(c->thinking, "Let me analyze.");
  EXPECT_EQ(c->content, "I'll check.");
  ASSERT_EQ(c->tool_calls.size(), 1u);
  EXPECT_EQ(c->tool_calls[0].arguments_json,
            R"({"location":"San Francisco, CA","unit":"celsius"})");
  EXPECT_EQ(c->done_reason, DoneReason::kStop);
  EXPECT_EQ(c->usage.prompt_tokens, 2095 + 100 + 1000);
  EXPECT_EQ(c->usage.cached_tokens, 1000);
  EXPECT_EQ(c->usage.completion_tokens, 503);
  EXPECT_EQ(c->model, "claude-sonnet-4-5-20250929");

  auto len = DecodeMessagesResponse(
      R"({"type":"message","content":[{"type":"text","text":"abc"}],"stop_reason":"max_tokens"})");
  ASSERT_TRUE(len.ok());
  EXPECT_EQ(len->done_reason, DoneReason::kLength);
  auto refusal =
      DecodeMessagesResponse(R"({"type":"message","content":[],"stop_reason":"refusal"})");
  ASSERT_TRUE(refusal.ok());
  EXPECT_EQ(refusal->done_reason, DoneReason::kError);
  EXPECT_EQ(refusal->error.upstream().kind, "content_policy");
  EXPECT_EQ(DecodeMessagesResponse("{\"content\":{}}").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodeMessagesResponse("not json").status().code(), StatusCode::kDataLoss);
}

struct Ev {
  const char* name;
  const char* data;
};

std::vector<chat::Chunk> FeedAll(MessageStreamDecoder& d, const std::vector<Ev>& events,
                                 Status* last) {
  std::vector<chat::Chunk> out;
  for (const auto& e : events) {
    *last = d.Feed(e.name, e.data, out);
    if (!last->ok()) break;
  }
  return out;
}

TEST(AnthropicClientStreamTest, TextThinkingToolUseAndStop) {
  MessageStreamDecoder d;
  Status s;
  auto out = FeedAll(
      d,
      {{"message_start",
        R"({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_read_input_tokens":10,"output_tokens":1}}})"},
       {"content_block_start",
        R"({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}})"},
       {"content_block_delta",
        R"({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me think"}})"},
       {"content_block_delta",
        R"({"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQB"}})"},
       {"content_block_stop", R"({"type":"content_block_stop","index":0})"},
       {"ping", R"({"type": "ping"})"},
       {"content_block_start",
        R"({"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}})"},
       {"content_block_delta",
        R"({"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Okay"}})"},
       {"content_block_stop", R"({"type":"content_block_stop","index":1})"},
       {"content_block_start",
        R"({"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_01T1","name":"get_weather","input":{}}})"},
       {"content_block_delta",
        R"({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":""}})"},
       {"content_block_delta",
        R"({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"location\": \"San Fra"}})"},
       {"content_block_delta",
        R"({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"ncisco, CA\"}"}})"},
       {"content_block_stop", R"({"type":"content_block_stop","index":2})"},
       {"message_delta",
        R"({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}})"},
       {"message_stop", R"({"type":"message_stop"})"}},
      &s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].thinking, "Let me think");
  EXPECT_EQ(out[1].content, "Okay");
  ASSERT_EQ(out[2].tool_calls.size(), 1u);
  EXPECT_EQ(out[2].tool_calls[0].id, "toolu_01T1");
  EXPECT_EQ(out[2].tool_calls[0].arguments_json, R"({"location":"San Francisco, CA"})");
  EXPECT_TRUE(out[3].done);
  EXPECT_EQ(out[3].done_reason, DoneReason::kStop);
  EXPECT_EQ(out[3].usage.prompt_tokens, 35);
  EXPECT_EQ(out[3].usage.cached_tokens, 10);
  EXPECT_EQ(out[3].usage.completion_tokens, 89);
  EXPECT_EQ(out[3].model, "claude-sonnet-4-5");
  std::vector<chat::Chunk> none;
  EXPECT_TRUE(d.Finish(none).ok());
  EXPECT_TRUE(none.empty());
}

TEST(AnthropicClientStreamTest, EventNameFromPayloadAndErrors) {
  MessageStreamDecoder d;
  std::vector<chat::Chunk> out;
  ASSERT_TRUE(
      d.Feed(
           "",
           R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":"Hi"}})",
           out)
          .ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].content, "Hi");
  Status s =
      d.Feed("error",
             R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})", out);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.upstream().kind, "overloaded");
  EXPECT_EQ(s.upstream().http_status, 529);
  EXPECT_NE(s.message().find("Overloaded"), std::string::npos);

  MessageStreamDecoder t;
  Status st;
  auto partial = FeedAll(
      t,
      {{"message_start",
        R"({"type":"message_start","message":{"model":"c","usage":{"input_tokens":3}}})"},
       {"content_block_delta",
        R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"par"}})"}},
      &st);
  ASSERT_TRUE(st.ok());
  Status fin = t.Finish(partial);
  EXPECT_EQ(fin.code(), StatusCode::kDataLoss);
  EXPECT_NE(fin.message().find("truncated"), std::string::npos);

  MessageStreamDecoder m;
  EXPECT_EQ(m.Feed("content_block_delta", "{\"delta\":", out).code(), StatusCode::kDataLoss);
  EXPECT_EQ(m.Feed("content_block_delta",
                   R"({"index":7,"delta":{"type":"input_json_delta","partial_json":"{"}})", out)
                .code(),
            StatusCode::kDataLoss);
}

TEST(AnthropicClientErrorTest, KindsAndCodes) {
  Status s = DecodeError(
      400,
      R"({"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 208310 tokens > 200000 maximum"},"request_id":"req_1"})",
      "");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.upstream().kind, "context_length");
  EXPECT_NE(s.message().find("208310 tokens > 200000 maximum"), std::string::npos);
  s = DecodeError(
      529, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})", "");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.upstream().kind, "overloaded");
  s = DecodeError(
      429,
      R"({"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}})",
      "Wed, 21 Oct 2015 07:28:00 GMT");
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.upstream().kind, "rate_limit");
  EXPECT_EQ(s.upstream().retry_after_ms, 0);  // a date long past
  EXPECT_EQ(
      DecodeError(
          401,
          R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})",
          "")
          .code(),
      StatusCode::kPermissionDenied);
  EXPECT_EQ(DecodeError(500, "{}", "3").upstream().retry_after_ms, 3000);
}

}  // namespace
}  // namespace hearth::api::anthropic
