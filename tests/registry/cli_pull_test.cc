// `hearth pull` / `hearth push` as processes: Ollama's progress output, exit codes, kill -9 at
// random points followed by a resuming pull, and two processes sharing one download.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <random>
#include <sstream>
#include <thread>

#include "registry/fixture.h"
#include "store/store.h"
#include "testing/test_env.h"

namespace hearth::registry {

using namespace store;  // the store these transfers fill
namespace {

namespace fs = std::filesystem;
using testing::Child;
using testing::FakeRegistry;

constexpr uint64_t kPartBytes = 128 << 10;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class CliPullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::Open(testing::TempDir());
    ASSERT_TRUE(s.ok());
    source_ = std::move(*s);
    registry_dir_ = testing::TempDir();
    dest_root_ = testing::TempDir();
    built_ =
        testing::BuildModel(*source_, registry_dir_, testing::SharedModel("stories260K-f32.gguf"),
                            "library", "stories", "latest", "Once upon a time.");
    size_ = fs::file_size(testing::SharedModel("stories260K-f32.gguf"));
  }

  std::string Name() const { return reg_->host() + "/library/stories:latest"; }

  Child Hearth(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {testing::HearthBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::Spawn(argv, {"HEARTH_MODELS=" + dest_root_,
                                 "HEARTH_PULL_PART_BYTES=" + std::to_string(kPartBytes),
                                 "HEARTH_PULL_STALL_MS=3000", "HEARTH_PULL_RETRY_MS=20"});
  }

  // The destination store holds the model, complete and verified, and nothing else half-done.
  void ExpectPulled() {
    auto s = Store::Open(dest_root_);
    ASSERT_TRUE(s.ok());
    auto n = ModelName::Parse(Name());
    ASSERT_TRUE(n.ok());
    auto r = (*s)->Resolve(*n);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(testing::ReadAll(r->model_path),
              testing::ReadAll(testing::SharedModel("stories260K-f32.gguf")));
    EXPECT_TRUE((*s)->Verify(false).ok());
    EXPECT_EQ(testing::PartialFiles(**s), std::vector<std::string>{});
  }

  // True once some part state file of the model records completed bytes.
  bool ProgressRecorded() const {
    for (const std::string& f : testing::FilesIn(dest_root_ + "/blobs")) {
      if (f.find(built_.model.hex + "-partial-") == std::string::npos) continue;
      const std::string state = testing::ReadAll(dest_root_ + "/blobs/" + f);
      const size_t at = state.find("\"Completed\":");
      if (at != std::string::npos && state.compare(at + 12, 2, "0}") != 0) return true;
    }
    return false;
  }

  uint64_t ModelBytesServed() const {
    uint64_t bytes = 0;
    for (const auto& r : reg_->Log()) {
      if (r.method == "GET" && r.path.find(built_.model.hex) != std::string::npos &&
          r.range != "bytes=0-0") {
        bytes += r.bytes;
      }
    }
    return bytes;
  }

  std::unique_ptr<Store> source_;
  std::string registry_dir_, dest_root_;
  testing::BuiltModel built_;
  uint64_t size_ = 0;
  std::unique_ptr<FakeRegistry> reg_;
};

TEST_F(CliPullTest, PrintsOllamasProgressLines) {
  reg_ = FakeRegistry::Start(registry_dir_);
  ASSERT_TRUE(reg_);
  Child c = Hearth({"pull", "--insecure", Name()});
  ASSERT_EQ(testing::Wait(c, std::chrono::seconds(60)), 0) << testing::ReadAll(c.err_path);
  EXPECT_EQ(testing::ReadAll(c.out_path), "");
  auto lines = Lines(testing::ReadAll(c.err_path));
  ASSERT_EQ(lines.size(), 7u) << testing::ReadAll(c.err_path);
  EXPECT_EQ(lines[0], "pulling manifest");
  const std::string model12 = built_.model.hex.substr(0, 12);
  EXPECT_EQ(lines[1].rfind("pulling " + model12 + ": 100% ▕██", 0), 0u) << lines[1];
  EXPECT_NE(lines[1].find("▏ 1.2 MB"), std::string::npos) << lines[1];
  EXPECT_EQ(lines[2].rfind(
                "pulling " + built_.manifest.layers[1].digest.hex.substr(0, 12) + ": 100% ▕", 0),
            0u)
      << lines[2];
  EXPECT_NE(lines[2].find("▏   17 B"), std::string::npos) << lines[2];
  EXPECT_EQ(lines[3].rfind("pulling " + built_.config.hex.substr(0, 12) + ": 100% ▕", 0), 0u);
  EXPECT_EQ(lines[4], "verifying sha256 digest");
  EXPECT_EQ(lines[5], "writing manifest");
  EXPECT_EQ(lines[6], "success");
  ExpectPulled();
}

TEST_F(CliPullTest, FailuresExitOneWithError) {
  reg_ = FakeRegistry::Start(registry_dir_, {"--manifest-404"});
  ASSERT_TRUE(reg_);
  Child c = Hearth({"pull", "--insecure", Name()});
  ASSERT_EQ(testing::Wait(c, std::chrono::seconds(60)), 1);
  auto lines = Lines(testing::ReadAll(c.err_path));
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back().rfind("Error: pull model manifest: model \"", 0), 0u) << lines.back();

  Child bad = Hearth({"pull", "../../etc/passwd"});
  EXPECT_EQ(testing::Wait(bad, std::chrono::seconds(30)), 1);
  EXPECT_EQ(testing::ReadAll(bad.err_path).rfind("Error: ", 0), 0u);

