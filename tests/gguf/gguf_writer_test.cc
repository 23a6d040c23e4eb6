// gguf::Writer: round trips through the reader, and misuse gives errors, not bad files.

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "gguf/gguf.h"
#include "testing/test_env.h"

namespace hearth::gguf {
namespace {

using ::hearth::testing::ReadAll;
using ::hearth::testing::TempDir;

Value Scalar(ValueType type, int64_t i) {
  Value v;
  v.type = type;
  v.i = i;
  return v;
}

Value IntArray(ValueType elem, std::vector<int64_t> ints) {
  Value v;
  v.type = ValueType::kArray;
  v.elem_type = elem;
  v.array_len = ints.size();
  v.ints = std::move(ints);
  return v;
}

std::vector<KeyValue> AllKinds() {
  Value f64_array;
  f64_array.type = ValueType::kArray;
  f64_array.elem_type = ValueType::kFloat64;
  f64_array.array_len = 2;
  f64_array.floats = {1e300, -0.125};
  return {
      {"general.architecture", Value::String("llama")},
      {"u8", Scalar(ValueType::kUint8, 255)},
      {"i8", Scalar(ValueType::kInt8, -128)},
      {"u16", Scalar(ValueType::kUint16, 65535)},
      {"i16", Scalar(ValueType::kInt16, -32768)},
      {"u32", Value::U32(4000000000u)},
      {"i32", Value::I32(-2000000000)},
      {"u64", Value::U64(18446744073709551615ull)},
      {"i64", Value::I64(-9000000000000000000ll)},
      {"f32", Value::F32(0.1f)},
      {"f64", Value::F64(2.718281828459045)},
      {"bool.true", Value::Bool(true)},
      {"bool.false", Value::Bool(false)},
      {"empty.string", Value::String("")},
      {"utf8.string", Value::String("héllo, 世界\n\t\"quoted\"")},
      {"strings", Value::StringArray({"a", "", "<|im_start|>", std::string(1000, 'z')})},
      {"empty.strings", Value::StringArray({})},
      {"i32s", Value::I32Array({1, -2, 2147483647})},
      {"u32s", Value::U32Array({0, 4294967295u})},
      {"f32s", Value::F32Array({0.5f, -1.25f, 3e38f})},
      {"f64s", f64_array},
      {"bools", IntArray(ValueType::kBool, {1, 0, 1})},
      {"u8s", IntArray(ValueType::kUint8, {0, 255})},
      {"i16s", IntArray(ValueType::kInt16, {-32768, 32767})},
      {"u64s", IntArray(ValueType::kUint64, {-1, 0})},
  };
}

struct TensorCase {
  const char* name;
  std::vector<uint64_t> dims;
  uint32_t type;
};

std::vector<TensorCase> SeveralTypes() {
  return {
      {"f32.matrix", {3, 5}, 0},     {"f16.matrix", {8, 2}, 1},      {"q8_0.rows", {64, 3}, 8},
      {"q4_K.rows", {256, 2}, 12},   {"q6_K.cube", {256, 1, 2}, 14}, {"i32.vector", {7}, 26},
      {"bf16.4d", {2, 2, 2, 2}, 30},
  };
}

// Deterministic content for tensor `index`.
std::vector<uint8_t> Content(size_t index, uint64_t n) {
  std::vector<uint8_t> bytes(n);
  for (uint64_t i = 0; i < n; ++i) bytes[i] = static_cast<uint8_t>(i * 31 + index * 17 + 3);
  return bytes;
}

TEST(GgufWriterTest, RoundTrip) {
  for (uint64_t alignment : {32u, 64u}) {
    SCOPED_TRACE(alignment);
    const std::string path = TempDir() + "/round.gguf";
    std::vector<TensorInfo> declared;
    uint64_t total = 0;
    {
      Writer w(alignment);
      for (const KeyValue& kv : AllKinds()) w.Set(kv.key, kv.value);
      for (const TensorCase& t : SeveralTypes())
        ASSERT_TRUE(w.AddTensor(t.name, t.dims, t.type).ok()) << t.name;
      ASSERT_TRUE(w.Begin(path).ok());
      for (size_t i = 0; i < w.tensors().size(); ++i) {
        const std::vector<uint8_t> bytes = Content(i, w.tensors()[i].size_bytes);
        // In uneven pieces, to exercise partial writes.
        size_t at = 0;
        for (size_t piece = 1; at < bytes.size(); piece = piece * 3 + 1) {
          const size_t n = std::min(piece, bytes.size() - at);
          ASSERT_TRUE(w.Write(std::span<const uint8_t>(bytes.data() + at, n)).ok());
          at += n;
        }
      }
      ASSERT_TRUE(w.Finish().ok());
      declared = w.tensors();
      total = w.total_bytes();
    }
    auto f = ReadFile(path);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    EXPECT_EQ(f->version, 3u);
    EXPECT_EQ(f->alignment, alignment);
    EXPECT_EQ(f->file_size, total);
    EXPECT_EQ(std::filesystem::file_size(path), total);

    std::vector<KeyValue> expected = AllKinds();
    if (alignment != 32)
      expected.push_back({"general.alignment", Value::U32(static_cast<uint32_t>(alignment))});
    ASSERT_EQ(f->kv.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(f->kv[i].key, expected[i].key);
      // f32 values come back as the float nearest to what was stored.
      Value want = expected[i].value;
      if (want.type == ValueType::kFloat32) want.f = static_cast<float>(want.f);
      if (want.elem_type == ValueType::kFloat32) {
        for (double& x : want.floats) x = static_cast<float>(x);
      }
      EXPECT_TRUE(f->kv[i].value == want) << expected[i].key;
    }
    EXPECT_EQ(f->GetInt("u64"), -1);  // bits kept
    EXPECT_EQ(f->GetInt("bool.true"), 1);
    EXPECT_EQ(f->GetString("utf8.string"), "héllo, 世界\n\t\"quoted\"");

    ASSERT_EQ(f->tensors.size(), declared.size());
    const std::string bytes = ReadAll(path);
    for (size_t i = 0; i < declared.size(); ++i) {
      EXPECT_EQ(f->tensors[i], declared[i]) << declared[i].name;
      EXPECT_EQ(f->tensors[i].offset % alignment, 0u);
      const std::vector<uint8_t> want = Content(i, declared[i].size_bytes);
      ASSERT_EQ(std::memcmp(bytes.data() + f->data_offset + f->tensors[i].offset, want.data(),
                            want.size()),
                0)
          << declared[i].name;
    }
    EXPECT_EQ(f->FindTensor("q4_K.rows")->size_bytes, 2u * 144);
    EXPECT_EQ(f->FindTensor("q6_K.cube")->n_elements, 512u);
  }
}

TEST(GgufWriterTest, MetadataOnly) {
  const std::string path = TempDir() + "/vocab.gguf";
  {
    Writer w;
    w.Set("tokenizer.ggml.model", Value::String("gpt2"));
    w.Set("tokenizer.ggml.model", Value::String("llama"));  // replaces
    ASSERT_TRUE(w.Begin(path).ok());
    ASSERT_TRUE(w.Finish().ok());
  }
  auto f = ReadFile(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->kv.size(), 1u);
  EXPECT_EQ(f->GetString("tokenizer.ggml.model"), "llama");
  EXPECT_TRUE(f->tensors.empty());
}

TEST(GgufWriterTest, RejectsBadTensors) {
  Writer w;
  EXPECT_EQ(w.AddTensor("bad.type", {32}, 4).code(), StatusCode::kInvalidArgument);
  const Status row = w.AddTensor("bad.row", {33, 2}, 8);
  EXPECT_EQ(row.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(row.message().find("block size 32"), std::string::npos) << row.message();
  EXPECT_FALSE(w.AddTensor("zero", {0, 3}, 0).ok());
  EXPECT_FALSE(w.AddTensor("five.dims", {1, 1, 1, 1, 1}, 0).ok());
  EXPECT_FALSE(w.AddTensor("", {1}, 0).ok());
  EXPECT_FALSE(w.AddTensor(std::string(64, 'n'), {1}, 0).ok());
  EXPECT_TRUE(w.AddTensor("ok", {4}, 0).ok());
  EXPECT_FALSE(w.AddTensor("ok", {4}, 0).ok());
}

TEST(GgufWriterTest, RejectsInconsistentArray) {
  Writer w;
  Value v = Value::StringArray({"a", "b"});
  v.strings.clear();  // as read with keep_string_arrays = false
  w.Set("tokenizer.ggml.tokens", v);
  const std::string path = TempDir() + "/bad.gguf";
  const Status st = w.Begin(path);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("tokenizer.ggml.tokens"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(GgufWriterTest, IncompleteFileIsRemoved) {
  const std::string path = TempDir() + "/partial.gguf";
  {
    Writer w;
    ASSERT_TRUE(w.AddTensor("t", {8}, 0).ok());
    ASSERT_TRUE(w.Begin(path).ok());
    const std::vector<uint8_t> too_much(40, 1);
    EXPECT_EQ(w.Write(too_much).code(), StatusCode::kInvalidArgument);  // 32 fit, 8 too many
    const std::vector<uint8_t> half(16, 1);
    Writer w2;
    ASSERT_TRUE(w2.AddTensor("t", {8}, 0).ok());
    ASSERT_TRUE(w2.Begin(path + ".2").ok());
    ASSERT_TRUE(w2.Write(half).ok());
    const Status st = w2.Finish();
    EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(st.message().find("16 of 32 bytes"), std::string::npos) << st.message();
    EXPECT_TRUE(std::filesystem::exists(path));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".2"));
}

TEST(GgufWriterTest, UnwritableDestination) {
  Writer w;
  const Status st = w.Begin(TempDir() + "/no/such/dir/x.gguf");
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_NE(st.message().find("cannot create"), std::string::npos);
}

}  // namespace
}  // namespace hearth::gguf
