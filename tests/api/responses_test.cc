// OpenAI Responses API wire format: request parsing (input items, tools, text.format,
// reasoning, the stateless refusals) and golden response objects and stream events.
#include "api/openai/responses.h"

#include <gtest/gtest.h>

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

TEST(ResponsesParseTest, StringInputAndSettings) {
  auto p = ParseResponses(J(R"({"model":"m","input":"Tell me a story","instructions":"Be brief",
      "max_output_tokens":16,"temperature":0,"top_p":0.5,"stream":true,"store":false,
      "text":{"format":{"type":"json_schema","name":"s","schema":{"type":"object"},"strict":true}},
      "reasoning":{"effort":"minimal"},"include":[],"parallel_tool_calls":false,"metadata":{}})"));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const chat::Request& r = p->request;
  EXPECT_TRUE(p->stream);
  EXPECT_EQ(r.kind, chat::RequestKind::kChat);
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[0].role, "system");
  EXPECT_EQ(r.messages[0].content, "Be brief");
  EXPECT_EQ(r.messages[1].role, "user");
  EXPECT_EQ(r.messages[1].content, "Tell me a story");
  ASSERT_NE(Opt(r, "num_predict"), nullptr);
  EXPECT_EQ(Opt(r, "num_predict")->second.i, 16);
  ASSERT_NE(Opt(r, "temperature"), nullptr);
  EXPECT_EQ(Opt(r, "temperature")->second.f, 0.0);
  EXPECT_EQ(Opt(r, "top_p")->second.f, 0.5);
  EXPECT_EQ(r.format.kind, chat::OutputFormat::Kind::kJsonSchema);
  EXPECT_EQ(r.format.text, R"({"type":"object"})");
  EXPECT_TRUE(r.think.set && r.think.enabled);
  EXPECT_EQ(r.think.level, "low");
  EXPECT_TRUE(r.truncate);
  EXPECT_EQ(p->echo.instructions.value_or(""), "Be brief");
  EXPECT_EQ(Dump(p->echo.text_format),
            R"({"type":"json_schema","name":"s","schema":{"type":"object"},"strict":true})");
  EXPECT_EQ(Dump(p->echo.reasoning), R"({"effort":"minimal","summary":null})");
  EXPECT_EQ(p->echo.max_output_tokens.value_or(0), 16);

  auto none = ParseResponses(J(R"({"model":"m","input":"x","reasoning":{"effort":"none"},
      "text":{"format":{"type":"json_object"}},"truncation":"disabled"})"));
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->request.think.set && !none->request.think.enabled);
  EXPECT_EQ(none->request.format.kind, chat::OutputFormat::Kind::kJson);
  EXPECT_FALSE(none->request.truncate);
  EXPECT_FALSE(none->stream);
  EXPECT_FALSE(none->echo.temperature.has_value());
}

