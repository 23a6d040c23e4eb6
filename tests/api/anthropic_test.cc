// Anthropic Messages wire format: request parsing, golden events and message objects.
#include "api/anthropic/anthropic.h"

#include <gtest/gtest.h>

namespace hearth::api::anthropic {
namespace {

Json J(const char* text) { return Json::parse(text); }

TEST(AnthropicParseTest, MessagesToolsAndSystem) {
  auto p = ParseMessages(J(R"({"model":"m","max_tokens":100,"stream":true,
      "system":[{"type":"text","text":"be brief"}],
      "stop_sequences":["END"],"temperature":0.1,"top_k":5,
      "tools":[{"name":"get_weather","description":"d","input_schema":{"type":"object"}}],
      "tool_choice":{"type":"tool","name":"get_weather"},
      "messages":[{"role":"user","content":"weather?"},
        {"role":"assistant","content":[{"type":"text","text":"let me see"},
           {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}]},
        {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"sunny"}]},
           {"type":"text","text":"thanks"}]}]})"));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const chat::Request& r = p->request;
  EXPECT_TRUE(p->stream);
  ASSERT_EQ(r.messages.size(), 5u);
  EXPECT_EQ(r.messages[0].role, "system");
  EXPECT_EQ(r.messages[0].content, "be brief");
  EXPECT_EQ(r.messages[2].content, "let me see");
  ASSERT_EQ(r.messages[2].tool_calls.size(), 1u);
  EXPECT_EQ(r.messages[2].tool_calls[0].arguments_json, R"({"city":"Paris"})");
  EXPECT_EQ(r.messages[3].role, "tool");
  EXPECT_EQ(r.messages[3].content, "sunny");
  EXPECT_EQ(r.messages[3].tool_name, "get_weather");
  EXPECT_EQ(r.messages[3].tool_call_id, "toolu_1");
  EXPECT_EQ(r.messages[4].content, "thanks");
  ASSERT_EQ(r.tools.size(), 1u);
  EXPECT_EQ(r.tool_choice.mode, chat::ToolChoice::Mode::kFunction);
  EXPECT_EQ(r.options.front().first, "num_predict");
  EXPECT_EQ(r.options.front().second.i, 100);
}

TEST(AnthropicParseTest, Errors) {
  EXPECT_EQ(ParseMessages(J(R"({"model":"m","messages":[{"role":"user","content":"x"}]})"))
                .status()
                .message(),
            "missing field 'max_tokens'");
  EXPECT_EQ(ParseMessages(
                J(R"({"model":"m","max_tokens":"9","messages":[{"role":"user","content":"x"}]})"))
                .status()
                .message(),
            "invalid type for field 'max_tokens': expected integer, got string");
  EXPECT_EQ(
      ParseMessages(
          J(R"({"model":"m","max_tokens":9,"messages":[{"role":"user","content":[{"type":"tool_use","id":"a","name":"f","input":"{}"}]}]})"))
          .status()
          .message(),
      "invalid type for field 'messages[0].content[0].input': expected object, got string");
  EXPECT_EQ(ParseMessages(
                J(R"({"model":"m","max_tokens":9,"messages":[{"role":"system","content":"x"}]})"))
                .status()
                .message(),
            "invalid value for field 'messages[0].role': \"system\" (expected user or assistant)");
  EXPECT_EQ(
      ParseMessages(
          J(R"({"model":"m","max_tokens":9,"messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"any"}})"))
          .status()
          .message(),
      "invalid value for field 'tool_choice': \"any\" needs at least one tool");
}

