// Pulls from the scripted registry (tests/fakes/registry.js): the happy path, then each fault.
// Every case ends in a verified model or a clear error with nothing half-written.
#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "registry/fixture.h"
#include "registry/registry_client.h"
#include "store/sha256.h"
#include "store/store.h"
#include "testing/test_env.h"

namespace hearth::registry {

using namespace store;  // the store these transfers fill
namespace {

namespace fs = std::filesystem;
using testing::FakeRegistry;
using testing::SeenRequest;

class PullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = Open(testing::TempDir());
    dest_ = Open(testing::TempDir());
    registry_dir_ = testing::TempDir();
    built_ =
        testing::BuildModel(*source_, registry_dir_, testing::SharedModel("stories260K-f32.gguf"),
                            "library", "stories", "latest", "You are a storyteller.");
  }

  static std::unique_ptr<Store> Open(const std::string& root) {
    auto s = Store::Open(root);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(*s);
  }

  void StartRegistry(const std::vector<std::string>& flags = {}) {
    reg_ = FakeRegistry::Start(registry_dir_, flags);
    ASSERT_TRUE(reg_);
  }

  ModelName Name(const std::string& model = "stories") const {
    auto n = ModelName::Parse(reg_->host() + "/library/" + model + ":latest");
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return *n;
  }

  Status Pull(RegistryOptions o = testing::TestOptions(), const std::string& model = "stories") {
    RegistryClient client(dest_.get());
    std::lock_guard<std::mutex> l(mu_);
    progress_.clear();
    return client.Pull(Name(model), o, [&](const TransferProgress& p) { progress_.push_back(p); });
  }

  // Statuses in order, consecutive repeats folded.
  std::vector<std::string> Statuses() const {
    std::vector<std::string> out;
    for (const auto& p : progress_) {
      if (out.empty() || out.back() != p.status) out.push_back(p.status);
    }
    return out;
  }

  std::vector<std::string> ExpectedStatuses() const {
    std::vector<std::string> s = {"pulling manifest"};
    for (const Layer& l : built_.manifest.layers)
      s.push_back("pulling " + l.digest.hex.substr(0, 12));
    s.push_back("pulling " + built_.config.hex.substr(0, 12));
    for (const char* t : {"verifying sha256 digest", "writing manifest", "success"}) s.push_back(t);
    return s;
  }

  void ExpectPulled() {
    auto r = dest_->Resolve(Name());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(testing::ReadAll(r->model_path),
              testing::ReadAll(testing::SharedModel("stories260K-f32.gguf")));
    EXPECT_EQ(r->system, "You are a storyteller.");
    auto bytes = dest_->ReadManifestBytes(Name());
    ASSERT_TRUE(bytes.ok());
    EXPECT_EQ(*bytes, built_.manifest_bytes);  // the registry's bytes, unchanged
    VerifyReport v = dest_->Verify(false);
    EXPECT_TRUE(v.ok());
    EXPECT_TRUE(testing::PartialFiles(*dest_).empty());
  }

  // No manifest and no unverified model blob; with `partials_ok`, resumable partial files may
  // stay (a network failure), else none (the bytes were bad).
  void ExpectNothingWritten(bool partials_ok) {
    EXPECT_FALSE(dest_->ReadManifest(Name()).ok());
    EXPECT_FALSE(dest_->HasBlob(built_.model));
    EXPECT_TRUE(dest_->Verify(false).ok());
    if (!partials_ok) {
      EXPECT_EQ(testing::PartialFiles(*dest_), std::vector<std::string>{});
    }
  }

  // Writes a manifest the registry serves as library/<model>:latest.
  void PutManifest(const std::string& model, const std::string& bytes) {
    const std::string dir = registry_dir_ + "/manifests/library/" + model;
    fs::create_directories(dir);
    testing::WriteAll(dir + "/latest", bytes);
  }

