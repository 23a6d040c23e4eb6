// Crash and concurrency safety across processes: writers killed with SIGKILL at random points,
// and two writer processes at once, must leave a store that verifies clean and where every
// manifest resolves to complete, verified blobs.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <set>

#include "gguf/gguf.h"
#include "store/store.h"
#include "store_testing.h"
#include "testing/test_env.h"

namespace hearth::store {
namespace {

using hearth::testing::SharedModel;
using testing::Files;

// Exit codes of a writer child.
constexpr int kWriterOk = 0;
constexpr int kWriterFailed = 3;

// Runs in a forked child: imports a GGUF and a fresh 256 KiB blob per iteration (streamed in
// small writes, so a kill lands mid-blob often), writes, copies and deletes manifests, and
// prunes now and then. `iterations` < 0 loops until killed. Never returns.
[[noreturn]] void WriterLoop(const std::string& root, int id, int iterations) {
  auto opened = Store::Open(root);
  if (!opened.ok()) _exit(2);
  Store& s = **opened;
  const std::string gguf = SharedModel("stories260K-q4_0.gguf");
  const uint64_t gguf_size = testing::FileSize(gguf);
  std::mt19937_64 rng(static_cast<uint64_t>(getpid()));
  std::vector<char> chunk(4096);
  for (int i = 0; iterations < 0 || i < iterations; ++i) {
    auto model = s.ImportFile(gguf, true);
    if (!model.ok()) _exit(kWriterFailed);
    auto w = s.NewBlob(std::nullopt, false);
    if (!w.ok()) _exit(kWriterFailed);
    for (int c = 0; c < 64; ++c) {
      for (char& b : chunk) b = static_cast<char>(rng());
      if (!(*w)->Write(chunk.data(), chunk.size()).ok()) _exit(kWriterFailed);
    }
    auto extra = (*w)->Commit();
    if (!extra.ok()) _exit(kWriterFailed);
    Manifest m = testing::MakeManifest(s, *model, gguf_size,
                                       {{kMediaSystem, "writer " + std::to_string(id)}});
    m.layers.push_back({kMediaLicense, *extra, 64 * chunk.size(), "", ""});
    const std::string tag = std::to_string(i % 4);
    const ModelName name = ModelName::Parse("w" + std::to_string(id) + ":" + tag).value();
    if (!s.WriteManifest(name, m).ok()) _exit(kWriterFailed);
    const ModelName copy = ModelName::Parse("c" + std::to_string(id) + ":" + tag).value();
    if (i % 2 == 0 && !s.Copy(name, copy).ok()) _exit(kWriterFailed);
    if (i % 3 == 2 && !s.Delete(name).ok()) _exit(kWriterFailed);
    if (i % 5 == 4 && !s.Prune().ok()) _exit(kWriterFailed);
  }
  _exit(kWriterOk);
}

pid_t StartWriter(const std::string& root, int id, int iterations) {
  const pid_t pid = fork();
  if (pid == 0) WriterLoop(root, id, iterations);
  return pid;
}

// Waits for `pid`; returns its exit code, or 128 + signal.
int Wait(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Every manifest resolves, and every model layer passes the GGUF reader.
void ExpectEveryManifestResolves(Store& s) {
  for (const ListedModel& l : s.List()) {
    auto r = s.Resolve(l.name);
    ASSERT_TRUE(r.ok()) << l.name.Display() << ": " << r.status().ToString();
    EXPECT_TRUE(gguf::ReadFile(r->model_path).ok()) << r->model_path;
    EXPECT_FALSE(r->system.empty());
  }
}

TEST(StoreProcessTest, KillNineAtRandomPointsLeavesAVerifiedStore) {
  std::string root;
  auto probe = testing::OpenTemp(&root);
  ASSERT_TRUE(probe);
  std::mt19937 rng(20240607);  // fixed: the same kill points on every run
  std::uniform_int_distribution<int> delay_us(0, 40'000);
  int killed = 0;
  for (int iter = 0; iter < 20; ++iter) {
    const pid_t pid = StartWriter(root, iter % 3, -1);
    ASSERT_GT(pid, 0);
    usleep(static_cast<useconds_t>(delay_us(rng)));
    kill(pid, SIGKILL);
    const int code = Wait(pid);
    // The loop never ends by itself: a writer that exited failed an operation.
    ASSERT_EQ(code, 128 + SIGKILL) << "writer exited with " << code << " at iteration " << iter;
    ++killed;

    auto s = Store::Open(root).value();
    const VerifyReport r = s->Verify(false);
    ASSERT_TRUE(r.ok()) << "after kill " << iter << ": "
                        << (r.details.empty() ? "" : r.details.front());
    ExpectEveryManifestResolves(*s);
  }
  EXPECT_EQ(killed, 20);
  // The store stays writable, and pruning clears what the killed writers left behind (temp
  // files, stale pin files).
  ASSERT_EQ(Wait(StartWriter(root, 7, 3)), kWriterOk);
  auto s = Store::Open(root).value();
  ASSERT_TRUE(s->Prune().ok());
  for (const std::string& f : Files(root + "/blobs")) {
    EXPECT_TRUE(Digest::Parse(f).ok()) << "left behind: " << f;
  }
  EXPECT_TRUE(Files(root + "/.pins").empty());
  EXPECT_TRUE(s->Verify(false).ok());
  EXPECT_FALSE(s->List().empty());
  ExpectEveryManifestResolves(*s);
}

TEST(StoreProcessTest, TwoWriterProcessesNeverCorruptTheStore) {
  std::string root;
  auto probe = testing::OpenTemp(&root);
  ASSERT_TRUE(probe);
  const pid_t a = StartWriter(root, 1, 12);
  const pid_t b = StartWriter(root, 2, 12);
  ASSERT_GT(a, 0);
  ASSERT_GT(b, 0);
  // Every operation of both writers succeeded: no lost blob, no failed manifest write.
  EXPECT_EQ(Wait(a), kWriterOk);
  EXPECT_EQ(Wait(b), kWriterOk);
  auto s = Store::Open(root).value();
  const VerifyReport r = s->Verify(false);
  EXPECT_TRUE(r.ok()) << (r.details.empty() ? "" : r.details.front());
  ExpectEveryManifestResolves(*s);
  // Both writers' last models are there: w<id>:2 was last written at i = 10 and last deleted
  // at i = 2.
  EXPECT_TRUE(s->Resolve(ModelName::Parse("w1:2").value()).ok());
  EXPECT_TRUE(s->Resolve(ModelName::Parse("w2:2").value()).ok());
  // Nothing unreferenced survives a prune once the writers are gone.
  ASSERT_TRUE(s->Prune().ok());
  std::set<std::string> referenced;
  for (const ListedModel& l : s->List()) {
    const Manifest m = s->ReadManifest(l.name).value();
    referenced.insert(m.config.digest.FileName());
    for (const Layer& layer : m.layers) referenced.insert(layer.digest.FileName());
  }
  const std::vector<std::string> blobs = Files(root + "/blobs");
  EXPECT_EQ(std::set<std::string>(blobs.begin(), blobs.end()), referenced);
}

}  // namespace
}  // namespace hearth::store
