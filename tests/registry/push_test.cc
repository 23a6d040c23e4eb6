// Pushes to the scripted registry, and pulls of what was pushed.
#include <gtest/gtest.h>

#include <filesystem>

#include "registry/fixture.h"
#include "registry/registry_client.h"
#include "store/store.h"
#include "testing/test_env.h"

namespace hearth::registry {

using namespace store;  // the store these transfers fill
namespace {

namespace fs = std::filesystem;
using testing::FakeRegistry;

class PushTest : public ::testing::Test {
 protected:
  void Start(const std::vector<std::string>& flags = {}) {
    registry_dir_ = testing::TempDir();
    reg_ = FakeRegistry::Start(registry_dir_, flags);
    ASSERT_TRUE(reg_);
    auto s = Store::Open(testing::TempDir());
    ASSERT_TRUE(s.ok());
    local_ = std::move(*s);
    // Registry content is built in a scratch directory; only the local store keeps the model.
    built_ = testing::BuildModel(*local_, testing::TempDir(),
                                 testing::SharedModel("stories260K-q8_0.gguf"), "team", "stories",
                                 "v1", "Tell short stories.");
    auto n = ModelName::Parse(reg_->host() + "/team/stories:v1");
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    name_ = *n;
    ASSERT_TRUE(local_->WriteManifestBytes(name_, built_.manifest_bytes).ok());
  }

  Status Push() {
    RegistryClient client(local_.get());
    statuses_.clear();
    return client.Push(name_, testing::TestOptions(), [&](const TransferProgress& p) {
      if (statuses_.empty() || statuses_.back() != p.status) statuses_.push_back(p.status);
    });
  }

  std::string registry_dir_;
  std::unique_ptr<FakeRegistry> reg_;
  std::unique_ptr<Store> local_;
  testing::BuiltModel built_;
  ModelName name_;
  std::vector<std::string> statuses_;
};

TEST_F(PushTest, UploadsBlobsThenManifestAndPullsBack) {
  Start();
  Status s = Push();
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::vector<std::string> want = {"retrieving manifest"};
  for (const Layer& l : built_.manifest.layers)
    want.push_back("pushing " + l.digest.hex.substr(0, 12));
  want.push_back("pushing " + built_.config.hex.substr(0, 12));
  want.push_back("pushing manifest");
  want.push_back("success");
  EXPECT_EQ(statuses_, want);
  EXPECT_EQ(testing::ReadAll(registry_dir_ + "/manifests/team/stories/v1"), built_.manifest_bytes);
  for (const Digest& d : built_.all) {
    EXPECT_EQ(testing::ReadAll(registry_dir_ + "/blobs/" + d.FileName()),
              testing::ReadAll(local_->BlobPath(d)));
  }
  // Every blob went up as POST + PUT ?digest=.
  size_t posts = 0, puts = 0;
  for (const auto& r : reg_->Log()) {
    if (r.method == "POST") ++posts;
    if (r.method == "PUT" && r.path.find("?digest=sha256%3A") != std::string::npos) ++puts;
  }
  EXPECT_EQ(posts, built_.all.size());
  EXPECT_EQ(puts, built_.all.size());

  auto other = Store::Open(testing::TempDir());
  ASSERT_TRUE(other.ok());
  RegistryClient client(other->get());
  s = client.Pull(name_, testing::TestOptions(), nullptr);
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto r = (*other)->Resolve(name_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(testing::ReadAll(r->model_path),
            testing::ReadAll(testing::SharedModel("stories260K-q8_0.gguf")));
  EXPECT_EQ(r->system, "Tell short stories.");
}

TEST_F(PushTest, SkipsBlobsTheRegistryHas) {
  Start();
  ASSERT_TRUE(Push().ok());
  const size_t before = reg_->Log().size();
  Status s = Push();
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto log = reg_->Log();
  size_t heads = 0;
  for (size_t i = before; i < log.size(); ++i) {
    EXPECT_NE(log[i].method, "POST") << log[i].path;
    if (log[i].method == "HEAD") {
      ++heads;
      EXPECT_EQ(log[i].status, 200);
    }
  }
  EXPECT_EQ(heads, built_.all.size());
}

TEST_F(PushTest, AnswersBearerChallenge) {
  Start({"--auth"});
  Status s = Push();
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto log = reg_->Log();
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log[0].status, 401);
  EXPECT_EQ(testing::ReadAll(registry_dir_ + "/manifests/team/stories/v1"), built_.manifest_bytes);
}

TEST_F(PushTest, MissingLocalBlobFailsBeforeTheManifest) {
  Start();
  fs::remove(local_->BlobPath(built_.model));
  Status s = Push();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(built_.model.ToString()), std::string::npos) << s.message();
  EXPECT_FALSE(fs::exists(registry_dir_ + "/manifests/team/stories/v1"));
  for (const auto& r : reg_->Log()) EXPECT_EQ(r.path.find("/manifests/"), std::string::npos);
}

TEST_F(PushTest, UnknownModelIsNotFound) {
  Start();
  auto n = ModelName::Parse(reg_->host() + "/team/absent:v1");
  ASSERT_TRUE(n.ok());
  RegistryClient client(local_.get());
  Status s = client.Push(*n, testing::TestOptions(), nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
  EXPECT_TRUE(reg_->Log().empty());
}

}  // namespace
}  // namespace hearth::registry