  Child usage = Hearth({"pull"});
  EXPECT_EQ(testing::Wait(usage, std::chrono::seconds(30)), 2);
}

TEST_F(CliPullTest, WithoutInsecureSpeaksHttps) {
  reg_ = FakeRegistry::Start(registry_dir_);
  ASSERT_TRUE(reg_);
  Child c = Hearth({"pull", Name()});
  EXPECT_EQ(testing::Wait(c, std::chrono::seconds(60)), 1);
  EXPECT_NE(testing::ReadAll(c.err_path).find("Error: pull model manifest: GET https://"),
            std::string::npos)
      << testing::ReadAll(c.err_path);
}

TEST_F(CliPullTest, KillNineAtRandomPointsThenResume) {
  // About 50 KB/s per connection: the 1.2 MB model in 10 parallel parts takes ~2.3 s, so most
  // kills land mid-download.
  reg_ =
      FakeRegistry::Start(registry_dir_, {"--drip", "1024:20", "--fault-digest", built_.model.hex});
  ASSERT_TRUE(reg_);
  std::mt19937 rng(20261123);
  std::uniform_int_distribution<int> when_ms(30, 700);
  std::uniform_int_distribution<int> after_ms(0, 400);
  int mid_download = 0;
  for (int round = 0; round < 6; ++round) {
    Child c = Hearth({"pull", "--insecure", Name()});
    if (round % 2 == 0) {
      // Any moment from start-up on.
      std::this_thread::sleep_for(std::chrono::milliseconds(when_ms(rng)));
    } else {
      // A moment after some progress was recorded (so there is something to resume), however
      // slowly the binary starts.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      while (!ProgressRecorded() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(after_ms(rng)));
    }
    ::kill(c.pid, SIGKILL);
    testing::Wait(c, std::chrono::seconds(10));
    // Whatever the moment, the store verifies clean, and a manifest only ever names a
    // complete, verified model.
    auto s = Store::Open(dest_root_);
    ASSERT_TRUE(s.ok());
    VerifyReport v = (*s)->Verify(false);
    EXPECT_TRUE(v.ok()) << "round " << round;
    auto n = ModelName::Parse(Name());
    if ((*s)->ReadManifest(*n).ok()) {
      auto r = (*s)->Resolve(*n);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(fs::file_size(r->model_path), size_);
    } else {
      ++mid_download;
    }
  }
  EXPECT_GE(mid_download, 3);
  Child c = Hearth({"pull", "--insecure", Name()});
  ASSERT_EQ(testing::Wait(c, std::chrono::seconds(120)), 0) << testing::ReadAll(c.err_path);
  ExpectPulled();
  // Parts were resumed where the killed processes left them, not restarted.
  bool resumed = false;
  for (const auto& r : reg_->Log()) {
    unsigned long long a = 0, b = 0;
    if (r.path.find(built_.model.hex) != std::string::npos &&
        std::sscanf(r.range.c_str(), "bytes=%llu-%llu", &a, &b) == 2 && a % kPartBytes != 0) {
      resumed = true;
    }
  }
  EXPECT_TRUE(resumed);
}

TEST_F(CliPullTest, TwoProcessesShareOneDownload) {
  reg_ =
      FakeRegistry::Start(registry_dir_, {"--drip", "4096:10", "--fault-digest", built_.model.hex});
  ASSERT_TRUE(reg_);
  Child a = Hearth({"pull", "--insecure", Name()});
  Child b = Hearth({"pull", "--insecure", Name()});
  EXPECT_EQ(testing::Wait(a, std::chrono::seconds(120)), 0) << testing::ReadAll(a.err_path);
  EXPECT_EQ(testing::Wait(b, std::chrono::seconds(120)), 0) << testing::ReadAll(b.err_path);
  ExpectPulled();
  EXPECT_EQ(ModelBytesServed(), size_);
}

TEST_F(CliPullTest, PushThenPullThroughTheCli) {
  reg_ = FakeRegistry::Start(testing::TempDir());
  ASSERT_TRUE(reg_);
  // Put the model into the destination store under a name on the (empty) registry, push it,
  // then pull it into a third store.
  auto dest = Store::Open(dest_root_);
  ASSERT_TRUE(dest.ok());
  auto name = ModelName::Parse(reg_->host() + "/me/stories:v2");
  ASSERT_TRUE(name.ok());
  for (const Digest& d : built_.all) {
    ASSERT_TRUE((*dest)->ImportFile(source_->BlobPath(d), false).ok());
  }
  ASSERT_TRUE((*dest)->WriteManifestBytes(*name, built_.manifest_bytes).ok());
  Child push = Hearth({"push", "--insecure", name->Full()});
  ASSERT_EQ(testing::Wait(push, std::chrono::seconds(60)), 0) << testing::ReadAll(push.err_path);
  auto lines = Lines(testing::ReadAll(push.err_path));
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines.front(), "retrieving manifest");
  EXPECT_EQ(lines[lines.size() - 2], "pushing manifest");
  EXPECT_EQ(lines.back(), "success");

  dest_root_ = testing::TempDir();
  Child pull = Hearth({"pull", "--insecure", name->Full()});
  ASSERT_EQ(testing::Wait(pull, std::chrono::seconds(60)), 0) << testing::ReadAll(pull.err_path);
  auto third = Store::Open(dest_root_);
  ASSERT_TRUE(third.ok());
  auto r = (*third)->Resolve(*name);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(testing::ReadAll(r->model_path),
            testing::ReadAll(testing::SharedModel("stories260K-f32.gguf")));
}

}  // namespace
}  // namespace hearth::registry