TEST(AnthropicParseTest, CountTokensNeedsNoMaxTokens) {
  auto r = ParseCountTokens(J(R"({"model":"m","system":[{"type":"text","text":"be brief"}],
      "messages":[{"role":"user","content":"Hi"}],"temperature":0.5,"stop_sequences":["x"],
      "tools":[{"name":"f","input_schema":{"type":"object"}}],"tool_choice":{"type":"any"},
      "thinking":{"type":"disabled"}})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->kind, chat::RequestKind::kChat);
  EXPECT_EQ(r->model, "m");
  ASSERT_EQ(r->messages.size(), 2u);
  EXPECT_EQ(r->messages[0].role, "system");
  EXPECT_EQ(r->messages[0].content, "be brief");
  EXPECT_EQ(r->messages[1].content, "Hi");
  ASSERT_EQ(r->tools.size(), 1u);
  EXPECT_EQ(r->tool_choice.mode, chat::ToolChoice::Mode::kRequired);
  EXPECT_TRUE(r->think.set && !r->think.enabled);
  EXPECT_TRUE(r->options.empty());  // sampling changes nothing in the prompt
  // max_tokens may come along; counting ignores it.
  EXPECT_TRUE(
      ParseCountTokens(J(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}]})"))
          .ok());
  EXPECT_EQ(ParseCountTokens(J(R"({"model":"m"})")).status().message(),
            "missing field 'messages'");
  EXPECT_EQ(ParseCountTokens(J(R"({"messages":[{"role":"user","content":"x"}]})"))
                .status()
                .message(),
            "missing field 'model'");
  EXPECT_EQ(
      ParseCountTokens(J(R"({"model":"m","system":7,"messages":[{"role":"user","content":"x"}]})"))
          .status()
          .message(),
      "invalid type for field 'system': expected string or array, got number");
  EXPECT_EQ(CountTokensJson(42), R"({"input_tokens":42})");
}

TEST(AnthropicResponseTest, StreamEventsGolden) {
  MessageStream s("msg_1", "m");
  chat::Chunk a;
  a.content = "Hi";
  auto ev = s.Encode(a);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].name, "message_start");
  EXPECT_EQ(
      ev[0].data,
      R"({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant",)"
      R"("model":"m","content":[],"stop_reason":null,"stop_sequence":null,)"
      R"("usage":{"input_tokens":0,"output_tokens":0}}})");
  EXPECT_EQ(
      ev[1].data,
      R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})");
  EXPECT_EQ(
      ev[2].data,
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}})");
  chat::Chunk t;
  t.tool_calls.push_back({"toolu_1", "f", R"({"x":1})"});
  ev = s.Encode(t);
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[0].data, R"({"type":"content_block_stop","index":0})");
  EXPECT_EQ(ev[1].data,
            R"({"type":"content_block_start","index":1,"content_block":{"type":"tool_use",)"
            R"("id":"toolu_1","name":"f","input":{}}})");
  EXPECT_EQ(ev[2].data,
            R"({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta",)"
            R"("partial_json":"{\"x\":1}"}})");
  EXPECT_EQ(ev[3].name, "content_block_stop");
  chat::Chunk done;
  done.done = true;
  done.usage.prompt_tokens = 3;
  done.usage.completion_tokens = 4;
  ev = s.Encode(done);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].data,
            R"({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},)"
            R"("usage":{"input_tokens":3,"output_tokens":4}})");
  EXPECT_EQ(ev[1].name, "message_stop");
}

TEST(AnthropicResponseTest, MessageAndErrorGolden) {
  chat::Chunk f;
  f.content = "Hello";
  f.done = true;
  f.done_reason = chat::DoneReason::kLength;
  f.usage.prompt_tokens = 2;
  f.usage.completion_tokens = 1;
  EXPECT_EQ(MessageJson("msg_1", "m", f),
            R"({"id":"msg_1","type":"message","role":"assistant","model":"m",)"
            R"("content":[{"type":"text","text":"Hello"}],"stop_reason":"max_tokens",)"
            R"("stop_sequence":null,"usage":{"input_tokens":2,"output_tokens":1}})");
  f.content.clear();
  f.done_reason = chat::DoneReason::kStop;
  f.tool_calls.push_back({"toolu_2", "f", R"({"b":2,"a":1})"});
  const Json j = Json::parse(MessageJson("msg_1", "m", f));
  EXPECT_EQ(j["stop_reason"], "tool_use");
  ASSERT_EQ(j["content"].size(), 1u);
  EXPECT_EQ(j["content"][0]["input"], J(R"({"a":1,"b":2})"));
  EXPECT_EQ(ErrorJson(404, "nope"),
            R"({"type":"error","error":{"type":"not_found_error","message":"nope"}})");
  EXPECT_EQ(Json::parse(ErrorJson(503, "busy"))["error"]["type"], "overloaded_error");
}

}  // namespace
}  // namespace hearth::api::anthropic