TEST(ResponsesParseTest, InputItemsBecomeAConversation) {
  auto p = ParseResponses(J(R"({"model":"m","input":[
      {"role":"developer","content":"sys"},
      {"type":"message","role":"user","content":[{"type":"input_text","text":"a"},
          {"type":"input_text","text":"b"},
          {"type":"input_image","image_url":"data:image/png;base64,aGk=","detail":"auto"}]},
      {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"think"}]},
      {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Let me check."}]},
      {"type":"function_call","call_id":"call_7","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
      {"type":"function_call","call_id":"call_8","name":"get_time","arguments":""},
      {"type":"function_call_output","call_id":"call_7","output":"sunny"},
      {"type":"function_call_output","call_id":"call_8","output":[{"type":"input_text","text":"noon"}]},
      {"role":"user","content":"thanks"}],
      "tools":[{"type":"function","name":"get_weather","description":"Weather",
                "parameters":{"type":"object","properties":{"city":{"type":"string"}}},"strict":true},
               {"type":"function","name":"get_time"}],
      "tool_choice":{"type":"function","name":"get_weather"}})"));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const chat::Request& r = p->request;
  ASSERT_EQ(r.messages.size(), 6u);
  EXPECT_EQ(r.messages[0].role, "system");
  EXPECT_EQ(r.messages[0].content, "sys");
  EXPECT_EQ(r.messages[1].role, "user");
  EXPECT_EQ(r.messages[1].content, "ab");
  ASSERT_EQ(r.images.size(), 1u);
  EXPECT_EQ(r.images[0], "hi");
  // The reasoning, the text and both calls are one assistant turn.
  EXPECT_EQ(r.messages[2].role, "assistant");
  EXPECT_EQ(r.messages[2].thinking, "think");
  EXPECT_EQ(r.messages[2].content, "Let me check.");
  ASSERT_EQ(r.messages[2].tool_calls.size(), 2u);
  EXPECT_EQ(r.messages[2].tool_calls[0].id, "call_7");
  EXPECT_EQ(r.messages[2].tool_calls[0].name, "get_weather");
  EXPECT_EQ(r.messages[2].tool_calls[0].arguments_json, R"({"city":"Paris"})");
  EXPECT_EQ(r.messages[2].tool_calls[1].arguments_json, "{}");
  EXPECT_EQ(r.messages[3].role, "tool");
  EXPECT_EQ(r.messages[3].tool_call_id, "call_7");
  EXPECT_EQ(r.messages[3].tool_name, "get_weather");
  EXPECT_EQ(r.messages[3].content, "sunny");
  EXPECT_EQ(r.messages[4].tool_name, "get_time");
  EXPECT_EQ(r.messages[4].content, "noon");
  EXPECT_EQ(r.messages[5].content, "thanks");
  ASSERT_EQ(r.tools.size(), 2u);
  EXPECT_EQ(r.tools[0].name, "get_weather");
  EXPECT_EQ(r.tools[0].description, "Weather");
  EXPECT_EQ(r.tools[0].parameters_json,
            R"({"properties":{"city":{"type":"string"}},"type":"object"})");
  EXPECT_EQ(r.tools[1].parameters_json, R"({"type":"object","properties":{}})");
  EXPECT_EQ(r.tool_choice.mode, chat::ToolChoice::Mode::kFunction);
  EXPECT_EQ(r.tool_choice.function, "get_weather");
  EXPECT_EQ(Dump(p->echo.tool_choice), R"({"type":"function","name":"get_weather"})");
  ASSERT_EQ(p->echo.tools.size(), 2u);
  EXPECT_EQ(Dump(p->echo.tools[1]),
            R"({"type":"function","name":"get_time","description":null,"parameters":null,)"
            R"("strict":null})");

  auto required = ParseResponses(J(R"({"model":"m","input":"x","tool_choice":"required",
      "tools":[{"type":"function","name":"f","parameters":{"type":"object"}}]})"));
  ASSERT_TRUE(required.ok()) << required.status().ToString();
  EXPECT_EQ(required->request.tool_choice.mode, chat::ToolChoice::Mode::kRequired);
  EXPECT_EQ(Dump(required->echo.tool_choice), R"("required")");
}

