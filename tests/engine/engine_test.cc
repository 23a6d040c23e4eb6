// Engine tests on the real tiny models in ../shared/models (see its README for the expected ids).
#include "engine/engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "base/utf8.h"
#include "testing/test_env.h"

namespace hearth::engine {
namespace {

using hearth::testing::SharedModel;

ModelPtr LoadOrDie(const std::string& file) {
  auto m = Model::Load(SharedModel(file));
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? *m : nullptr;
}

EnginePtr MakeEngine(ModelPtr model, int parallel = 1, int n_ctx = 512) {
  EngineOptions o;
  o.n_parallel = parallel;
  o.n_ctx = n_ctx;
  auto e = Engine::Create(std::move(model), o);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return e.ok() ? std::move(e).value() : nullptr;
}

GenerateRequest Greedy(const Model& m, const std::string& prompt, int n) {
  GenerateRequest r;
  r.prompt = m.Tokenize(prompt, true, false);
  r.options.sampling.temperature = 0;
  r.options.num_predict = n;
  return r;
}

const std::vector<Token> kStoriesF32Greedy = {
    432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337, 410, 408, 419, 292,
    411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352, 266, 268, 388, 426};

TEST(ModelTest, MetadataOfStories) {
  ModelPtr m = LoadOrDie("stories260K-f32.gguf");
  ASSERT_TRUE(m);
  const ModelInfo& i = m->info();
  EXPECT_EQ(i.architecture, "llama");
  EXPECT_EQ(i.parameter_count, 292800u);
  EXPECT_EQ(i.file_type, "F32");
  EXPECT_EQ(i.context_length, 512);
  EXPECT_EQ(i.embedding_length, 64);
  EXPECT_EQ(i.block_count, 5);
  EXPECT_EQ(i.head_count, 8);
  EXPECT_EQ(i.head_count_kv, 4);
  EXPECT_EQ(i.vocab_size, 512);
  EXPECT_EQ(i.vocab_type, "spm");
  EXPECT_EQ(i.bos.id, 1);
  EXPECT_EQ(i.eos.id, 2);
  EXPECT_FALSE(i.has_chat_template);
  EXPECT_TRUE(i.capabilities.completion);
  EXPECT_FALSE(i.capabilities.insert);
  EXPECT_FALSE(i.capabilities.tools);
  EXPECT_FALSE(i.capabilities.embedding);
  EXPECT_EQ(m->Tokenize("Once upon a time", true, false), (std::vector<Token>{1, 403, 407, 261, 378}));
}

TEST(ModelTest, QuantizedFileTypes) {
  EXPECT_EQ(LoadOrDie("stories260K-q8_0.gguf")->info().file_type, "Q8_0");
  EXPECT_EQ(LoadOrDie("stories260K-q4_0.gguf")->info().file_type, "Q4_0");
}

TEST(ModelTest, VocabWithChatTemplate) {
  LoadOptions vo;
  vo.vocab_only = true;
  auto m = Model::Load(SharedModel("vocab/ggml-vocab-qwen2.gguf"), vo);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const ModelInfo& i = (*m)->info();
  EXPECT_TRUE(i.has_chat_template);
  EXPECT_NE(i.chat_template.find("<|im_start|>"), std::string::npos);
  EXPECT_EQ(i.vocab_size, 151936);
  EXPECT_EQ(i.vocab_type, "bpe");
  EXPECT_FALSE(i.capabilities.insert);  // Qwen2's vocab predates Qwen2.5's FIM tokens
}

TEST(ModelTest, FimTokensMeanInsertCapability) {
  LoadOptions vo;
  vo.vocab_only = true;
  auto m = Model::Load(SharedModel("vocab/ggml-vocab-deepseek-coder.gguf"), vo);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const ModelInfo& i = (*m)->info();
  EXPECT_EQ(i.fim_prefix.text, "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "begin\xEF\xBD\x9C>");
  EXPECT_EQ(i.fim_suffix.text, "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "hole\xEF\xBD\x9C>");
  EXPECT_EQ(i.fim_middle.text, "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "end\xEF\xBD\x9C>");
  EXPECT_EQ(i.bos.id, 32013);
  EXPECT_EQ(i.eos.id, 32014);
}

TEST(ModelTest, MissingFileIsNotFound) {
  auto m = Model::Load("/nonexistent/model.gguf");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
}

TEST(GenerateTest, StoriesGreedyMatchesReference) {
  ModelPtr m = LoadOrDie("stories260K-f32.gguf");
  EnginePtr e = MakeEngine(m);
  auto out = e->Generate(Greedy(*m, "Once upon a time", 40));
  EXPECT_EQ(out.completion.done_reason, chat::DoneReason::kLength);
  EXPECT_EQ(out.completion.tokens, kStoriesF32Greedy);
  EXPECT_EQ(out.completion.prompt_tokens, 5);
  EXPECT_EQ(out.completion.eval_tokens, 40);
  EXPECT_EQ(out.text,
            ", there was a little girl named Lily. She loved to play outside in the park. One day, "
            "she saw a big, red ball.");
}

TEST(GenerateTest, QuantizedStoriesMatchReference) {
  ModelPtr q8 = LoadOrDie("stories260K-q8_0.gguf");
  EXPECT_EQ(MakeEngine(q8)->Generate(Greedy(*q8, "Once upon a time", 40)).completion.tokens,
            kStoriesF32Greedy);
  ModelPtr q4 = LoadOrDie("stories260K-q4_0.gguf");
  auto out = MakeEngine(q4)->Generate(Greedy(*q4, "Once upon a time", 40));
  EXPECT_EQ(out.text,
            ", there was a little girl named Lily. She loved to play outside in the sun. One day, "
            "she went to the park with her mom");
}

TEST(GenerateTest, TinyRandomLlamaMatchesReference) {
  ModelPtr m = LoadOrDie("llama-2-tiny-random.gguf");
  EXPECT_EQ(m->Tokenize("Hello world, once upon a time!", true, false),
            (std::vector<Token>{1, 15043, 3186, 29892, 2748, 2501, 263, 931, 29991}));
  auto out = MakeEngine(m)->Generate(Greedy(*m, "Once upon a time", 40));
  const std::vector<Token> expected = {
      17196, 5211, 21440, 25431, 7455, 3285, 29710, 4660, 29509, 31364, 19741, 8021, 29710, 4660,
      29509, 31364, 28253, 12321, 12681, 14340, 1189, 30070, 29182, 9645, 20945, 16138, 2451, 19209,
      19982, 8317, 15492, 19741, 8021, 29710, 4660, 29509, 31364, 28253, 12321, 12681};
  EXPECT_EQ(out.completion.tokens, expected);
}

TEST(GenerateTest, FixedSeedGivesIdenticalTextTwice) {
  ModelPtr m = LoadOrDie("stories260K-f32.gguf");
  EnginePtr e = MakeEngine(m);
  GenerateRequest r = Greedy(*m, "Once upon a time", 60);
  r.options.sampling.temperature = 1.0f;
  r.options.sampling.seed = 1234;
  auto a = e->Generate(r);
  auto b = e->Generate(r);
  EXPECT_EQ(a.text, b.text);
  EXPECT_EQ(a.completion.tokens, b.completion.tokens);
  r.options.sampling.seed = 99;
  auto c = e->Generate(r);
  EXPECT_NE(a.completion.tokens, c.completion.tokens);  // the seed matters
}

TEST(GenerateTest, NumPredictIsExact) {
  ModelPtr m = LoadOrDie("stories260K-f32.gguf");
  EnginePtr e = MakeEngine(m);
  for (int n : {1, 7, 23}) {
    GenerateRequest r = Greedy(*m, "Once upon a time", n);
    r.options.sampling.temperature = 0.9f;
    r.options.sampling.seed = 5;
    auto out = e->Generate(r);
    EXPECT_EQ(out.completion.eval_tokens, n);
    EXPECT_EQ(out.completion.done_reason, chat::DoneReason::kLength);
  }
}

TEST(GenerateTest, StopStringsAreCutAndNotEmitted) {
  ModelPtr m = LoadOrDie("stories260K-f32.gguf");
  EnginePtr e = MakeEngine(m);
  GenerateRequest r = Greedy(*m, "Once upon a time", 40);
  r.options.stop = {"girl named"};  // spans several tokens
  std::vector<std::string> chunks;
  std::promise<Completion> done;
  Callbacks cb;
  cb.on_text = [&](std::string_view t) {
    chunks.emplace_back(t);
    return true;
  };
  cb.on_done = [&](Completion&& c) { done.set_value(std::move(c)); };
  ASSERT_TRUE(e->Submit(r, cb).ok());
  Completion c = done.get_future().get();
  std::string text;
  for (auto& ch : chunks) text += ch;
  EXPECT_EQ(text, ", there was a little ");
  EXPECT_EQ(c.done_reason, chat::DoneReason::kStop);
  for (auto& ch : chunks) EXPECT_EQ(ch.find("girl"), std::string::npos);
}

// True iff a chunk boundary at `p` falls inside a well-formed multi-byte sequence of `s`.
bool SplitsSequence(const std::string& s, size_t p) {
  for (size_t back = 1; back <= 3 && back <= p; ++back) {
    const auto c = static_cast<unsigned char>(s[p - back]);
    if ((c & 0xC0) == 0x80) continue;
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (len <= back || p - back + len > s.size()) return false;
    return IsValidUtf8(s.substr(p - back, len));
  }
  return false;
}

TEST(GenerateTest, StreamingNeverSplitsUtf8) {
  // The random 32k-vocab model emits byte-fallback tokens and CJK pieces at high temperature.
  ModelPtr m = LoadOrDie("llama-2-tiny-random.gguf");
  EnginePtr e = MakeEngine(m, 1, 1024);
  size_t multibyte = 0;
  for (int seed = 1; seed <= 4; ++seed) {
    GenerateRequest r = Greedy(*m, "日本語のテキスト", 200);
    r.options.sampling.temperature = 1.5f;
    r.options.sampling.top_k = 0;
    r.options.sampling.top_p = 1.0f;
    r.options.sampling.seed = seed;
    std::vector<std::string> chunks;
    std::promise<void> done;
    Callbacks cb;
    cb.on_text = [&](std::string_view t) {
      chunks.emplace_back(t);
      return true;
    };
    cb.on_done = [&](Completion&&) { done.set_value(); };
    ASSERT_TRUE(e->Submit(r, cb).ok());
    done.get_future().wait();
    std::string all;
    std::vector<size_t> boundaries;
    for (auto& c : chunks) {
      all += c;
      boundaries.push_back(all.size());
    }
    for (size_t p : boundaries) EXPECT_FALSE(SplitsSequence(all, p)) << "split at byte " << p;
    for (unsigned char c : all) multibyte += c >= 0x80;
  }
  EXPECT_GT(multibyte, 50u) << "the test did not exercise multi-byte output";
}

TEST(BatchingTest, GreedyBatchedEqualsAlone) {
  ModelPtr m = LoadOrDie("stories260K-f32.gguf");
  EnginePtr e = MakeEngine(m, 4, 256);
  const std::vector<std::pair<std::string, int>> cases = {
      {"Once upon a time", 48},
      {"Tom had a red ball. He liked to throw it high in the sky and", 30},
      {"The cat", 64},
      {"Lily and Ben went to the park. They saw a big tree with many birds. Lily said", 40}};
  std::vector<std::vector<Token>> alone;
  for (auto& [p, n] : cases) alone.push_back(e->Generate(Greedy(*m, p, n)).completion.tokens);

  // Staggered: later requests join while earlier ones are mid-generation.
  std::vector<std::promise<Completion>> done(cases.size());
  std::atomic<int> first_tokens{0};
  for (size_t i = 0; i < cases.size(); ++i) {
    Callbacks cb;
    cb.on_text = [&](std::string_view) {
      first_tokens++;
      return true;
    };
    cb.on_done = [&, i](Completion&& c) { done[i].set_value(std::move(c)); };
    ASSERT_TRUE(e->Submit(Greedy(*m, cases[i].first, cases[i].second), cb).ok());
    if (i == 0) {
      while (first_tokens.load() < 3) std::this_thread::yield();
    }
  }
  for (size_t i = 0; i < cases.size(); ++i) {
    Completion c = done[i].get_future().get();
    EXPECT_EQ(c.tokens, alone[i]) << "case " << i;
  }
}

TEST(BatchingTest, NewRequestJoinsRunningBatch) {
  ModelPtr m = LoadOrDie("stories260K-f32.gguf");
  EnginePtr e = MakeEngine(m, 2, 512);
  // A long-running request; the second must finish while the first is still going.
  std::promise<void> long_done;
  std::atomic<bool> long_finished{false};
  Callbacks cb;
  cb.on_done = [&](Completion&&) {
    long_finished = true;
    long_done.set_value();
  };
  GenerateRequest long_req = Greedy(*m, "Once upon a time", 400);
  long_req.options.sampling.temperature = 1.0f;
  long_req.options.sampling.seed = 3;
  ASSERT_TRUE(e->Submit(long_req, cb).ok());
  while (e->active_sequences() == 0) std::this_thread::yield();
  auto short_out = e->Generate(Greedy(*m, "The cat", 5));
  EXPECT_EQ(short_out.completion.eval_tokens, 5);
  EXPECT_FALSE(long_finished.load()) << "the short request waited for the long one";
  long_done.get_future().wait();
}

TEST(CancelTest, CallbackFalseStopsAndFreesTheSequence) {
  ModelPtr m = LoadOrDie("stories260K-f32.gguf");
  EnginePtr e = MakeEngine(m, 1, 512);
  GenerateRequest r = Greedy(*m, "Once upon a time", 400);
  int chunks = 0;
  std::promise<Completion> done;
  Callbacks cb;
  cb.on_text = [&](std::string_view) { return ++chunks < 5; };
  cb.on_done = [&](Completion&& c) { done.set_value(std::move(c)); };
  ASSERT_TRUE(e->Submit(r, cb).ok());
  Completion c = done.get_future().get();
  EXPECT_EQ(c.done_reason, chat::DoneReason::kCancelled);
  EXPECT_EQ(chunks, 5);
  EXPECT_LE(c.eval_tokens, 6);
  EXPECT_EQ(e->active_sequences(), 0);
  // The freed slot serves the next request with a clean KV state.
  EXPECT_EQ(e->Generate(Greedy(*m, "Once upon a time", 40)).completion.tokens, kStoriesF32Greedy);
}

TEST(CancelTest, CancelTokenStopsWithinOneStep) {
  ModelPtr m = LoadOrDie("stories260K-f32.gguf");
  EnginePtr e = MakeEngine(m, 1, 512);
  GenerateRequest r = Greedy(*m, "Once upon a time", 400);
  r.cancel = std::make_shared<CancelToken>();
  std::atomic<int> chunks{0};
  std::promise<Completion> done;
  Callbacks cb;
  auto token = r.cancel;
  cb.on_text = [&, token](std::string_view) {
    if (++chunks == 3) token->Cancel();  // as a disconnect would, from the callback's view
    return true;
  };
  cb.on_done = [&](Completion&& c) { done.set_value(std::move(c)); };
  ASSERT_TRUE(e->Submit(r, cb).ok());
  Completion c = done.get_future().get();
  EXPECT_EQ(c.done_reason, chat::DoneReason::kCancelled);
  EXPECT_EQ(chunks.load(), 3);
}

TEST(LimitsTest, PromptLongerThanContextIsRejected) {
  ModelPtr m = LoadOrDie("stories260K-f32.gguf");
  EnginePtr e = MakeEngine(m, 1, 64);
  GenerateRequest r;
  r.prompt.assign(64, 300);
  Status s = e->Submit(r, {});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("64"), std::string::npos);
  r.prompt = {1, 999999};
  EXPECT_EQ(e->Submit(r, {}).code(), StatusCode::kInvalidArgument);
  r.prompt.clear();
  EXPECT_EQ(e->Submit(r, {}).code(), StatusCode::kInvalidArgument);
}

TEST(LimitsTest, FullContextEndsWithLength) {
  ModelPtr m = LoadOrDie("stories260K-f32.gguf");
  EnginePtr e = MakeEngine(m, 1, 32);
  auto out = e->Generate(Greedy(*m, "Once upon a time", -1));
  EXPECT_EQ(out.completion.done_reason, chat::DoneReason::kLength);
  EXPECT_EQ(out.completion.prompt_tokens + out.completion.eval_tokens, 32);
}

TEST(MemoryTest, ReportsWeightsKvAndCompute) {
  ModelPtr m = LoadOrDie("stories260K-f32.gguf");
  MemoryReport one = MakeEngine(m, 1, 256)->memory();
  MemoryReport four = MakeEngine(m, 4, 256)->memory();
  EXPECT_GT(one.weights, 1000000u);  // 292,800 f32 parameters
  // 5 layers x (K+V) x 4 kv heads x 8 dims x 256 cells x f16
  EXPECT_EQ(one.kv_cache, 5u * 2 * 4 * 8 * 256 * 2);
  EXPECT_EQ(four.kv_cache, 4 * one.kv_cache);
  EXPECT_GT(one.compute, 0u);
  EXPECT_EQ(one.total(), one.weights + one.kv_cache + one.compute);
}

}  // namespace
}  // namespace hearth::engine

namespace hearth::engine {
namespace {

TEST(FormatTest, JsonSchemaOutputFollowsTheSchema) {
  ModelPtr m = LoadOrDie("stories260K-f32.gguf");
  EnginePtr e = MakeEngine(m, 1, 512);
  GenerateRequest r = Greedy(*m, "Once upon a time", 120);
  r.options.format.kind = chat::OutputFormat::Kind::kJsonSchema;
  r.options.format.text =
      R"({"type":"object","properties":{"happy":{"type":"boolean"},"mood":{"enum":["sad","glad"]}},)"
      R"("required":["happy","mood"],"additionalProperties":false})";
  auto out = e->Generate(r);
  ASSERT_EQ(out.completion.done_reason, chat::DoneReason::kStop) << out.text;
  // The only strings this schema admits, modulo whitespace.
  std::string compact;
  for (char c : out.text)
    if (c != ' ' && c != '\n' && c != '\t') compact += c;
  EXPECT_TRUE(compact == R"({"happy":true,"mood":"sad"})" || compact == R"({"happy":true,"mood":"glad"})" ||
              compact == R"({"happy":false,"mood":"sad"})" || compact == R"({"happy":false,"mood":"glad"})")
      << out.text;
}

TEST(FormatTest, JsonFormatGivesAnObject) {
  ModelPtr m = LoadOrDie("stories260K-f32.gguf");
  EnginePtr e = MakeEngine(m, 1, 512);
  GenerateRequest r = Greedy(*m, "Once upon a time", 60);
  r.options.format.kind = chat::OutputFormat::Kind::kJson;
  auto out = e->Generate(r);
  ASSERT_FALSE(out.text.empty());
  size_t first = out.text.find_first_not_of(" \n\t");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(out.text[first], '{') << out.text;
}

TEST(FormatTest, BadSchemaOrGrammarIsRejectedAtSubmit) {
  ModelPtr m = LoadOrDie("stories260K-f32.gguf");
  EnginePtr e = MakeEngine(m, 1, 512);
  GenerateRequest r = Greedy(*m, "Once upon a time", 10);
  r.options.format.kind = chat::OutputFormat::Kind::kJsonSchema;
  r.options.format.text = "{not json";
  Status s = e->Submit(r, {});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("format"), std::string::npos) << s.message();
  r.options.format.kind = chat::OutputFormat::Kind::kGrammar;
  r.options.format.text = "root ::= (";
  EXPECT_EQ(e->Submit(r, {}).code(), StatusCode::kInvalidArgument);
}

TEST(FimTest, PromptLayoutAndCapability) {
  auto stories = Model::Load(SharedModel("stories260K-f32.gguf"));
  ASSERT_TRUE(stories.ok());
  EXPECT_EQ((*stories)->FimPrompt("a", "b").status().code(), StatusCode::kFailedPrecondition);
  LoadOptions vo;
  vo.vocab_only = true;
  auto ds = Model::Load(SharedModel("vocab/ggml-vocab-deepseek-coder.gguf"), vo);
  ASSERT_TRUE(ds.ok());
  const ModelInfo& i = (*ds)->info();
  auto p = (*ds)->FimPrompt("def add(a, b):\n    ", "\n\nprint(add(1, 2))\n");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  std::vector<Token> expected;
  if (i.add_bos) expected.push_back(i.bos.id);
  expected.push_back(i.fim_prefix.id);
  for (Token t : (*ds)->Tokenize("def add(a, b):\n    ", false, false)) expected.push_back(t);
  expected.push_back(i.fim_suffix.id);
  for (Token t : (*ds)->Tokenize("\n\nprint(add(1, 2))\n", false, false)) expected.push_back(t);
  expected.push_back(i.fim_middle.id);
  EXPECT_EQ(*p, expected);
}

}  // namespace
}  // namespace hearth::engine