  // Requests for the model blob's bytes.
  std::vector<SeenRequest> ModelGets() const {
    std::vector<SeenRequest> out;
    for (const SeenRequest& r : reg_->Log()) {
      if (r.method == "GET" && r.path.find(built_.model.hex) != std::string::npos &&
          (r.status == 200 || r.status == 206)) {
        out.push_back(r);
      }
    }
    return out;
  }

  // True when some ranged GET of the model blob starts inside a part (a resumed part), not at
  // a part boundary (parts are size/16 bytes here).
  bool AnyPartResumed() const {
    const uint64_t part = fs::file_size(testing::SharedModel("stories260K-f32.gguf")) / 16;
    for (const auto& g : ModelGets()) {
      unsigned long long a = 0, b = 0;
      if (std::sscanf(g.range.c_str(), "bytes=%llu-%llu", &a, &b) == 2 && a % part != 0) {
        return true;
      }
    }
    return false;
  }

  std::unique_ptr<Store> source_, dest_;
  std::string registry_dir_;
  testing::BuiltModel built_;
  std::unique_ptr<FakeRegistry> reg_;
  std::mutex mu_;
  std::vector<TransferProgress> progress_;
};

TEST_F(PullTest, PullsInParallelRangedPartsWithOllamasProgress) {
  StartRegistry();
  Status s = Pull();
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectPulled();
  EXPECT_EQ(Statuses(), ExpectedStatuses());
  // Layer progress carries digest and total and ends complete.
  const uint64_t size = fs::file_size(testing::SharedModel("stories260K-f32.gguf"));
  bool saw_model_done = false;
  for (const auto& p : progress_) {
    if (p.digest == built_.model.ToString()) {
      EXPECT_EQ(p.total, size);
      EXPECT_LE(p.completed, size);
      saw_model_done |= p.completed == size;
    } else {
      EXPECT_TRUE(p.digest.empty() || p.digest.rfind("sha256:", 0) == 0);
    }
  }
  EXPECT_TRUE(saw_model_done);
  // 1.18 MB in parts of >= 64 KiB, 16 parts: each byte fetched once, by ranged requests.
  auto gets = ModelGets();
  uint64_t probe = 0, bytes = 0;
  std::set<std::string> ranges;
  for (const auto& g : gets) {
    if (g.range == "bytes=0-0") {
      ++probe;
      continue;
    }
    EXPECT_EQ(g.status, 206);
    EXPECT_TRUE(ranges.insert(g.range).second) << "range fetched twice: " << g.range;
    bytes += g.bytes;
  }
  EXPECT_EQ(probe, 1u);
  EXPECT_EQ(ranges.size(), 16u);
  EXPECT_EQ(bytes, size);
}

TEST_F(PullTest, SecondPullIsAllCacheHits) {
  StartRegistry();
  ASSERT_TRUE(Pull().ok());
  const size_t before = reg_->Log().size();
  Status s = Pull();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Statuses(), ExpectedStatuses());
  auto log = reg_->Log();
  ASSERT_EQ(log.size(), before + 1);  // the manifest only
  EXPECT_NE(log.back().path.find("/manifests/latest"), std::string::npos);
  ExpectPulled();
}

TEST_F(PullTest, DroppedConnectionsAreRetriedAndResumed) {
  StartRegistry({"--drop-after", "20000", "--times", "6", "--fault-digest", built_.model.hex});
  Status s = Pull();
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectPulled();
  // Some part was resumed from where its connection dropped, not restarted.
  EXPECT_TRUE(AnyPartResumed());
}