TEST(ResponsesParseTest, ErrorsNameTheField) {
  struct Case {
    const char* body;
    const char* error;
  } cases[] = {
      {R"({"input":"x"})", "missing field 'model'"},
      {R"({"model":"m"})", "missing field 'input'"},
      {R"({"model":"m","input":[]})", "invalid value for field 'input': must not be empty"},
      {R"({"model":"m","input":7})",
       "invalid type for field 'input': expected string or array, got number"},
      {R"({"model":"m","input":"x","previous_response_id":"resp_1"})",
       "invalid value for field 'previous_response_id': not supported: /v1/responses is "
       "stateless here; send the whole conversation in 'input'"},
      {R"({"model":"m","input":"x","conversation":"conv_1"})",
       "invalid value for field 'conversation': not supported: /v1/responses is stateless "
       "here; send the whole conversation in 'input'"},
      {R"({"model":"m","input":"x","store":true})",
       "invalid value for field 'store': true is not supported: /v1/responses is stateless "
       "here (send false or leave it out)"},
      {R"({"model":"m","input":"x","background":true})",
       "invalid value for field 'background': true is not supported"},
      {R"({"model":"m","input":[{"type":"item_reference","id":"msg_1"}]})",
       "invalid value for field 'input[0].type': not supported: /v1/responses is stateless "
       "here; send the whole conversation in 'input'"},
      {R"({"model":"m","input":[{"type":"web_search_call"}]})",
       "invalid value for field 'input[0].type': unsupported input item type "
       "\"web_search_call\" (expected message, function_call, function_call_output or "
       "reasoning)"},
      {R"({"model":"m","input":[{"content":"x"}]})", "missing field 'input[0].type'"},
      {R"({"model":"m","input":[{"role":"tool","content":"x"}]})",
       "invalid value for field 'input[0].role': \"tool\" (expected user, system, developer or "
       "assistant)"},
      {R"({"model":"m","input":[{"role":"user","content":[{"type":"input_file","file_id":"f"}]}]})",
       "invalid value for field 'input[0].content[0].type': unsupported content part type "
       "\"input_file\" (expected input_text, output_text or input_image)"},
      {R"({"model":"m","input":[{"role":"user","content":[{"type":"input_image","image_url":"https://x/y.png"}]}]})",
       "invalid value for field 'input[0].content[0].image_url': only base64 data URLs are "
       "supported (data:image/png;base64,...)"},
      {R"({"model":"m","input":[{"type":"function_call","call_id":"c","name":"f","arguments":"[1]"}]})",
       "invalid value for field 'input[0].arguments': must be a string holding a JSON object"},
      {R"({"model":"m","input":[{"type":"function_call_output","output":"x"}]})",
       "missing field 'input[0].call_id'"},
      {R"({"model":"m","input":"x","tools":[{"type":"web_search"}]})",
       "invalid value for field 'tools[0].type': \"web_search\" (only function tools are "
       "supported)"},
      {R"({"model":"m","input":"x","tools":[{"type":"function","function":{"name":"f"}}]})",
       "missing field 'tools[0].name'"},
      {R"({"model":"m","input":"x","tool_choice":"required"})",
       "invalid value for field 'tool_choice': \"required\" needs at least one tool in 'tools'"},
      {R"({"model":"m","input":"x","tools":[{"type":"function","name":"f"}],"tool_choice":{"type":"function","name":"g"}})",
       "invalid value for field 'tool_choice.name': no tool named \"g\" in 'tools'"},
      {R"({"model":"m","input":"x","text":{"format":{"type":"yaml"}}})",
       "invalid value for field 'text.format.type': \"yaml\" (expected text, json_object or "
       "json_schema)"},
      {R"({"model":"m","input":"x","text":{"format":{"type":"json_schema"}}})",
       "missing field 'text.format.schema'"},
      {R"({"model":"m","input":"x","reasoning":{"effort":"huge"}})",
       "invalid value for field 'reasoning.effort': \"huge\" (expected none, minimal, low, "
       "medium or high)"},
      {R"({"model":"m","input":"x","max_output_tokens":0})",
       "invalid value for field 'max_output_tokens': must be at least 1"},
      {R"({"model":"m","input":"x","temperature":"hot"})",
       "invalid type for field 'temperature': expected number, got string"},
      {R"({"model":"m","input":"x","truncation":"sometimes"})",
       "invalid value for field 'truncation': \"sometimes\" (expected auto or disabled)"},
      {R"({"model":"m","input":"x","top_logprobs":3})",
       "invalid value for field 'top_logprobs': is not supported"},
  };
  for (const auto& c : cases) {
    auto r = ParseResponses(J(c.body));
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.status().message(), c.error) << c.body;
  }
}

chat::Chunk Done(chat::DoneReason reason = chat::DoneReason::kStop) {
  chat::Chunk c;
  c.done = true;
  c.done_reason = reason;
  c.usage.prompt_tokens = 5;
  c.usage.completion_tokens = 3;
  return c;
}

const ResponsesMeta kMeta{"resp_abc", 1700000000, "m"};

