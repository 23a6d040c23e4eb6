// Remote deployments against tests/fakes/cloud.js: each provider's wire format, and each fault
// either an error before any chunk (so the gateway can fail over) or a kError done chunk after.
#include "gateway/remote.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "fake_cloud.h"
#include "gateway/gateway.h"

namespace hearth::gateway {
namespace {

using testing::FakeCloud;

// Collects the chunks of one Generate; Wait() returns once the done chunk arrived.
struct Collector {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<chat::Chunk> chunks;
  bool done = false;
  chat::ChunkSink Sink() {
    return [this](chat::Chunk&& c) {
      std::lock_guard lock(mu);
      done = done || c.done;
      chunks.push_back(std::move(c));
      cv.notify_all();
      return true;
    };
  }
  bool Wait() {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(20), [&] { return done; });
  }
  std::string Text() {
    std::string t;
    for (auto& c : chunks) t += c.content;
    return t;
  }
  const chat::Chunk& Last() { return chunks.back(); }
};

chat::Request Chat(const std::string& text) {
  chat::Request r;
  r.model = "group";
  r.messages.push_back({.role = "user", .content = text});
  return r;
}

class RemoteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cloud_ = FakeCloud::Start("alpha");
    ASSERT_NE(cloud_, nullptr) << "cannot start tests/fakes/cloud.js";
    auto c = net::AsyncClient::Create({});
    ASSERT_TRUE(c.ok());
    client_ = std::move(*c);
  }
  void TearDown() override {
    if (client_) {
      // Nothing left in flight (streams that ended closed or pooled their connection).
      for (int i = 0; i < 100 && client_->stats().in_flight > 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      EXPECT_EQ(client_->stats().in_flight, 0u);
    }
  }

  std::shared_ptr<chat::Backend> Make(Provider p, const std::string& model,
                                      std::optional<Millis> stream_timeout = std::nullopt) {
    Deployment d;
    d.model_name = "group";
    d.id = "group/0";
    d.provider = p;
    d.model = model;
    d.api_base = cloud_->url() + (p == Provider::kOpenAI ? "/v1" : "");
    d.api_key = Secret("sk-test-key-0123456789");
    d.stream_timeout = stream_timeout;
    RemoteOptions o{.client = client_.get(), .settings = {}, .router = {}};
    o.settings.stall_timeout = Millis(800);
    auto b = MakeRemoteBackend(d, o);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? *b : nullptr;
  }

  std::unique_ptr<FakeCloud> cloud_;
  std::unique_ptr<net::AsyncClient> client_;
};

TEST_F(RemoteTest, EachProviderStreamsTheUpstreamAnswer) {
  for (Provider p : {Provider::kOpenAI, Provider::kAnthropic, Provider::kGemini}) {
    SCOPED_TRACE(ProviderName(p));
    auto b = Make(p, "m1");
    Collector c;
    ASSERT_TRUE(b->Generate(Chat("hello there"), c.Sink()).ok());
    ASSERT_TRUE(c.Wait());
    EXPECT_EQ(c.Text(), "alpha:m1 says: hello there");
    EXPECT_EQ(c.Last().done_reason, chat::DoneReason::kStop);
    EXPECT_GT(c.Last().usage.completion_tokens, 0);
  }
  // The key went where each provider wants it, and the model in the body or path.
  auto log = cloud_->Log();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0]["path"], "/v1/chat/completions");
  EXPECT_EQ(log[0]["headers"]["authorization"], "Bearer sk-test-key-0123456789");
  EXPECT_EQ(log[1]["path"], "/v1/messages");
  EXPECT_EQ(log[1]["headers"]["x-api-key"], "sk-test-key-0123456789");
  EXPECT_EQ(log[2]["headers"]["x-goog-api-key"], "sk-test-key-0123456789");
}

TEST_F(RemoteTest, RateLimitKeepsStatusAndRetryAfterAndNothingReachesTheSink) {
  cloud_->Script({{{"fault", "status"}, {"code", 429}, {"retry_after", 7}}});
  auto b = Make(Provider::kOpenAI, "m1");
  Collector c;
  Status s = b->Generate(Chat("hi"), c.Sink());
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.ToString();
  EXPECT_EQ(s.upstream().http_status, 429);
  EXPECT_EQ(s.upstream().retry_after_ms, 7000);
  EXPECT_TRUE(c.chunks.empty());
  EXPECT_EQ(s.message().find("sk-test-key-0123456789"), std::string::npos);
}

TEST_F(RemoteTest, ContextLengthErrorsCarryTheirKind) {
  cloud_->Script({{{"fault", "context_length"}}, {{"fault", "context_length"}}});
  for (Provider p : {Provider::kOpenAI, Provider::kAnthropic}) {
    Collector c;
    Status s = Make(p, "m1")->Generate(Chat("hi"), c.Sink());
    EXPECT_EQ(s.upstream().kind, "context_length") << ProviderName(p) << ": " << s.ToString();
    EXPECT_EQ(s.upstream().http_status, 400);
  }
}

TEST_F(RemoteTest, RefusedConnectionFailsBeforeAnyChunk) {
  cloud_->Script({{{"fault", "refuse"}}});
  Collector c;
  Status s = Make(Provider::kAnthropic, "m1")->Generate(Chat("hi"), c.Sink());
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(c.chunks.empty());
}

