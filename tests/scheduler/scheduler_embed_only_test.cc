// The scheduler with an embedding-only (BERT-class) model: a synthetic all-MiniLM-L6-v2 (random
// weights, exact shape and vocabulary) loads with just an Embedder, embeds, shows in Running(),
// unloads and is evicted like any model, and refuses generate and chat without loading.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "engine/synth.h"
#include "scheduler_fixture.h"

namespace hearth::scheduler {
namespace {

using testing::ChatRequest;
using testing::Collector;
using testing::Eventually;
using testing::GenerateRequest;
using testing::IntOption;
using testing::RouterTest;

double Norm(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += double{x} * x;
  return std::sqrt(s);
}

class EmbedOnlyTest : public RouterTest {
 protected:
  // Synthesizes the model once for the suite (f16, ~46 MB).
  static void SetUpTestSuite() {
    const std::string vocab =
        (std::filesystem::path(HEARTH_VOCAB_DIR) / "ggml-vocab-bert-bge.gguf").string();
    if (!std::filesystem::is_regular_file(vocab)) return;
    gguf_ = new std::string(hearth::testing::TempDir() + "/all-minilm-f16.gguf");
    engine::SynthOptions o;
    o.model = "all-minilm:22m";
    o.type = "f16";
    o.vocab_path = vocab;
    o.out_path = *gguf_;
    synth_status_ = new Status(engine::Synthesize(o));
  }
  static void TearDownTestSuite() {
    delete gguf_;
    delete synth_status_;
    gguf_ = nullptr;
    synth_status_ = nullptr;
  }

  void SetUp() override {
    RouterTest::SetUp();
    if (gguf_ == nullptr) GTEST_SKIP() << "no BERT vocabulary in " << HEARTH_VOCAB_DIR;
    ASSERT_TRUE(synth_status_->ok()) << synth_status_->ToString();
  }

  void CreateEmbedModel(const std::string& name) {
    auto mf = store::ParseModelfile("FROM " + *gguf_ + "\n");
    ASSERT_TRUE(mf.ok()) << mf.status().ToString();
    auto n = store::ModelName::Parse(name);
    ASSERT_TRUE(n.ok());
    Status s = store::CreateModel(*store_, *n, *mf, store::CreateOptions{});
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  static chat::EmbedRequest Embed(std::vector<std::string> inputs) {
    chat::EmbedRequest e;
    e.model = "minilm";
    e.inputs = std::move(inputs);
    return e;
  }

  int LogLines(const std::string& needle) {
    int n = 0;
    for (const std::string& line : Logs()) n += line.find(needle) != std::string::npos;
    return n;
  }

  static std::string* gguf_;
  static Status* synth_status_;
};

std::string* EmbedOnlyTest::gguf_ = nullptr;
Status* EmbedOnlyTest::synth_status_ = nullptr;

TEST_F(EmbedOnlyTest, LoadsWithAnEmbedderAndEmbeds) {
  CreateEmbedModel("minilm");
  auto s = Make(TestOptions());
  auto r = s->Embed(Embed({"def add(a, b): return a + b", "The cat sat"}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->embeddings.size(), 2u);
  for (const auto& v : r->embeddings) {
    ASSERT_EQ(v.size(), 384u);
    EXPECT_NEAR(Norm(v), 1.0, 1e-4);
  }
  EXPECT_NE(r->embeddings[0], r->embeddings[1]);
  EXPECT_GT(r->usage.load.count(), 0);
  EXPECT_GE(r->usage.prompt_tokens, 6);  // [CLS] ... [SEP] around each text
  EXPECT_EQ(s->Stats().loads, 1u);
  EXPECT_EQ(LogLines("loaded model minilm:latest for embeddings with a context of 128 tokens, "
                     "mean pooling"),
            1);

  // The loaded model answers the next request without loading again.
  auto again = s->Embed(Embed({"The cat sat"}));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->usage.load.count(), 0);
  for (size_t i = 0; i < 384; ++i) EXPECT_NEAR(again->embeddings[0][i], r->embeddings[1][i], 1e-4);
  EXPECT_EQ(s->Stats().loads, 1u);

  auto running = s->Running();
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].name, "minilm:latest");
  EXPECT_EQ(running[0].context_length, 128);  // the scheduler's default_context in TestOptions
  EXPECT_EQ(running[0].family, "bert");
  // f16 weights of 22.6M parameters (~45 MB) plus the context's buffers.
  EXPECT_GT(running[0].size, 45'000'000u);
}

TEST_F(EmbedOnlyTest, NumCtxIsCappedAtTheTrainingContextAndResizesTheEmbedder) {
  CreateEmbedModel("minilm");
  auto s = Make(TestOptions());
  auto req = Embed({"short text"});
  req.options = {IntOption("num_ctx", 4096)};
  ASSERT_TRUE(s->Embed(req).ok());
  ASSERT_EQ(s->Running().size(), 1u);
  EXPECT_EQ(s->Running()[0].context_length, 512);  // all-MiniLM's max_position_embeddings

  req.options = {IntOption("num_ctx", 64)};
  std::string hundred_words;
  for (int i = 0; i < 100; ++i) hundred_words += "hello ";
  req.inputs = {hundred_words};
  req.truncate = false;
  auto refused = s->Embed(req);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s->Running()[0].context_length, 64);
  EXPECT_EQ(s->Stats().loads, 1u);  // a new embedding context, not a new load
  EXPECT_EQ(s->Stats().context_grows, 0u);
}

