// Per-token log-probabilities from the raw logits, on the real stories260K model.
#include <gtest/gtest.h>

#include <cmath>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "testing/test_env.h"

namespace hearth::engine {
namespace {

using hearth::testing::SharedModel;

class LogprobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = Model::Load(SharedModel("stories260K-f32.gguf"));
    ASSERT_TRUE(m.ok());
    model_ = *m;
    EngineOptions o;
    o.n_parallel = 1;
    o.n_ctx = 256;
    auto e = Engine::Create(model_, o);
    ASSERT_TRUE(e.ok());
    engine_ = std::move(e).value();
  }

  struct Run {
    std::vector<chat::TokenLogprob> logprobs;
    std::string text;
    Completion done;
  };

  Run Generate(int top, float temperature, bool logprobs = true) {
    GenerateRequest r;
    r.prompt = model_->Tokenize("Once upon a time", true, false);
    r.options.sampling.temperature = temperature;
    r.options.sampling.seed = 7;
    r.options.num_predict = 20;
    r.logprobs = logprobs;
    r.top_logprobs = top;
    auto run = std::make_shared<Run>();
    std::promise<void> finished;
    Callbacks cb;
    cb.on_text = [run](std::string_view t) {
      run->text.append(t);
      return true;
    };
    cb.on_logprob = [run](chat::TokenLogprob&& lp) { run->logprobs.push_back(std::move(lp)); };
    cb.on_done = [run, &finished](Completion&& c) {
      run->done = std::move(c);
      finished.set_value();
    };
    EXPECT_TRUE(engine_->Submit(std::move(r), std::move(cb)).ok());
    finished.get_future().wait();
    return *run;
  }

  ModelPtr model_;
  EnginePtr engine_;
};

TEST_F(LogprobsTest, GreedyTokenIsTheMostLikelyAndPiecesMatchTheText) {
  Run run = Generate(5, 0);
  ASSERT_EQ(run.logprobs.size(), 20u);
  ASSERT_EQ(run.done.tokens.size(), 20u);
  std::string joined;
  for (size_t i = 0; i < run.logprobs.size(); ++i) {
    const auto& lp = run.logprobs[i];
    joined += lp.token;
    EXPECT_EQ(lp.token, model_->TokenPiece(run.done.tokens[i]));
    EXPECT_LE(lp.logprob, 0.0);
    ASSERT_EQ(lp.top.size(), 5u);
    EXPECT_EQ(lp.top[0].token, lp.token);  // greedy: the argmax
    EXPECT_DOUBLE_EQ(lp.top[0].logprob, lp.logprob);
    double mass = 0;
    for (size_t k = 0; k < lp.top.size(); ++k) {
      mass += std::exp(lp.top[k].logprob);
      if (k > 0) {
        EXPECT_GE(lp.top[k - 1].logprob, lp.top[k].logprob);
      }
      EXPECT_TRUE(lp.top[k].top.empty());
    }
    EXPECT_LE(mass, 1.0 + 1e-6);
  }
  EXPECT_EQ(joined, run.text);
}

TEST_F(LogprobsTest, TwentyAlternativesAndSampledTokensToo) {
  Run run = Generate(20, 1.0f);
  ASSERT_FALSE(run.logprobs.empty());
  for (const auto& lp : run.logprobs) {
    ASSERT_EQ(lp.top.size(), 20u);
    // The sampled token may be anything the filters kept, but never likelier than the argmax.
    EXPECT_LE(lp.logprob, lp.top[0].logprob + 1e-6);
    EXPECT_TRUE(std::isfinite(lp.logprob));
  }
  Run again = Generate(20, 1.0f);
  ASSERT_EQ(again.logprobs.size(), run.logprobs.size());
  for (size_t i = 0; i < run.logprobs.size(); ++i)
    EXPECT_FLOAT_EQ(again.logprobs[i].logprob, run.logprobs[i].logprob);  // same seed
}

TEST_F(LogprobsTest, OffMeansNoCallsAndZeroTopMeansChosenOnly) {
  Run off = Generate(0, 0, /*logprobs=*/false);
  EXPECT_TRUE(off.logprobs.empty());
  Run chosen = Generate(0, 0);
  ASSERT_EQ(chosen.logprobs.size(), 20u);
  EXPECT_TRUE(chosen.logprobs[0].top.empty());
  EXPECT_EQ(chosen.text, off.text);
}

TEST_F(LogprobsTest, TopLogprobsOutOfRangeIsRefused) {
  for (int bad : {-1, 21}) {
    GenerateRequest r;
    r.prompt = model_->Tokenize("Once", true, false);
    r.logprobs = true;
    r.top_logprobs = bad;
    EXPECT_EQ(engine_->Submit(std::move(r), {}).code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST_F(LogprobsTest, CountPromptTokensMatchesTheTokenizer) {
  // stories260K adds BOS: the count is the text's tokens plus one.
  const int32_t text =
      static_cast<int32_t>(model_->Tokenize("Once upon a time", false, false).size());
  EXPECT_EQ(engine_->CountPromptTokens("Once upon a time"), text + 1);
  EXPECT_EQ(engine_->CountPromptTokens("Once upon a time", /*raw=*/true), text + 1);
  EXPECT_EQ(engine_->CountPromptTokens(""), 1);  // BOS only
}

}  // namespace
}  // namespace hearth::engine
