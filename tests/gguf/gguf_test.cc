// The GGUF reader on real files: every model in ../shared/models reads with the metadata its
// README states, and the two invalid files are rejected with the reason.

#include "gguf/gguf.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "testing/test_env.h"

namespace hearth::gguf {
namespace {

using ::hearth::testing::SharedModel;

File MustRead(const std::string& relative, const ReadOptions& options = {}) {
  auto f = ReadFile(SharedModel(relative), options);
  EXPECT_TRUE(f.ok()) << relative << ": " << f.status().ToString();
  return f.ok() ? std::move(f).value() : File{};
}

// Counts tensors per ggml type name.
std::map<std::string, int> TypeCounts(const File& f) {
  std::map<std::string, int> counts;
  for (const TensorInfo& t : f.tensors) ++counts[GetTypeTraits(t.type)->name];
  return counts;
}

TEST(GgufTest, Stories260kF32) {
  const File f = MustRead("stories260K-f32.gguf");
  EXPECT_EQ(f.version, 3u);
  EXPECT_EQ(f.file_size, 1185344u);
  EXPECT_EQ(f.alignment, 32u);
  EXPECT_EQ(f.data_offset % 32, 0u);
  EXPECT_EQ(f.GetString("general.architecture"), "llama");
  EXPECT_EQ(f.tensors.size(), 48u);
  EXPECT_EQ(f.ParameterCount(), 292800u);
  EXPECT_EQ(f.GetInt("llama.embedding_length"), 64);
  EXPECT_EQ(f.GetInt("llama.block_count"), 5);
  EXPECT_EQ(f.GetInt("llama.attention.head_count"), 8);
  EXPECT_EQ(f.GetInt("llama.attention.head_count_kv"), 4);
  EXPECT_EQ(f.GetInt("llama.feed_forward_length"), 172);
  EXPECT_EQ(f.GetInt("llama.rope.dimension_count"), 8);
  EXPECT_EQ(f.GetInt("llama.context_length"), 512);
  ASSERT_TRUE(f.GetFloat("llama.attention.layer_norm_rms_epsilon").has_value());
  EXPECT_NEAR(*f.GetFloat("llama.attention.layer_norm_rms_epsilon"), 1e-5, 1e-9);
  EXPECT_EQ(f.GetString("tokenizer.ggml.model"), "llama");
  EXPECT_EQ(f.GetInt("tokenizer.ggml.bos_token_id"), 1);
  EXPECT_EQ(f.GetInt("tokenizer.ggml.eos_token_id"), 2);
  EXPECT_EQ(f.GetInt("tokenizer.ggml.padding_token_id"), 0);
  EXPECT_EQ(f.Find("tokenizer.chat_template"), nullptr);
  EXPECT_EQ(f.Find("tokenizer.ggml.pre"), nullptr);
  const Value* tokens = f.Find("tokenizer.ggml.tokens");
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->type, ValueType::kArray);
  EXPECT_EQ(tokens->elem_type, ValueType::kString);
  EXPECT_EQ(tokens->array_len, 512u);
  EXPECT_EQ(tokens->strings.size(), 512u);
  EXPECT_EQ((TypeCounts(f)), (std::map<std::string, int>{{"f32", 48}}));

