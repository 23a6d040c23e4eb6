// The store through the real `hearth` binary, on a store laid out exactly as Ollama lays it
// out (built here by hand, not through the Store API): list, run by name, cp, rm, verify.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "store/sha256.h"
#include "store_testing.h"
#include "testing/test_env.h"

namespace hearth::store {
namespace {

namespace fs = std::filesystem;
using hearth::testing::HearthBinary;
using hearth::testing::ReadAll;
using hearth::testing::SharedModel;
using hearth::testing::WriteAll;

struct Ran {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs hearth with HEARTH_MODELS=`root`.
Ran Hearth(const std::string& root, const std::string& args) {
  const std::string err_file = hearth::testing::TempDir() + "/stderr";
  const std::string cmd = "HEARTH_MODELS='" + root + "' " + HearthBinary() + " " + args +
                          " </dev/null 2>'" + err_file + "'";
  const hearth::testing::CommandResult c = hearth::testing::RunShell(cmd);
  Ran r;
  r.exit_code = c.exit_code;
  r.out = c.out;
  r.err = ReadAll(err_file);
  return r;
}

// Writes `bytes` as blobs/sha256-<hex> the way Ollama names blobs; returns the digest.
Digest OllamaBlob(const std::string& root, const std::string& bytes) {
  const Digest d = Sha256Of(bytes);
  WriteAll(root + "/blobs/sha256-" + d.hex, bytes);
  return d;
}

std::string LayerJson(const char* media_type, const Digest& d, size_t size) {
  return std::string(R"({"mediaType":")") + media_type + R"(","digest":")" + d.ToString() +
         R"(","size":)" + std::to_string(size) + "}";
}

// An Ollama model store holding stories260K as registry.ollama.ai/library/stories:260k.
struct OllamaStore {
  std::string root;
  std::string manifest_path;
  std::string manifest;
  Digest model, config, params;
  uint64_t total_size = 0;
};

OllamaStore MakeOllamaStore() {
  OllamaStore o;
  o.root = hearth::testing::TempDir() + "/ollama-models";
  fs::create_directories(o.root + "/blobs");
  fs::create_directories(o.root + "/manifests/registry.ollama.ai/library/stories");
  const std::string gguf = ReadAll(SharedModel("stories260K-f32.gguf"));
  o.model = OllamaBlob(o.root, gguf);
  const std::string params = R"({"stop":["<|end|>"],"temperature":0.7})";
  o.params = OllamaBlob(o.root, params);
  const std::string config =
      R"({"model_format":"gguf","model_family":"llama","model_families":["llama"],)"
      R"("model_type":"260K","file_type":"F32","architecture":"amd64","os":"linux",)"
      R"("rootfs":{"type":"layers","diff_ids":[")" +
      o.model.ToString() + R"(",")" + o.params.ToString() + R"("]}})";
  o.config = OllamaBlob(o.root, config);
  o.manifest =
      R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.)"
      R"(manifest.v2+json","config":)" +
      LayerJson("application/vnd.docker.container.image.v1+json", o.config, config.size()) +
      R"(,"layers":[)" + LayerJson("application/vnd.ollama.image.model", o.model, gguf.size()) +
      "," + LayerJson("application/vnd.ollama.image.params", o.params, params.size()) + "]}\n";
  o.manifest_path = o.root + "/manifests/registry.ollama.ai/library/stories/260k";
  WriteAll(o.manifest_path, o.manifest);
  o.total_size = gguf.size() + params.size() + config.size();
  // Modified two minutes ago, so MODIFIED is deterministic.
  timespec times[2];
  clock_gettime(CLOCK_REALTIME, &times[0]);
  times[0].tv_sec -= 150;
  times[1] = times[0];
  utimensat(AT_FDCWD, o.manifest_path.c_str(), times, 0);
  return o;
}

