// Embeddings with real math on the real stories260K model (a decoder: pooled on its last token
// as Ollama's runner does, or by mean when asked).
#include "engine/embedder.h"

#include <gtest/gtest.h>

#include <cmath>

#include "testing/test_env.h"

namespace hearth::engine {
namespace {

using hearth::testing::SharedModel;

double Norm(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += static_cast<double>(x) * x;
  return std::sqrt(s);
}

double MaxDiff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double d = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i)
    d = std::max(d, std::fabs(double(a[i]) - b[i]));
  return d;
}

EmbedderPtr Make(int32_t n_ctx = 512, const std::string& pooling = "") {
  auto m = Model::Load(SharedModel("stories260K-f32.gguf"));
  EXPECT_TRUE(m.ok());
  EmbedderOptions o;
  o.n_ctx = n_ctx;
  o.pooling = pooling;
  auto e = Embedder::Create(*m, o);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return e.ok() ? std::move(e).value() : nullptr;
}

const std::vector<std::string> kTexts = {"Once upon a time", "The cat sat on the mat.",
                                         "Lily saw a big red ball in the park", "hello"};

TEST(EmbedderTest, UnitVectorsOfTheModelWidth) {
  EmbedderPtr e = Make();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->pooling(), "last");
  EXPECT_EQ(e->dimensions(), 64);
  EXPECT_GT(e->memory().weights, 1000000u);  // the 1.2 MB of F32 weights
  EXPECT_GT(e->memory().compute, 0u);
  auto r = e->Embed(kTexts);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), kTexts.size());
  for (size_t i = 0; i < r->size(); ++i) {
    EXPECT_EQ((*r)[i].values.size(), 64u);
    EXPECT_NEAR(Norm((*r)[i].values), 1.0, 1e-5);
    EXPECT_EQ((*r)[i].tokens,
              static_cast<int32_t>(e->model()->Tokenize(kTexts[i], true, true).size()));
    EXPECT_FALSE((*r)[i].truncated);
  }
  EXPECT_GT(MaxDiff((*r)[0].values, (*r)[1].values), 1e-3);  // different texts differ
}

TEST(EmbedderTest, DeterministicAndBatchEqualsOneByOne) {
  EmbedderPtr e = Make();
  ASSERT_TRUE(e);
  auto batch = e->Embed(kTexts);
  auto again = e->Embed(kTexts);
  ASSERT_TRUE(batch.ok() && again.ok());
  for (size_t i = 0; i < kTexts.size(); ++i) {
    EXPECT_EQ((*batch)[i].values, (*again)[i].values);
    auto one = e->Embed({kTexts[i]});
    ASSERT_TRUE(one.ok());
    EXPECT_LT(MaxDiff((*batch)[i].values, (*one)[0].values), 1e-4) << i;
  }
}

TEST(EmbedderTest, MeanPoolingIsTheNormalizedMeanOfTokenStates) {
  EmbedderPtr mean = Make(512, "mean");
  EmbedderPtr last = Make(512, "last");
  ASSERT_TRUE(mean && last);
  EXPECT_EQ(mean->pooling(), "mean");
  auto a = mean->Embed({kTexts[1]});
  auto b = last->Embed({kTexts[1]});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NEAR(Norm((*a)[0].values), 1.0, 1e-5);
  EXPECT_GT(MaxDiff((*a)[0].values, (*b)[0].values), 1e-3);
  // A one-token input: mean and last pool the same single state.
  auto a1 = mean->Embed({""});
  auto b1 = last->Embed({""});
  ASSERT_TRUE(a1.ok() && b1.ok());
  EXPECT_EQ((*a1)[0].tokens, 1);
  EXPECT_LT(MaxDiff((*a1)[0].values, (*b1)[0].values), 1e-5);
  EXPECT_FALSE(Embedder::Create(mean->model(), {512, 8, 0, "rank"}).ok());
}

TEST(EmbedderTest, TruncateCutsToTheContextOrNamesTheInput) {
  EmbedderPtr e = Make(16);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->options().n_ctx, 16);
  const std::string longer =
      "Once upon a time there was a little girl named Lily who loved to play";
  const int32_t n = static_cast<int32_t>(e->model()->Tokenize(longer, true, true).size());
  ASSERT_GT(n, 16);
  auto cut = e->Embed({"hello", longer});
  ASSERT_TRUE(cut.ok()) << cut.status().ToString();
  EXPECT_EQ((*cut)[1].tokens, 16);
  EXPECT_TRUE((*cut)[1].truncated);
  EXPECT_NEAR(Norm((*cut)[1].values), 1.0, 1e-5);
  EmbedOptions strict;
  strict.truncate = false;
  auto refused = e->Embed({"hello", longer}, strict);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("input 1"), std::string::npos);
  EXPECT_NE(refused.status().message().find(std::to_string(n)), std::string::npos);
}

TEST(EmbedderTest, DimensionsKeepAPrefixRenormalized) {
  EmbedderPtr e = Make();
  ASSERT_TRUE(e);
  EmbedOptions o;
  o.dimensions = 8;
  auto full = e->Embed({kTexts[0]});
  auto small = e->Embed({kTexts[0]}, o);
  ASSERT_TRUE(full.ok() && small.ok());
  ASSERT_EQ((*small)[0].values.size(), 8u);
  EXPECT_NEAR(Norm((*small)[0].values), 1.0, 1e-5);
  std::vector<float> prefix((*full)[0].values.begin(), (*full)[0].values.begin() + 8);
  const double n = Norm(prefix);
  for (int i = 0; i < 8; ++i) EXPECT_NEAR((*small)[0].values[i], prefix[i] / n, 1e-5);
}

TEST(EmbedderTest, CancelledBeforeWork) {
  EmbedderPtr e = Make();
  ASSERT_TRUE(e);
  EmbedOptions o;
  o.cancel = std::make_shared<CancelToken>();
  o.cancel->Cancel();
  auto r = e->Embed(kTexts, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
}

TEST(EmbedderTest, NormalizeRejectsNaN) {
  std::vector<float> v = {3, 4};
  ASSERT_TRUE(NormalizeL2(&v).ok());
  EXPECT_FLOAT_EQ(v[0], 0.6f);
  std::vector<float> bad = {1, NAN};
  EXPECT_FALSE(NormalizeL2(&bad).ok());
  std::vector<float> zero = {0, 0};
  EXPECT_TRUE(NormalizeL2(&zero).ok());
  EXPECT_EQ(zero[0], 0.0f);
}

}  // namespace
}  // namespace hearth::engine