  const TensorInfo* down = f.FindTensor("blk.0.ffn_down.weight");
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(down->dims, (std::vector<uint64_t>{172, 64}));
  EXPECT_EQ(down->n_elements, 172u * 64);
  EXPECT_EQ(down->size_bytes, 172u * 64 * 4);
  EXPECT_EQ(f.FindTensor("no.such.tensor"), nullptr);
  for (const TensorInfo& t : f.tensors) {
    EXPECT_LE(f.data_offset + t.offset + t.size_bytes, f.file_size) << t.name;
  }
}

TEST(GgufTest, Stories260kQuantizedTypeMix) {
  const File q8 = MustRead("stories260K-q8_0.gguf");
  EXPECT_EQ(q8.GetInt("general.file_type"), 7);
  EXPECT_EQ(q8.ParameterCount(), 292800u);
  EXPECT_EQ((TypeCounts(q8)), (std::map<std::string, int>{{"q8_0", 32}, {"f16", 5}, {"f32", 11}}));

  const File q4 = MustRead("stories260K-q4_0.gguf");
  EXPECT_EQ(q4.GetInt("general.file_type"), 2);
  EXPECT_EQ(q4.ParameterCount(), 292800u);
  EXPECT_EQ((TypeCounts(q4)),
            (std::map<std::string, int>{{"q4_0", 31}, {"q8_0", 1}, {"f16", 5}, {"f32", 11}}));
  EXPECT_EQ(GetTypeTraits(q4.FindTensor("output.weight")->type)->name, std::string("q8_0"));
}

TEST(GgufTest, Llama2TinyRandom) {
  const File f = MustRead("llama-2-tiny-random.gguf");
  EXPECT_EQ(f.version, 3u);
  EXPECT_EQ(f.GetString("general.architecture"), "llama");
  EXPECT_EQ(f.tensors.size(), 12u);
  EXPECT_EQ(f.ParameterCount(), 513048u);
  EXPECT_EQ((TypeCounts(f)), (std::map<std::string, int>{{"f16", 9}, {"f32", 3}}));
  EXPECT_EQ(f.GetInt("llama.embedding_length"), 8);
  EXPECT_EQ(f.GetInt("llama.block_count"), 1);
  EXPECT_EQ(f.GetInt("llama.attention.head_count"), 2);
  EXPECT_EQ(f.GetInt("llama.attention.head_count_kv"), 2);
  EXPECT_EQ(f.GetInt("llama.feed_forward_length"), 32);
  EXPECT_EQ(f.GetInt("llama.context_length"), 4096);
  EXPECT_EQ(f.Find("tokenizer.ggml.tokens")->array_len, 32000u);
  EXPECT_EQ(f.Find("tokenizer.chat_template"), nullptr);
}

struct VocabCase {
  const char* file;
  const char* model;
  const char* pre;  // nullptr: no tokenizer.ggml.pre
  uint64_t tokens;
  uint64_t merges;  // 0: no merges
  int64_t bos;
  int64_t eos;
  bool chat_template;
};

TEST(GgufTest, VocabFiles) {
  const VocabCase cases[] = {
      {"ggml-vocab-llama-bpe.gguf", "gpt2", "llama-bpe", 128256, 280147, 128000, 128001, false},
      {"ggml-vocab-qwen2.gguf", "gpt2", "qwen2", 151936, 151387, 151643, 151643, true},
      {"ggml-vocab-llama-spm.gguf", "llama", nullptr, 32000, 0, 1, 2, false},
      {"ggml-vocab-deepseek-coder.gguf", "gpt2", "deepseek-coder", 32256, 0, 32013, 32014, false},
  };
  for (const VocabCase& c : cases) {
    SCOPED_TRACE(c.file);
    const File f = MustRead(std::string("vocab/") + c.file);
    EXPECT_TRUE(f.tensors.empty());
    EXPECT_EQ(f.ParameterCount(), 0u);
    EXPECT_EQ(f.data_offset, f.file_size);
    EXPECT_EQ(f.GetString("tokenizer.ggml.model"), c.model);
    if (c.pre != nullptr) {
      EXPECT_EQ(f.GetString("tokenizer.ggml.pre"), c.pre);
    }
    const Value* tokens = f.Find("tokenizer.ggml.tokens");
    ASSERT_NE(tokens, nullptr);
    EXPECT_EQ(tokens->array_len, c.tokens);
    EXPECT_EQ(tokens->strings.size(), c.tokens);
    EXPECT_EQ(f.Find("tokenizer.ggml.token_type")->ints.size(), c.tokens);
    if (c.merges != 0) {
      EXPECT_EQ(f.Find("tokenizer.ggml.merges")->array_len, c.merges);
    }
    EXPECT_EQ(f.GetInt("tokenizer.ggml.bos_token_id"), c.bos);
    EXPECT_EQ(f.GetInt("tokenizer.ggml.eos_token_id"), c.eos);
    EXPECT_EQ(f.GetString("tokenizer.chat_template").has_value(), c.chat_template);
  }
  const File spm = MustRead("vocab/ggml-vocab-llama-spm.gguf");
  EXPECT_EQ(spm.GetInt("tokenizer.ggml.add_bos_token"), 1);
  EXPECT_NE(MustRead("vocab/ggml-vocab-qwen2.gguf")
                .GetString("tokenizer.chat_template")
                ->find("<|im_start|>"),
            std::string::npos);
}

TEST(GgufTest, SkippingStringArraysKeepsLengths) {
  ReadOptions options;
  options.keep_string_arrays = false;
  const File f = MustRead("vocab/ggml-vocab-qwen2.gguf", options);
  const Value* tokens = f.Find("tokenizer.ggml.tokens");
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->array_len, 151936u);
  EXPECT_TRUE(tokens->strings.empty());
  EXPECT_EQ(f.Find("tokenizer.ggml.token_type")->ints.size(), 151936u);  // numbers are kept
  EXPECT_TRUE(f.GetString("tokenizer.chat_template").has_value());       // scalar strings are kept
}