TEST(ResponsesResponseTest, FoldedObjectGolden) {
  chat::Chunk f = Done();
  f.content = "Hello";
  EXPECT_EQ(
      ResponseJson(kMeta, ResponsesEcho{}, f, 1700000002),
      R"({"id":"resp_abc","object":"response","created_at":1700000000,"status":"completed",)"
      R"("background":false,"completed_at":1700000002,"error":null,"incomplete_details":null,)"
      R"("instructions":null,"max_output_tokens":null,"max_tool_calls":null,"model":"m",)"
      R"("output":[{"id":"msg_abc","type":"message","status":"completed","role":"assistant",)"
      R"("content":[{"type":"output_text","text":"Hello","annotations":[],"logprobs":[]}]}],)"
      R"("parallel_tool_calls":true,"previous_response_id":null,"reasoning":null,)"
      R"("service_tier":"default","store":false,"temperature":null,)"
      R"("text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[],"top_logprobs":0,)"
      R"("top_p":null,"truncation":"auto","usage":{"input_tokens":5,)"
      R"("input_tokens_details":{"cached_tokens":0},"output_tokens":3,)"
      R"("output_tokens_details":{"reasoning_tokens":0},"total_tokens":8},"user":null,)"
      R"("metadata":{}})");

  // Thinking, then tool calls (no text): reasoning item and function_call items, no message.
  chat::Chunk calls = Done();
  calls.thinking = "hmm";
  calls.tool_calls.push_back({"call_1", "f", R"({"x":1})"});
  calls.tool_calls.push_back({"", "g", "{}"});
  ResponsesEcho echo;
  echo.temperature = 0;
  echo.max_output_tokens = 9;
  const Json j = Json::parse(ResponseJson(kMeta, echo, calls, 1700000002));
  ASSERT_EQ(j["output"].size(), 3u);
  EXPECT_EQ(j["output"][0], J(R"({"id":"rs_abc","type":"reasoning",
      "summary":[{"type":"summary_text","text":"hmm"}]})"));
  EXPECT_EQ(j["output"][1], J(R"({"id":"fc_abc_0","type":"function_call","status":"completed",
      "arguments":"{\"x\":1}","call_id":"call_1","name":"f"})"));
  EXPECT_EQ(j["output"][2]["call_id"], "call_1");  // no id from the backend: numbered
  EXPECT_EQ(j["output"][2]["name"], "g");
  EXPECT_EQ(j["temperature"], 0.0);
  EXPECT_EQ(j["max_output_tokens"], 9);

  // The token limit: incomplete.
  chat::Chunk cut = Done(chat::DoneReason::kLength);
  cut.content = "Once";
  const Json k = Json::parse(ResponseJson(kMeta, echo, cut, 1700000002));
  EXPECT_EQ(k["status"], "incomplete");
  EXPECT_EQ(k["incomplete_details"], J(R"({"reason":"max_output_tokens"})"));
  EXPECT_EQ(k["completed_at"], nullptr);
  EXPECT_EQ(k["output"][0]["status"], "incomplete");
  EXPECT_EQ(k["output"][0]["content"][0]["text"], "Once");
}

std::vector<std::string> Types(const std::vector<ResponsesEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.type);
  return out;
}

TEST(ResponsesResponseTest, StreamEventsGolden) {
  ResponsesStream s(kMeta, ResponsesEcho{});
  chat::Chunk a;
  a.content = "Hel";
  auto ev = s.Encode(a, 0);
  EXPECT_EQ(Types(ev), (std::vector<std::string>{"response.created", "response.in_progress",
                                                  "response.output_item.added",
                                                  "response.content_part.added",
                                                  "response.output_text.delta"}));
  const Json created = Json::parse(ev[0].data);
  EXPECT_EQ(created["type"], "response.created");
  EXPECT_EQ(created["sequence_number"], 0);
  EXPECT_EQ(created["response"]["status"], "in_progress");
  EXPECT_EQ(created["response"]["output"], Json::array());
  EXPECT_EQ(created["response"]["usage"], nullptr);
  EXPECT_EQ(ev[2].data,
            R"({"type":"response.output_item.added","output_index":0,"item":{"id":"msg_abc",)"
            R"("type":"message","status":"in_progress","role":"assistant","content":[]},)"
            R"("sequence_number":2})");
  EXPECT_EQ(ev[3].data,
            R"({"type":"response.content_part.added","item_id":"msg_abc","output_index":0,)"
            R"("content_index":0,"part":{"type":"output_text","text":"","annotations":[],)"
            R"("logprobs":[]},"sequence_number":3})");
  EXPECT_EQ(ev[4].data,
            R"({"type":"response.output_text.delta","item_id":"msg_abc","output_index":0,)"
            R"("content_index":0,"delta":"Hel","logprobs":[],"sequence_number":4})");
  chat::Chunk b;
  b.content = "lo";
  ev = s.Encode(b, 0);
  ASSERT_EQ(Types(ev), (std::vector<std::string>{"response.output_text.delta"}));
  EXPECT_EQ(Json::parse(ev[0].data)["sequence_number"], 5);
  ev = s.Encode(Done(), 1700000003);
  EXPECT_EQ(Types(ev), (std::vector<std::string>{"response.output_text.done",
                                                  "response.content_part.done",
                                                  "response.output_item.done",
                                                  "response.completed"}));
  EXPECT_EQ(ev[0].data,
            R"({"type":"response.output_text.done","item_id":"msg_abc","output_index":0,)"
            R"("content_index":0,"text":"Hello","logprobs":[],"sequence_number":6})");
  const Json done = Json::parse(ev[2].data);
  EXPECT_EQ(done["item"]["status"], "completed");
  EXPECT_EQ(done["item"]["content"][0]["text"], "Hello");
  const Json completed = Json::parse(ev[3].data);
  EXPECT_EQ(completed["sequence_number"], 9);
  EXPECT_EQ(completed["response"]["status"], "completed");
  EXPECT_EQ(completed["response"]["completed_at"], 1700000003);
  EXPECT_EQ(completed["response"]["output"].size(), 1u);
  EXPECT_EQ(completed["response"]["output"][0], done["item"]);
  EXPECT_EQ(completed["response"]["usage"]["total_tokens"], 8);
  // The streamed response object equals the folded one.
  chat::Chunk folded = Done();
  folded.content = "Hello";
  EXPECT_EQ(completed["response"],
            Json::parse(ResponseJson(kMeta, ResponsesEcho{}, folded, 1700000003)));
}