TEST_F(PullTest, DroppedConnectionWithoutRetriesFailsThenResumesLater) {
  // Every connection drops after 5000 bytes; an attempt that moved bytes does not count against
  // the retry budget, so allow none at all to make this pull fail.
  StartRegistry({"--drop-after", "5000", "--fault-digest", built_.model.hex});
  RegistryOptions o = testing::TestOptions();
  o.max_retries = 0;
  o.max_streams = 2;
  Status s = Pull(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("pulling " + built_.model.hex.substr(0, 12)), std::string::npos)
      << s.message();
  ExpectNothingWritten(/*partials_ok=*/true);
  EXPECT_FALSE(testing::PartialFiles(*dest_).empty());

  // A healthy registry: the pull resumes from the partial file (no range starts at 0 again
  // except the probe, for parts that had bytes).
  StartRegistry();
  s = Pull();
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectPulled();
  EXPECT_TRUE(AnyPartResumed());
}

TEST_F(PullTest, WrongDigestIsAClearErrorAndLeavesNothing) {
  StartRegistry({"--wrong-digest", "--fault-digest", built_.model.hex});
  Status s = Pull();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  EXPECT_NE(s.message().find(built_.model.hex.substr(0, 12)), std::string::npos) << s.message();
  ExpectNothingWritten(/*partials_ok=*/false);
}

TEST_F(PullTest, ManifestNotFound) {
  StartRegistry({"--manifest-404"});
  Status s = Pull();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
  EXPECT_NE(s.message().find("pull model manifest"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("not found"), std::string::npos) << s.message();
  EXPECT_EQ(Statuses(), std::vector<std::string>{"pulling manifest"});
  ExpectNothingWritten(/*partials_ok=*/false);
}

TEST_F(PullTest, FollowsTenRedirects) {
  StartRegistry({"--redirects", "10", "--fault-digest", built_.model.hex});
  Status s = Pull();
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectPulled();
}

TEST_F(PullTest, RefusesElevenRedirects) {
  StartRegistry({"--redirects", "11", "--fault-digest", built_.model.hex});
  Status s = Pull();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("too many redirects"), std::string::npos) << s.message();
  ExpectNothingWritten(/*partials_ok=*/true);
}

TEST_F(PullTest, RefusesRedirectLoop) {
  StartRegistry({"--redirect-loop", "--fault-digest", built_.model.hex});
  Status s = Pull();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("redirect loop"), std::string::npos) << s.message();
  ExpectNothingWritten(/*partials_ok=*/true);
}

TEST_F(PullTest, RefusesRedirectToOtherSchemes) {
  for (const char* to : {"file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://x/"}) {
    StartRegistry({"--redirect-to", to, "--fault-digest", built_.model.hex});
    Status s = Pull();
    ASSERT_FALSE(s.ok()) << to;
    EXPECT_NE(s.message().find("redirect from http://" + reg_->host() + "/v2/"), std::string::npos)
        << s.message();
    EXPECT_NE(s.message().find("unsupported URL scheme"), std::string::npos) << s.message();
    ExpectNothingWritten(/*partials_ok=*/true);
  }
}

TEST_F(PullTest, EndlessErrorBodyDoesNotHang) {
  StartRegistry({"--endless-error"});
  RegistryOptions o = testing::TestOptions();
  o.max_retries = 1;
  Status s = Pull(o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("HTTP 500"), std::string::npos) << s.message();
  ExpectNothingWritten(/*partials_ok=*/false);
}

TEST_F(PullTest, EmptyLayerNeedsNoRequest) {
  auto empty = source_->PutBytes("");
  ASSERT_TRUE(empty.ok());
  fs::copy_file(source_->BlobPath(*empty), registry_dir_ + "/blobs/" + empty->FileName());
  Manifest m = built_.manifest;
  Layer l;
  l.media_type = kMediaLicense;
  l.digest = *empty;
  l.size = 0;
  m.layers.push_back(l);
  PutManifest("withempty", m.Serialize());
  StartRegistry();
  Status s = Pull(testing::TestOptions(), "withempty");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(dest_->HasBlob(*empty));
  for (const auto& r : reg_->Log()) EXPECT_EQ(r.path.find(empty->hex), std::string::npos);
  EXPECT_TRUE(dest_->Verify(false).ok());
  EXPECT_TRUE(testing::PartialFiles(*dest_).empty());
}