TEST_F(RemoteTest, StallBeforeTheFirstByteIsADeadlineBeforeAnyChunk) {
  cloud_->Script({{{"fault", "stall_before_first_byte"}, {"ms", 10000}}});
  Collector c;
  Status s = Make(Provider::kOpenAI, "m1", Millis(300))->Generate(Chat("hi"), c.Sink());
  EXPECT_EQ(s.code(), StatusCode::kDeadlineExceeded) << s.ToString();
  EXPECT_TRUE(c.chunks.empty());
}

TEST_F(RemoteTest, ResetMidStreamEndsWithAnErrorChunkNeverAStop) {
  cloud_->Script({{{"fault", "reset_mid_stream"}, {"after", 3}}});
  Collector c;
  ASSERT_TRUE(Make(Provider::kOpenAI, "m1")->Generate(Chat("one two three four five six"),
                                                     c.Sink()).ok());
  ASSERT_TRUE(c.Wait());
  EXPECT_EQ(c.Last().done_reason, chat::DoneReason::kError);
  EXPECT_FALSE(c.Last().error.ok());
  EXPECT_LT(c.Text().size(), std::string("alpha:m1 says: one two three four five six").size());
}

TEST_F(RemoteTest, StallMidStreamEndsWithAnErrorChunk) {
  cloud_->Script({{{"fault", "stall_mid_stream"}, {"after", 5}, {"ms", 10000}}});
  Collector c;
  ASSERT_TRUE(Make(Provider::kAnthropic, "m1")->Generate(Chat("a b c d e f"), c.Sink()).ok());
  ASSERT_TRUE(c.Wait());
  EXPECT_EQ(c.Last().done_reason, chat::DoneReason::kError);
  EXPECT_EQ(c.Last().error.code(), StatusCode::kDeadlineExceeded) << c.Last().error.ToString();
}

TEST_F(RemoteTest, WrongContentTypeAndMalformedStreamsAreDataLoss) {
  cloud_->Script({{{"fault", "wrong_content_type"}}});
  Collector c;
  Status s = Make(Provider::kOpenAI, "m1")->Generate(Chat("hi"), c.Sink());
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  EXPECT_TRUE(c.chunks.empty());

  cloud_->Script({{{"fault", "truncated_json"}, {"after", 2}}});
  Collector c2;
  Status s2 = Make(Provider::kOpenAI, "m1")->Generate(Chat("a b c d e f"), c2.Sink());
  if (s2.ok()) {
    ASSERT_TRUE(c2.Wait());
    EXPECT_EQ(c2.Last().done_reason, chat::DoneReason::kError);
  } else {
    EXPECT_EQ(s2.code(), StatusCode::kDataLoss) << s2.ToString();
  }
}

TEST_F(RemoteTest, CancelClosesTheUpstreamAtOnce) {
  cloud_->Script({{{"fault", "slow_drip"}, {"ms", 300}}});
  auto r = Chat("a b c d e f g h i j");
  r.cancel = std::make_shared<CancelToken>();
  Collector c;
  ASSERT_TRUE(Make(Provider::kOpenAI, "m1")->Generate(r, c.Sink()).ok());
  r.cancel->Cancel();
  ASSERT_TRUE(c.Wait());
  EXPECT_NE(c.Last().done_reason, chat::DoneReason::kStop);
}

TEST_F(RemoteTest, EmbeddingsFromOpenAI) {
  // (The fake serves Gemini's single :embedContent only; hearth sends :batchEmbedContents.)
  for (Provider p : {Provider::kOpenAI}) {
    chat::EmbedRequest e;
    e.model = "group";
    e.inputs = {"one", "two"};
    auto r = Make(p, "emb")->Embed(e);
    ASSERT_TRUE(r.ok()) << ProviderName(p) << ": " << r.status().ToString();
    EXPECT_EQ(r->embeddings.size(), 2u);
  }
  chat::EmbedRequest e;
  e.inputs = {"x"};
  EXPECT_EQ(Make(Provider::kAnthropic, "m")->Embed(e).status().code(),
            StatusCode::kInvalidArgument);
}

// The gateway over two real remote deployments: A answers 503, so B answers, and the fake's log
// shows A's request before B's.
TEST_F(RemoteTest, GatewayFailsOverBetweenRemoteDeployments) {
  auto other = FakeCloud::Start("beta");
  ASSERT_NE(other, nullptr);
  cloud_->Script({{{"fault", "status"}, {"code", 503}, {"times", 5}}});
  Config config;
  for (auto* f : {cloud_.get(), other.get()}) {
    Deployment d;
    d.model_name = "group";
    d.provider = Provider::kOpenAI;
    d.model = "m1";
    d.api_base = f->url() + "/v1";
    d.api_key = Secret("k");
    d.order = f == cloud_.get() ? 1 : 2;
    config.model_list.push_back(d);
  }
  config.router.num_retries = 1;  // the retry goes to the untried order-2 deployment
  config.router.fallbacks = {};
  config.hearth.retry_backoff_base = Millis(1);
  GatewayOptions go;
  go.factory = RemoteFactory({.client = client_.get(), .settings = config.hearth, .router = {}});
  auto g = Gateway::Create(config, go);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  Collector c;
  Status s = (*g)->Generate(Chat("hi"), c.Sink());
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(c.Wait());
  EXPECT_EQ(c.Text(), "beta:m1 says: hi");
  EXPECT_EQ(c.Last().attempts, 2);
  EXPECT_EQ(cloud_->Log().size(), 1u);
  EXPECT_EQ(other->Log().size(), 1u);
}

}  // namespace
}  // namespace hearth::gateway