TEST(ResponsesResponseTest, StreamReasoningToolCallsAndIncomplete) {
  ResponsesStream s(kMeta, ResponsesEcho{});
  chat::Chunk t;
  t.thinking = "hm";
  auto ev = s.Encode(t, 0);
  EXPECT_EQ(Types(ev), (std::vector<std::string>{"response.created", "response.in_progress",
                                                  "response.output_item.added",
                                                  "response.reasoning_summary_part.added",
                                                  "response.reasoning_summary_text.delta"}));
  EXPECT_EQ(ev[4].data,
            R"({"type":"response.reasoning_summary_text.delta","item_id":"rs_abc",)"
            R"("output_index":0,"summary_index":0,"delta":"hm","sequence_number":4})");
  chat::Chunk call;
  call.tool_calls.push_back({"call_1", "f", R"({"x":1})"});
  ev = s.Encode(call, 0);
  EXPECT_EQ(Types(ev),
            (std::vector<std::string>{
                "response.reasoning_summary_text.done", "response.reasoning_summary_part.done",
                "response.output_item.done", "response.output_item.added",
                "response.function_call_arguments.delta", "response.function_call_arguments.done",
                "response.output_item.done"}));
  EXPECT_EQ(ev[3].data,
            R"({"type":"response.output_item.added","output_index":1,"item":{"id":"fc_abc_0",)"
            R"("type":"function_call","status":"in_progress","arguments":"","call_id":"call_1",)"
            R"("name":"f"},"sequence_number":8})");
  EXPECT_EQ(ev[5].data,
            R"({"type":"response.function_call_arguments.done","item_id":"fc_abc_0",)"
            R"("output_index":1,"name":"f","arguments":"{\"x\":1}","sequence_number":10})");
  ev = s.Encode(Done(chat::DoneReason::kLength), 5);
  ASSERT_EQ(Types(ev), (std::vector<std::string>{"response.incomplete"}));
  const Json r = Json::parse(ev[0].data)["response"];
  EXPECT_EQ(r["status"], "incomplete");
  EXPECT_EQ(r["incomplete_details"]["reason"], "max_output_tokens");
  ASSERT_EQ(r["output"].size(), 2u);
  EXPECT_EQ(r["output"][0]["type"], "reasoning");
  EXPECT_EQ(r["output"][0]["summary"][0]["text"], "hm");
  EXPECT_EQ(r["output"][1]["type"], "function_call");
}

TEST(ResponsesResponseTest, EmptyAnswerAndFailure) {
  ResponsesStream empty(kMeta, ResponsesEcho{});
  auto ev = empty.Encode(Done(), 1);
  EXPECT_EQ(Types(ev), (std::vector<std::string>{
                           "response.created", "response.in_progress",
                           "response.output_item.added", "response.content_part.added",
                           "response.output_text.done", "response.content_part.done",
                           "response.output_item.done", "response.completed"}));

  ResponsesStream broken(kMeta, ResponsesEcho{});
  chat::Chunk a;
  a.content = "x";
  broken.Encode(a, 0);
  ev = broken.Fail(Internal("decode failed"));
  EXPECT_EQ(Types(ev), (std::vector<std::string>{
                           "response.output_text.done", "response.content_part.done",
                           "response.output_item.done", "response.failed"}));
  const Json failed = Json::parse(ev[3].data);
  EXPECT_EQ(failed["response"]["status"], "failed");
  EXPECT_EQ(failed["response"]["error"], J(R"({"code":"server_error","message":"decode failed"})"));
  EXPECT_EQ(Json::parse(ev[2].data)["item"]["status"], "incomplete");
}

}  // namespace
}  // namespace hearth::api::openai