TEST_F(PullTest, BearerChallengeThenTokenAndNoTokenToOtherHosts) {
  StartRegistry({"--auth", "--redirects", "2", "--redirect-host", "localhost", "--fault-digest",
                 built_.model.hex});
  Status s = Pull();
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectPulled();
  auto log = reg_->Log();
  ASSERT_GE(log.size(), 3u);
  EXPECT_EQ(log[0].status, 401);
  EXPECT_EQ(log[1].path.rfind("/token?", 0), 0u) << log[1].path;
  EXPECT_NE(log[1].path.find("scope=repository%3Alibrary%2Fstories%3Apull"), std::string::npos)
      << log[1].path;
  bool cdn = false;
  for (const auto& r : log) {
    if (r.host.rfind("localhost:", 0) == 0) {
      cdn = true;
      EXPECT_EQ(r.auth, "") << "token sent to another host: " << r.path;
    } else if (r.path.rfind("/v2/", 0) == 0 && r.status != 401) {
      EXPECT_EQ(r.auth.rfind("Bearer tok-", 0), 0u) << r.path;
    }
  }
  EXPECT_TRUE(cdn);
}

TEST_F(PullTest, RefusesRealmOnAnotherHost) {
  StartRegistry({"--auth", "--realm", "http://localhost:1/token"});
  Status s = Pull();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("refusing token realm localhost:1"), std::string::npos) << s.message();
  for (const auto& r : reg_->Log()) EXPECT_EQ(r.path.find("/token"), std::string::npos);
  ExpectNothingWritten(/*partials_ok=*/false);
}

TEST_F(PullTest, StalledPartsAreRetried) {
  StartRegistry({"--stall-after", "1000", "--times", "3", "--fault-digest", built_.model.hex});
  RegistryOptions o = testing::TestOptions();
  o.stall_timeout = std::chrono::milliseconds(400);
  Status s = Pull(o);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectPulled();
}

TEST_F(PullTest, PermanentStallGivesUpAfterBoundedRetries) {
  StartRegistry({"--stall-after", "0", "--fault-digest", built_.model.hex});
  RegistryOptions o = testing::TestOptions();
  o.stall_timeout = std::chrono::milliseconds(300);
  o.max_retries = 2;
  o.max_streams = 4;
  Status s = Pull(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("stalled"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("giving up after 3 attempts"), std::string::npos) << s.message();
  ExpectNothingWritten(/*partials_ok=*/true);
}

TEST_F(PullTest, SlowDripIsNotAStall) {
  // 16 KiB every 600 ms per connection: gaps of 60% of the stall timeout, ~3 s in all.
  StartRegistry({"--drip", "16384:600", "--fault-digest", built_.model.hex});
  RegistryOptions o = testing::TestOptions();
  o.stall_timeout = std::chrono::milliseconds(1000);
  Status s = Pull(o);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectPulled();
}

TEST_F(PullTest, TransientServerErrorsAreRetried) {
  StartRegistry({"--status-5xx", "--times", "3"});
  Status s = Pull();
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectPulled();
}

TEST_F(PullTest, PersistentServerErrorIsAClearError) {
  StartRegistry({"--status-5xx"});
  RegistryOptions o = testing::TestOptions();
  o.max_retries = 2;
  Status s = Pull(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("HTTP 503"), std::string::npos) << s.message();
  ExpectNothingWritten(/*partials_ok=*/false);
}

TEST_F(PullTest, RegistryWithoutRangesStillWorks) {
  StartRegistry({"--no-ranges"});
  Status s = Pull();
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectPulled();
}

TEST_F(PullTest, OversizedManifestIsRefused) {
  PutManifest("big", "{\"schemaVersion\":2,\"x\":\"" + std::string(200000, 'a') + "\"}");
  StartRegistry();
  RegistryOptions o = testing::TestOptions();
  o.max_manifest_bytes = 100000;
  Status s = Pull(o, "big");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.ToString();
  EXPECT_NE(s.message().find("larger than 100000 bytes"), std::string::npos) << s.message();
  EXPECT_FALSE(dest_->ReadManifest(Name("big")).ok());
}

TEST_F(PullTest, MalformedManifestsAreRefused) {
  const std::string good = built_.manifest_bytes;
  std::string escaping = good;
  escaping.replace(escaping.find(built_.model.hex), 64,
                   "../../../../etc/passwd" + std::string(42, 'a'));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"notjson", "this is not json"},
      {"truncated", good.substr(0, good.size() / 2)},
      {"escaping", escaping},
      {"negative", R"({"schemaVersion":2,"config":{"digest":"sha256:)" + built_.config.hex +
                       R"(","size":-5,"mediaType":"x"},"layers":[]})"},
  };
  StartRegistry();
  for (const auto& [model, body] : cases) {
    PutManifest(model, body);
    Status s = Pull(testing::TestOptions(), model);
    ASSERT_FALSE(s.ok()) << model;
    EXPECT_EQ(s.code(), StatusCode::kDataLoss) << model << ": " << s.ToString();
    EXPECT_NE(s.message().find("invalid manifest"), std::string::npos) << s.message();
    EXPECT_FALSE(dest_->ReadManifest(Name(model)).ok());
  }
  EXPECT_EQ(testing::FilesIn(dest_->root() + "/blobs"), std::vector<std::string>{});
}