TEST_F(EmbedOnlyTest, GenerateAndChatAreRefusedWithoutLoading) {
  CreateEmbedModel("minilm");
  auto s = Make(TestOptions());
  Collector c;
  Status g = s->Generate(GenerateRequest("minilm", "hello"), c.Sink());
  EXPECT_EQ(g.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(g.message(), "\"minilm\" does not support generate");
  Status ch = s->Generate(ChatRequest("minilm", {chat::Message{"user", "hi"}}), c.Sink());
  EXPECT_EQ(ch.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ch.message(), "\"minilm\" does not support chat");
  // A load-only request (empty prompt) is refused too, as Ollama refuses it.
  EXPECT_EQ(s->Generate(GenerateRequest("minilm", ""), c.Sink()).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(c.chunks(), 0);
  EXPECT_EQ(s->Stats().loads, 0u);
  EXPECT_TRUE(s->Running().empty());

  // Loaded: still refused (from the loaded model), still one load.
  ASSERT_TRUE(s->Embed(Embed({"x"})).ok());
  EXPECT_EQ(s->Generate(GenerateRequest("minilm", "hello"), c.Sink()).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(s->Stats().loads, 1u);
  EXPECT_EQ(c.chunks(), 0);
}

TEST_F(EmbedOnlyTest, KeepAliveZeroAndUnloadFreeIt) {
  CreateEmbedModel("minilm");
  auto s = Make(TestOptions());
  auto req = Embed({"x"});
  req.keep_alive = std::chrono::nanoseconds(0);
  ASSERT_TRUE(s->Embed(req).ok());
  EXPECT_TRUE(Eventually([&] { return s->Running().empty(); }));
  EXPECT_TRUE(Eventually([&] { return s->Stats().unloads == 1u; }));

  ASSERT_TRUE(s->Embed(Embed({"x"})).ok());
  ASSERT_EQ(s->Running().size(), 1u);
  // `hearth stop`: an empty generate with keep_alive 0 unloads an embedding model too.
  Collector c;
  auto stop = GenerateRequest("minilm", "");
  stop.keep_alive = std::chrono::nanoseconds(0);
  ASSERT_TRUE(s->Generate(stop, c.Sink()).ok());
  ASSERT_TRUE(c.Wait());
  EXPECT_TRUE(Eventually([&] { return s->Running().empty(); }));
  EXPECT_TRUE(Eventually([&] { return s->Stats().unloads == 2u; }));

  ASSERT_TRUE(s->Embed(Embed({"x"})).ok());
  EXPECT_TRUE(s->Unload("minilm").ok());
  EXPECT_TRUE(s->Running().empty());
  EXPECT_EQ(s->Stats().loads, 3u);
}

TEST_F(EmbedOnlyTest, EvictedToMakeRoomAndCountedBesideAGenerationEngine) {
  CreateEmbedModel("minilm");
  CreateModel("stories");
  auto o = TestOptions();
  o.max_loaded_models = 1;
  auto s = Make(o);
  ASSERT_TRUE(s->Embed(Embed({"x"})).ok());
  Collector c;
  ASSERT_TRUE(s->Generate(GenerateRequest("stories", "Once upon a time"), c.Sink()).ok());
  ASSERT_TRUE(c.Wait());
  EXPECT_TRUE(c.final_chunk().error.ok()) << c.final_chunk().error.ToString();
  EXPECT_EQ(s->Stats().evictions, 1u);
  auto running = s->Running();
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].name, "stories:latest");

  // A completion model that also embeds: its size grows by the embedding context only.
  const uint64_t before = running[0].size;
  chat::EmbedRequest e;
  e.model = "stories";
  e.inputs = {"Once upon a time"};
  ASSERT_TRUE(s->Embed(e).ok());
  running = s->Running();
  ASSERT_EQ(running.size(), 1u);
  EXPECT_GT(running[0].size, before);
  EXPECT_LT(running[0].size, 2 * before);  // the weights are not counted twice
}

}  // namespace
}  // namespace hearth::scheduler
