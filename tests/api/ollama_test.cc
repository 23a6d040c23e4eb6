// Ollama wire format: request parsing (strict types, defaults, validations) and golden response
// JSON for /api/generate, /api/chat, /api/embed, /api/embeddings and /api/ps.
#include "api/ollama/ollama.h"

#include <gtest/gtest.h>

namespace hearth::api::ollama {
namespace {

Json J(const char* text) { return Json::parse(text); }

TEST(OllamaParseTest, GenerateFieldsAndDefaults) {
  auto p = ParseGenerate(J(R"({"model":"m","prompt":"p","suffix":"s","system":"sys",
      "template":"{{ .Prompt }}","format":"json","keep_alive":"10m","think":"high",
      "logprobs":true,"top_logprobs":3,"context":[1,2],"unknown_field":1,
      "options":{"temperature":0.5,"num_ctx":8192.0,"stop":["a","b"],"mirostat":1,"use_mmap":true}})"));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const chat::Request& r = p->request;
  EXPECT_TRUE(p->stream);  // default on
  EXPECT_EQ(r.kind, chat::RequestKind::kGenerate);
  EXPECT_EQ(r.model, "m");
  EXPECT_EQ(r.prompt, "p");
  EXPECT_EQ(r.suffix, "s");
  EXPECT_EQ(r.system, "sys");
  EXPECT_EQ(r.template_override, "{{ .Prompt }}");
  EXPECT_EQ(r.format.kind, chat::OutputFormat::Kind::kJson);
  ASSERT_TRUE(r.keep_alive.has_value());
  EXPECT_EQ(r.keep_alive->count(), 600'000'000'000LL);
  EXPECT_TRUE(r.think.set && r.think.enabled);
  EXPECT_EQ(r.think.level, "high");
  EXPECT_TRUE(r.logprobs);
  EXPECT_EQ(r.top_logprobs, 3);
  // mirostat is deprecated and dropped; stop keeps its element order.
  ASSERT_EQ(r.options.size(), 5u);
  std::vector<std::string> stops;
  for (const auto& [name, value] : r.options) {
    if (name == "temperature") {
      EXPECT_FLOAT_EQ(static_cast<float>(value.f), 0.5f);
    } else if (name == "num_ctx") {
      EXPECT_EQ(value.i, 8192);
    } else if (name == "use_mmap") {
      EXPECT_TRUE(value.b);
    } else if (name == "stop") {
      stops.push_back(value.s);
    }
    EXPECT_NE(name, "mirostat");
  }
  EXPECT_EQ(stops, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.context, (std::vector<int32_t>{1, 2}));
}

TEST(OllamaParseTest, GenerateContextIds) {
  auto p = ParseGenerate(J(R"({"model":"m","prompt":"p","context":[0,2147483647,15]})"));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->request.context, (std::vector<int32_t>{0, 2147483647, 15}));
  struct Case {
    const char* body;
    const char* error;
  } cases[] = {
      {R"({"model":"m","context":"1,2"})",
       "invalid type for field 'context': expected array, got string"},
      {R"({"model":"m","context":[1,"2"]})",
       "invalid type for field 'context[1]': expected integer, got string"},
      {R"({"model":"m","context":[1.5]})",
       "invalid type for field 'context[0]': expected integer, got number"},
      {R"({"model":"m","context":[3,-1]})",
       "invalid value for field 'context[1]': not a token id"},
      {R"({"model":"m","context":[2147483648]})",
       "invalid value for field 'context[0]': not a token id"},
      {R"({"model":"m","raw":true,"prompt":"x","context":[1]})",
       "raw mode does not support template, system, or context"},
  };
  for (const auto& c : cases) {
    auto r = ParseGenerate(J(c.body));
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.status().message(), c.error) << c.body;
  }
  // An empty context with raw is no context.
  EXPECT_TRUE(ParseGenerate(J(R"({"model":"m","raw":true,"prompt":"x","context":[]})")).ok());
}

TEST(OllamaParseTest, WrongTypesNameTheField) {
  struct Case {
    const char* body;
    const char* error;
  } cases[] = {
      {R"({"model":"m","options":{"temperature":"hot"}})",
       "invalid type for field 'options.temperature': expected number, got string"},
      {R"({"model":"m","options":{"stop":"x"}})",
       "invalid type for field 'options.stop': expected array of strings, got string"},
      {R"({"model":"m","options":{"stop":["x",1]}})",
       "invalid type for field 'options.stop[1]': expected string, got number"},
      {R"({"model":"m","stream":"yes"})",
       "invalid type for field 'stream': expected boolean, got string"},
      {R"({"model":"m","prompt":7})",
       "invalid type for field 'prompt': expected string, got number"},
      {R"({"model":"m","options":[]})",
       "invalid type for field 'options': expected object, got array"},
      {R"({"model":"m","keep_alive":true})",
       "invalid type for field 'keep_alive': expected string or number, got boolean"},
      {R"({"model":"m","keep_alive":"soon"})",
       "invalid value for field 'keep_alive': \"soon\" is not a duration (e.g. \"5m\", \"1h\", "
       "\"-1\")"},
      {R"({"model":"m","think":"very"})",
       "invalid value for field 'think': \"very\" (must be true, false, \"low\", \"medium\", "
       "\"high\" or \"max\")"},
      {R"({"model":"m","format":"yaml"})",
       "invalid value for field 'format': \"yaml\" (expected \"json\" or a JSON schema object)"},
      {R"({"model":"m","top_logprobs":21})", "top_logprobs must be between 0 and 20"},
      {R"({"model":"m","top_logprobs":1.5})",
       "invalid type for field 'top_logprobs': expected integer, got number"},
      {R"({"prompt":"x"})", "model is required"},
      {R"({"model":"m","raw":true,"system":"s"})",
       "raw mode does not support template, system, or context"},
      {R"({"model":"m","images":["!!"]})",
       "invalid value for field 'images[0]': not valid base64 (length)"},
      {R"([1])", "request body must be a JSON object, got array"},
  };
  for (const auto& c : cases) {
    auto p = ParseGenerate(J(c.body));
    ASSERT_FALSE(p.ok()) << c.body;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(p.status().message(), c.error) << c.body;
  }
}

TEST(OllamaParseTest, KeepAliveForms) {
  auto ka = [](const char* body) {
    return ParseGenerate(J(body)).value().request.keep_alive->count();
  };
  EXPECT_EQ(ka(R"({"model":"m","keep_alive":0})"), 0);
  EXPECT_EQ(ka(R"({"model":"m","keep_alive":300})"), 300'000'000'000LL);
  EXPECT_EQ(ka(R"({"model":"m","keep_alive":"1h30m"})"), 5'400'000'000'000LL);
  EXPECT_EQ(ka(R"({"model":"m","keep_alive":"300"})"), 300'000'000'000LL);
  EXPECT_LT(ka(R"({"model":"m","keep_alive":-1})"), 0);
  EXPECT_LT(ka(R"({"model":"m","keep_alive":"-1m"})"), 0);
  EXPECT_EQ(ka(R"({"model":"m","keep_alive":"1.5s"})"), 1'500'000'000LL);
  EXPECT_EQ(ka(R"({"model":"m","keep_alive":"250ms"})"), 250'000'000LL);
  // A bare number of seconds past int64 nanoseconds is refused, not wrapped.
  EXPECT_FALSE(ParseGenerate(J(R"({"model":"m","keep_alive":"99999999999"})")).ok());
  EXPECT_FALSE(ParseGenerate(J(R"({"model":"m"})")).value().request.keep_alive.has_value());
}

TEST(OllamaParseTest, FormatSchemaImagesAndLoadOnly) {
  auto p = ParseGenerate(
      J(R"({"model":"m","format":{"type":"object"},"images":["aGk="],"stream":false})"));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_FALSE(p->stream);
  EXPECT_EQ(p->request.format.kind, chat::OutputFormat::Kind::kJsonSchema);
  EXPECT_EQ(p->request.format.text, R"({"type":"object"})");
  ASSERT_EQ(p->request.images.size(), 1u);
  EXPECT_EQ(p->request.images[0], "hi");
  EXPECT_FALSE(IsLoadOnly(p->request));  // an image is input

  auto load = ParseGenerate(J(R"({"model":"m"})")).value().request;
  EXPECT_TRUE(IsLoadOnly(load));
  EXPECT_STREQ(LoadDoneReason(load), "load");
  auto unload = ParseGenerate(J(R"({"model":"m","keep_alive":0})")).value().request;
  EXPECT_STREQ(LoadDoneReason(unload), "unload");
}

TEST(OllamaParseTest, ChatMessagesToolsAndToolResults) {
  auto p = ParseChat(J(R"({"model":"m","messages":[
      {"role":"system","content":"be brief"},
      {"role":"user","content":"weather?","images":["aGk="]},
      {"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"Paris","days":2}}}]},
      {"role":"tool","content":"sunny","tool_name":"get_weather"}],
      "tools":[{"type":"function","function":{"name":"get_weather","description":"d","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
      "think":false})"));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const chat::Request& r = p->request;
  EXPECT_EQ(r.kind, chat::RequestKind::kChat);
  ASSERT_EQ(r.messages.size(), 4u);
  EXPECT_EQ(r.messages[1].content, "weather?");
  ASSERT_EQ(r.images.size(), 1u);
  ASSERT_EQ(r.messages[2].tool_calls.size(), 1u);
  EXPECT_EQ(r.messages[2].tool_calls[0].name, "get_weather");
  EXPECT_EQ(r.messages[2].tool_calls[0].arguments_json, R"({"city":"Paris","days":2})");
  EXPECT_EQ(r.messages[3].role, "tool");
  EXPECT_EQ(r.messages[3].tool_name, "get_weather");
  ASSERT_EQ(r.tools.size(), 1u);
  EXPECT_EQ(r.tools[0].parameters_json,
            R"({"properties":{"city":{"type":"string"}},"type":"object"})");
  EXPECT_TRUE(r.think.set);
  EXPECT_FALSE(r.think.enabled);

  // /api tool-call arguments must be an object, not OpenAI's string.
  auto bad = ParseChat(J(
      R"({"model":"m","messages":[{"role":"assistant","tool_calls":[{"function":{"name":"f","arguments":"{}"}}]}]})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "invalid type for field 'messages[0].tool_calls[0].function.arguments': expected "
            "object, got string");
  auto bad_msg = ParseChat(J(R"({"model":"m","messages":[{"role":"user","content":["x"]}]})"));
  ASSERT_FALSE(bad_msg.ok());
  EXPECT_EQ(bad_msg.status().message(),
            "invalid type for field 'messages[0].content': expected string, got array");
  EXPECT_TRUE(IsLoadOnly(ParseChat(J(R"({"model":"m","messages":[]})")).value().request));
}

TEST(OllamaParseTest, EmbedInputs) {
  auto one = ParseEmbed(J(R"({"model":"e","input":"hello","truncate":false,"dimensions":8})"));
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->inputs, std::vector<std::string>{"hello"});
  EXPECT_FALSE(one->truncate);
  EXPECT_EQ(one->dimensions, 8);
  auto many = ParseEmbed(J(R"({"model":"e","input":["a","b"]})"));
  ASSERT_TRUE(many.ok());
  EXPECT_EQ(many->inputs.size(), 2u);
  EXPECT_TRUE(ParseEmbed(J(R"({"model":"e","input":""})")).value().inputs.empty());
  auto bad = ParseEmbed(J(R"({"model":"e","input":["a",3]})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "invalid type for field 'input[1]': expected string, got number");
  auto legacy = ParseEmbeddings(J(R"({"model":"e","prompt":"hi","options":{"num_ctx":512}})"));
  ASSERT_TRUE(legacy.ok());
  EXPECT_EQ(legacy->inputs, std::vector<std::string>{"hi"});
  ASSERT_EQ(legacy->options.size(), 1u);
}

chat::Chunk Done() {
  chat::Chunk c;
  c.done = true;
  c.usage.prompt_tokens = 5;
  c.usage.completion_tokens = 2;
  c.usage.total = std::chrono::nanoseconds(9000);
  c.usage.load = std::chrono::nanoseconds(1000);
  c.usage.prompt_eval = std::chrono::nanoseconds(3000);
  c.usage.eval = std::chrono::nanoseconds(4000);
  return c;
}

TEST(OllamaResponseTest, GenerateChunksGolden) {
  chat::Chunk c;
  c.content = "Hi";
  EXPECT_EQ(GenerateChunkJson(c, "m", "2024-01-01T00:00:00Z"),
            R"({"model":"m","created_at":"2024-01-01T00:00:00Z","response":"Hi","done":false})");
  EXPECT_EQ(GenerateChunkJson(Done(), "m", "T"),
            R"({"model":"m","created_at":"T","response":"","done":true,"done_reason":"stop",)"
            R"("total_duration":9000,"load_duration":1000,"prompt_eval_count":5,)"
            R"("prompt_eval_duration":3000,"eval_count":2,"eval_duration":4000})");
  chat::Chunk with_context = Done();
  with_context.context = {1, 15043, 29991};
  EXPECT_EQ(GenerateChunkJson(with_context, "m", "T"),
            R"({"model":"m","created_at":"T","response":"","done":true,"done_reason":"stop",)"
            R"("context":[1,15043,29991],"total_duration":9000,"load_duration":1000,)"
            R"("prompt_eval_count":5,"prompt_eval_duration":3000,"eval_count":2,)"
            R"("eval_duration":4000})");
  chat::Chunk load;
  load.done = true;
  EXPECT_EQ(GenerateChunkJson(load, "m", "T", "unload"),
            R"({"model":"m","created_at":"T","response":"","done":true,"done_reason":"unload"})");
  chat::Chunk len = Done();
  len.done_reason = chat::DoneReason::kLength;
  len.truncated = true;
  len.original_prompt_tokens = 900;
  const Json j = Json::parse(GenerateChunkJson(len, "m", "T"));
  EXPECT_EQ(j["done_reason"], "length");
  EXPECT_EQ(j["truncated"], true);
  EXPECT_EQ(j["original_prompt_eval_count"], 900);
}

TEST(OllamaResponseTest, ChatChunksGolden) {
  chat::Chunk c;
  c.content = "x";
  c.thinking = "hmm";
  EXPECT_EQ(ChatChunkJson(c, "m", "T"),
            R"({"model":"m","created_at":"T","message":{"role":"assistant","content":"x",)"
            R"("thinking":"hmm"},"done":false})");
  chat::Chunk t;
  t.tool_calls.push_back({"call_1", "get_weather", R"({"city":"Paris","a":1})"});
  EXPECT_EQ(ChatChunkJson(t, "m", "T"),
            R"({"model":"m","created_at":"T","message":{"role":"assistant","content":"",)"
            R"("tool_calls":[{"id":"call_1","function":{"index":0,"name":"get_weather",)"
            R"("arguments":{"city":"Paris","a":1}}}]},"done":false})");
  // The done line carries a message too (LangChain and the AI SDK need one).
  const Json done = Json::parse(ChatChunkJson(Done(), "m", "T"));
  EXPECT_EQ(done["message"]["content"], "");
  EXPECT_EQ(done["eval_count"], 2);
  chat::Chunk lp;
  lp.content = "a";
  lp.logprobs.push_back({"a", -0.5, {{"b", -1.0, {}}}});
  EXPECT_EQ(
      Json::parse(ChatChunkJson(lp, "m", "T"))["logprobs"],
      J(R"([{"token":"a","logprob":-0.5,"bytes":[97],"top_logprobs":[{"token":"b","logprob":-1.0,"bytes":[98]}]}])"));
}

TEST(OllamaResponseTest, EmbedAndPsGolden) {
  chat::EmbedResult e;
  e.embeddings = {{0.5f, -0.25f}, {1.0f, 0.0f}};
  e.usage.prompt_tokens = 4;
  e.usage.total = std::chrono::nanoseconds(10);
  e.usage.load = std::chrono::nanoseconds(2);
  EXPECT_EQ(EmbedJson(e, "e"),
            R"({"model":"e","embeddings":[[0.5,-0.25],[1.0,0.0]],"total_duration":10,)"
            R"("load_duration":2,"prompt_eval_count":4})");
  EXPECT_EQ(EmbeddingsJson(e), R"({"embedding":[0.5,-0.25]})");
  EXPECT_EQ(EmbeddingsJson(chat::EmbedResult{}), R"({"embedding":[]})");

  chat::RunningModel m;
  m.name = "qwen:1b";
  m.digest = "abc";
  m.size = 100;
  m.size_vram = 0;
  m.context_length = 4096;
  m.format = "gguf";
  m.family = "qwen2";
  m.families = {"qwen2"};
  m.parameter_size = "1.5B";
  m.quantization_level = "Q4_K_M";
  EXPECT_EQ(PsJson({m}, [](auto) { return std::string("2030-01-01T00:00:00Z"); }),
            R"({"models":[{"name":"qwen:1b","model":"qwen:1b","size":100,"digest":"abc",)"
            R"("details":{"parent_model":"","format":"gguf","family":"qwen2","families":["qwen2"],)"
            R"("parameter_size":"1.5B","quantization_level":"Q4_K_M"},)"
            R"("expires_at":"2030-01-01T00:00:00Z","size_vram":0,"context_length":4096}]})");
  EXPECT_EQ(PsJson({}, [](auto) { return std::string(); }), R"({"models":[]})");
}

}  // namespace
}  // namespace hearth::api::ollama