TEST_F(PullTest, SizeDisagreeingWithManifestIsRefused) {
  Manifest m = built_.manifest;
  m.layers[0].size += 1;
  PutManifest("liar", m.Serialize());
  StartRegistry();
  Status s = Pull(testing::TestOptions(), "liar");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  EXPECT_NE(s.message().find("the manifest says"), std::string::npos) << s.message();
  EXPECT_FALSE(dest_->ReadManifest(Name("liar")).ok());
  EXPECT_FALSE(dest_->HasBlob(built_.model));
}

TEST_F(PullTest, InvalidGgufLayerIsRefused) {
  // A "model" layer whose bytes match their digest but are not a GGUF.
  auto junk = source_->PutBytes(std::string(5000, 'j'));
  ASSERT_TRUE(junk.ok());
  fs::copy_file(source_->BlobPath(*junk), registry_dir_ + "/blobs/" + junk->FileName());
  Manifest m = built_.manifest;
  m.layers[0].digest = *junk;
  m.layers[0].size = 5000;
  PutManifest("junk", m.Serialize());
  StartRegistry();
  Status s = Pull(testing::TestOptions(), "junk");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("pulling " + junk->hex.substr(0, 12)), std::string::npos)
      << s.message();
  EXPECT_FALSE(dest_->ReadManifest(Name("junk")).ok());
  EXPECT_FALSE(dest_->HasBlob(*junk));
  EXPECT_EQ(testing::PartialFiles(*dest_), std::vector<std::string>{});
}

TEST_F(PullTest, FailedPullGivesBackItsPins) {
  // The model layer arrives, then a layer the registry does not have fails the pull: the blob it
  // did fetch must not stay pinned for the life of this (long-lived, as in `serve`) Store.
  Manifest m = built_.manifest;
  Layer absent = m.layers[0];
  absent.digest = store::Sha256Of("a layer the registry does not have");
  absent.size = 34;
  absent.media_type = "application/vnd.ollama.image.system";
  m.layers.push_back(absent);
  PutManifest("broken", m.Serialize());
  StartRegistry();
  Status s = Pull(testing::TestOptions(), "broken");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(absent.digest.hex.substr(0, 12)), std::string::npos) << s.message();
  ASSERT_TRUE(dest_->HasBlob(built_.model));  // fetched and verified before the failure
  ASSERT_TRUE(dest_->Prune().ok());
  EXPECT_FALSE(dest_->HasBlob(built_.model));  // no manifest and no pin: pruned

  // A successful pull still protects its blobs until the manifest holds them, then releases.
  ASSERT_TRUE(Pull().ok());
  ASSERT_TRUE(dest_->Prune().ok());
  EXPECT_TRUE(dest_->HasBlob(built_.model));
  ASSERT_TRUE(dest_->Delete(Name("stories")).ok());
  EXPECT_FALSE(dest_->HasBlob(built_.model));
}

