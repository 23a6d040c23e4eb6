// `hearth dev synth` as a user drives it: the real binary, its shape list and an embedding model
// synthesized with the installed default vocabulary.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "gguf/gguf.h"
#include "testing/test_env.h"

namespace hearth::cli {
namespace {

using hearth::testing::HearthBinary;
using hearth::testing::TempDir;

using Ran = hearth::testing::CommandResult;

// Runs `args` through the shell with stderr folded into the output.
Ran RunHearth(const std::string& args) {
  const std::string cmd = "env -u HEARTH_VOCAB_DIR " + HearthBinary() + " " + args + " 2>&1";
  return hearth::testing::RunShell(cmd);
}

// The row of `name` in `table`, or "".
std::string Row(const std::string& table, const std::string& name) {
  const size_t at = table.find("\n" + name + " ");
  if (at == std::string::npos) return "";
  return table.substr(at + 1, table.find('\n', at + 1) - at - 1);
}

TEST(DevSynthCommandTest, ListsTheEmbeddingShapes) {
  const Ran r = RunHearth("dev synth --list");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("NAME", 0), 0u) << r.out;
  const std::string minilm = Row(r.out, "all-minilm:22m");
  EXPECT_NE(minilm.find("all-MiniLM-L6-v2"), std::string::npos) << r.out;
  EXPECT_NE(minilm.find(" bert "), std::string::npos) << minilm;
  EXPECT_NE(minilm.find("22,565,376"), std::string::npos) << minilm;
  const std::string nomic = Row(r.out, "nomic-embed-text");
  EXPECT_NE(nomic.find("nomic-embed-text-v1.5"), std::string::npos) << r.out;
  EXPECT_NE(nomic.find(" nomic-bert "), std::string::npos) << nomic;
  EXPECT_NE(nomic.find("136,731,648"), std::string::npos) << nomic;
  EXPECT_NE(Row(r.out, "qwen2.5-coder:1.5b"), "");  // the decoders are still listed
}

// The BERT vocabulary is found among the installed ones (not in ../shared/models), and a BERT
// quantizes: q8_0 for the matrices, f32 for norms, biases, position_embd and token_types.
TEST(DevSynthCommandTest, SynthesizesAllMiniLmWithTheInstalledVocabulary) {
  const std::string dir = TempDir();
  const std::string out = dir + "/minilm.gguf";
  const Ran r = RunHearth("dev synth all-minilm:22m --type q8_0 -o " + out);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("ggml-vocab-bert-bge.gguf"), std::string::npos) << r.out;
  auto f = gguf::ReadFile(out, {.keep_string_arrays = false});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->GetString("general.architecture"), "bert");
  EXPECT_EQ(f->GetInt("general.file_type"), 7);  // LLAMA_FTYPE_MOSTLY_Q8_0
  EXPECT_EQ(f->GetInt("bert.pooling_type"), 1);
  EXPECT_EQ(f->ParameterCount(), 22'565'376u);
  const gguf::TensorInfo* q = f->FindTensor("blk.0.attn_q.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_STREQ(gguf::GetTypeTraits(q->type)->name, "q8_0");
  const gguf::TensorInfo* pos = f->FindTensor("position_embd.weight");
  ASSERT_NE(pos, nullptr);
  EXPECT_STREQ(gguf::GetTypeTraits(pos->type)->name, "f32");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir),
                          std::filesystem::directory_iterator()),
            1);  // no temp files left
}

}  // namespace
}  // namespace hearth::cli