TEST(GgufTest, RejectsV1) {
  auto f = ReadFile(SharedModel("invalid/tinyllamas-stories-260k-f32.gguf-v1.gguf"));
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(f.status().message().find("GGUF v1 is not supported"), std::string::npos)
      << f.status().message();
}

TEST(GgufTest, RejectsRowNotMultipleOfBlockSize) {
  auto f = ReadFile(SharedModel("invalid/tinyllamas-stories-260k-q8_0.gguf-v2-badrow.gguf"));
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kDataLoss);
  const std::string m = f.status().message();
  EXPECT_NE(m.find("tensor 'blk.0.ffn_down.weight'"), std::string::npos) << m;
  EXPECT_NE(m.find("q8_0"), std::string::npos) << m;
  EXPECT_NE(m.find("172 elements per row"), std::string::npos) << m;
  EXPECT_NE(m.find("block size (32)"), std::string::npos) << m;
}

TEST(GgufTest, MissingFileIsNotFound) {
  auto f = ReadFile(::hearth::testing::TempDir() + "/absent.gguf");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kNotFound);
  EXPECT_NE(f.status().message().find("absent.gguf"), std::string::npos);
}

TEST(GgufTest, DirectoryIsRejected) {
  auto f = ReadFile(::hearth::testing::TempDir());
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(f.status().message().find("not a regular file"), std::string::npos);
}

TEST(GgufTypesTest, KnownTypes) {
  struct Expect {
    uint32_t type;
    const char* name;
    uint32_t block;
    uint32_t bytes;
  };
  const Expect expected[] = {
      {0, "f32", 1, 4},       {1, "f16", 1, 2},         {2, "q4_0", 32, 18},
      {3, "q4_1", 32, 20},    {6, "q5_0", 32, 22},      {7, "q5_1", 32, 24},
      {8, "q8_0", 32, 34},    {9, "q8_1", 32, 36},      {10, "q2_K", 256, 84},
      {11, "q3_K", 256, 110}, {12, "q4_K", 256, 144},   {13, "q5_K", 256, 176},
      {14, "q6_K", 256, 210}, {15, "q8_K", 256, 292},   {16, "iq2_xxs", 256, 66},
      {20, "iq4_nl", 32, 18}, {23, "iq4_xs", 256, 136}, {24, "i8", 1, 1},
      {27, "i64", 1, 8},      {28, "f64", 1, 8},        {30, "bf16", 1, 2},
      {34, "tq1_0", 256, 54}, {39, "mxfp4", 32, 17},    {40, "nvfp4", 64, 36},
      {41, "q1_0", 128, 18},  {42, "q2_0", 64, 18},
  };
  for (const Expect& e : expected) {
    auto t = GetTypeTraits(e.type);
    ASSERT_TRUE(t.has_value()) << e.type;
    EXPECT_STREQ(t->name, e.name);
    EXPECT_EQ(t->block_size, e.block) << e.name;
    EXPECT_EQ(t->type_size, e.bytes) << e.name;
  }
  for (uint32_t removed : {4u, 5u, 31u, 32u, 33u, 36u, 37u, 38u, 43u, 1000u, 0xFFFFFFFFu}) {
    EXPECT_FALSE(GetTypeTraits(removed).has_value()) << removed;
  }
}

TEST(GgufTypesTest, TensorBytes) {
  const std::vector<uint64_t> q8{64, 3};
  EXPECT_EQ(TensorBytes(8, q8), 2u * 34 * 3);
  const std::vector<uint64_t> bad_row{33, 2};
  EXPECT_FALSE(TensorBytes(8, bad_row).has_value());
  const std::vector<uint64_t> f32{5, 7, 2};
  EXPECT_EQ(TensorBytes(0, f32), 5u * 7 * 2 * 4);
  const std::vector<uint64_t> scalar;
  EXPECT_EQ(TensorBytes(0, scalar), 4u);
  const std::vector<uint64_t> huge{1ull << 40, 1ull << 30};
  EXPECT_FALSE(TensorBytes(0, huge).has_value());
  EXPECT_FALSE(TensorBytes(4, q8).has_value());
  const std::vector<uint64_t> five{1, 1, 1, 1, 1};
  EXPECT_FALSE(TensorBytes(0, five).has_value());
}

}  // namespace
}  // namespace hearth::gguf