TEST_F(PullTest, ConcurrentPullsShareOneDownload) {
  // ~0.4 s per part: the second pull joins the first one's download under way.
  StartRegistry({"--drip", "4096:20", "--fault-digest", built_.model.hex});
  RegistryClient client(dest_.get());
  Status a, b;
  std::thread t1([&] { a = client.Pull(Name(), testing::TestOptions(), nullptr); });
  std::thread t2([&] { b = client.Pull(Name(), testing::TestOptions(), nullptr); });
  t1.join();
  t2.join();
  ASSERT_TRUE(a.ok()) << a.ToString();
  ASSERT_TRUE(b.ok()) << b.ToString();
  ExpectPulled();
  uint64_t bytes = 0;
  for (const auto& g : ModelGets()) {
    if (g.range != "bytes=0-0") bytes += g.bytes;
  }
  EXPECT_EQ(bytes, fs::file_size(testing::SharedModel("stories260K-f32.gguf")));
}

TEST_F(PullTest, CancelLeavesResumablePartials) {
  // ~1.5 s per part: the cancel at 400 ms lands mid-download.
  StartRegistry({"--drip", "1024:20", "--fault-digest", built_.model.hex});
  CancelToken cancel;
  RegistryOptions o = testing::TestOptions();
  o.cancel = &cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    cancel.Cancel();
  });
  Status s = Pull(o);
  canceller.join();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kCancelled) << s.ToString();
  ExpectNothingWritten(/*partials_ok=*/true);
  EXPECT_FALSE(testing::PartialFiles(*dest_).empty());

  StartRegistry();
  s = Pull();
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectPulled();
}

TEST_F(PullTest, ResumesOllamasPartialFiles) {
  // An interrupted Ollama download: the data file at full size (sparse), and part 0's state
  // recording the first 500000 bytes as done.
  const std::string model = testing::ReadAll(testing::SharedModel("stories260K-f32.gguf"));
  std::string data = model.substr(0, 500000);
  data.resize(model.size(), '\0');
  testing::WriteAll(dest_->PartialPath(built_.model), data);
  testing::WriteAll(dest_->PartialPath(built_.model, 0),
                    "{\"N\":0,\"Offset\":0,\"Size\":" + std::to_string(model.size()) +
                        ",\"Completed\":500000}\n");
  StartRegistry();
  Status s = Pull();
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectPulled();
  auto gets = ModelGets();
  ASSERT_EQ(gets.size(), 2u);
  EXPECT_EQ(gets[0].range, "bytes=0-0");
  EXPECT_EQ(gets[1].range, "bytes=500000-" + std::to_string(model.size() - 1));
}

TEST_F(PullTest, NewVersionRemovesUnusedLayers) {
  StartRegistry();
  ASSERT_TRUE(Pull().ok());
  const Digest old_system = built_.manifest.layers[1].digest;
  ASSERT_TRUE(dest_->HasBlob(old_system));
  // The registry's model gets a new system prompt.
  built_ =
      testing::BuildModel(*source_, registry_dir_, testing::SharedModel("stories260K-f32.gguf"),
                          "library", "stories", "latest", "You are a poet.");
  Status s = Pull();
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto st = Statuses();
  ASSERT_GE(st.size(), 3u);
  EXPECT_EQ(st[st.size() - 2], "removing unused layers");
  EXPECT_FALSE(dest_->HasBlob(old_system));
  auto r = dest_->Resolve(Name());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->system, "You are a poet.");
}

}  // namespace
}  // namespace hearth::registry