// Every path under `root`, for checking that read-only commands write nothing.
std::vector<std::string> Tree(const std::string& root) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(StoreCliTest, ListsAndRunsAnOllamaLayoutStore) {
  const OllamaStore o = MakeOllamaStore();
  const std::vector<std::string> before = Tree(o.root);
  ASSERT_EQ((o.total_size + 50'000) / 100'000, 12u);  // 1.2 MB in Ollama's decimal units
  const std::string id = Sha256Of(o.manifest).hex.substr(0, 12);

  const Ran list = Hearth(o.root, "list");
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out,
            "NAME            ID              SIZE      MODIFIED      \n"
            "stories:260k    " +
                id + "    1.2 MB    2 minutes ago    \n");
  EXPECT_EQ(Hearth(o.root, "ls").out, list.out);
  EXPECT_EQ(Hearth(o.root, "list STOR").out, list.out);  // case-insensitive prefix filter
  EXPECT_EQ(Hearth(o.root, "list zzz").out, "NAME    ID    SIZE    MODIFIED \n");

  // A small context bounds the story (generation stops when the context is full).
  const Ran run = Hearth(o.root, "run stories:260k 'Once upon a time' --num-ctx 64");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find(", there was"), std::string::npos) << run.out;
  // The full name resolves to the same model.
  const Ran full = Hearth(o.root,
                          "run registry.ollama.ai/library/stories:260k 'Once upon a time' "
                          "--num-ctx 64");
  EXPECT_EQ(full.exit_code, 0) << full.err;
  EXPECT_NE(full.out.find(", there was"), std::string::npos) << full.out;

  // Reading an Ollama store changes nothing in it (no lock file, no pins, no rewrites).
  EXPECT_EQ(Tree(o.root), before);
  EXPECT_EQ(ReadAll(o.manifest_path), o.manifest);

  const Ran missing = Hearth(o.root, "run nothere hi");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "Error: model \"nothere\" not found, try pulling it first\n");
  // A path that exists stays a path, even with a store configured.
  const Ran path = Hearth(
      o.root, "run " + SharedModel("stories260K-f32.gguf") + " 'Once upon a time' --num-ctx 64");
  EXPECT_EQ(path.exit_code, 0) << path.err;
}

TEST(StoreCliTest, CopyRemoveAndVerify) {
  const OllamaStore o = MakeOllamaStore();
  const Ran cp = Hearth(o.root, "cp stories:260k me/mine");
  ASSERT_EQ(cp.exit_code, 0) << cp.err;
  EXPECT_EQ(cp.out, "copied 'stories:260k' to 'me/mine'\n");
  EXPECT_EQ(ReadAll(o.root + "/manifests/registry.ollama.ai/me/mine/latest"), o.manifest);
  const Ran list = Hearth(o.root, "list");
  EXPECT_NE(list.out.find("me/mine:latest    " + Sha256Of(o.manifest).hex.substr(0, 12)),
            std::string::npos)
      << list.out;

  const Ran bad_cp = Hearth(o.root, "cp nothere x");
  EXPECT_EQ(bad_cp.exit_code, 1);
  EXPECT_EQ(bad_cp.err, "Error: model \"nothere\" not found\n");
  const Ran hostile = Hearth(o.root, "cp stories:260k ../../escape");
  EXPECT_EQ(hostile.exit_code, 1);
  EXPECT_EQ(hostile.err, "Error: invalid model name \"../../escape\": contains \"..\"\n");
  EXPECT_FALSE(fs::exists(o.root + "/escape"));

  const Ran rm = Hearth(o.root, "rm me/mine");
  ASSERT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_EQ(rm.out, "deleted 'me/mine'\n");
  EXPECT_TRUE(fs::exists(o.root + "/blobs/sha256-" + o.model.hex));  // stories:260k uses it
  const Ran again = Hearth(o.root, "rm me/mine");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(again.err, "Error: model 'me/mine' not found\n");
  const Ran usage = Hearth(o.root, "rm");
  EXPECT_EQ(usage.exit_code, 2);

  const Ran clean = Hearth(o.root, "store verify");
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_NE(clean.out.find("checked 3 blobs and 1 manifests in "), std::string::npos) << clean.out;
  EXPECT_NE(clean.out.find(": ok\n"), std::string::npos) << clean.out;

  // Corrupt the params blob: verify reports it; --repair removes it and the manifest.
  WriteAll(o.root + "/blobs/sha256-" + o.params.hex, R"({"temperature":9.9,"stop":["x"]})");
  const Ran broken = Hearth(o.root, "store verify");
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.out.find("sha256-" + o.params.hex + ": content hashes to sha256:"),
            std::string::npos)
      << broken.out;
  EXPECT_NE(broken.out.find("stories:260k: blob " + o.params.ToString() + " is corrupt"),
            std::string::npos)
      << broken.out;
  EXPECT_EQ(broken.err, "Error: the store has problems; run `hearth store verify --repair`\n");
  const Ran run = Hearth(o.root, "run stories:260k hi --num-ctx 64");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("is corrupt"), std::string::npos) << run.err;

  const Ran repair = Hearth(o.root, "store verify --repair");
  EXPECT_EQ(repair.exit_code, 0) << repair.out << repair.err;
  EXPECT_NE(repair.out.find("removed sha256-" + o.params.hex + "\n"), std::string::npos);
  EXPECT_NE(repair.out.find("removed stories:260k\n"), std::string::npos);
  EXPECT_EQ(Hearth(o.root, "list").out, "NAME    ID    SIZE    MODIFIED \n");
  EXPECT_EQ(Hearth(o.root, "store verify").exit_code, 0);
  EXPECT_EQ(Hearth(o.root, "rm stories:260k").exit_code, 1);
}

}  // namespace
}  // namespace hearth::store
