// The GGUF reader on hostile input: truncations, flipped header bytes, absurd counts, lengths,
// dimensions and offsets (written with a small serializer independent of gguf::Writer), non-GGUF
// files and random mutations. Each must give a non-OK Status with a useful message, never a crash
// or a huge allocation. Runs under AddressSanitizer in CI.

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/gguf.h"
#include "testing/test_env.h"

namespace hearth::gguf {
namespace {

using ::hearth::testing::ReadAll;
using ::hearth::testing::SharedModel;
using ::hearth::testing::TempDir;
using ::hearth::testing::WriteAll;

constexpr uint32_t kF32 = 0, kF16 = 1, kQ8_0 = 8;

// Little-endian byte appender.
struct Bytes {
  std::string s;
  template <typename T>
  Bytes& Put(T v) {
    s.append(reinterpret_cast<const char*>(&v), sizeof(T));
    return *this;
  }
  Bytes& Str(std::string_view v) {
    Put<uint64_t>(v.size());
    s.append(v);
    return *this;
  }
};

using KvWriter = std::function<void(Bytes&)>;

KvWriter KvStr(std::string key, std::string value) {
  return [=](Bytes& b) { b.Str(key).Put<uint32_t>(8).Str(value); };
}
KvWriter KvU32(std::string key, uint32_t value) {
  return [=](Bytes& b) { b.Str(key).Put<uint32_t>(4).Put(value); };
}
KvWriter KvStrArray(std::string key, std::vector<std::string> values) {
  return [=](Bytes& b) {
    b.Str(key).Put<uint32_t>(9).Put<uint32_t>(8).Put<uint64_t>(values.size());
    for (const std::string& v : values) b.Str(v);
  };
}
KvWriter KvF32Array(std::string key, std::vector<float> values) {
  return [=](Bytes& b) {
    b.Str(key).Put<uint32_t>(9).Put<uint32_t>(6).Put<uint64_t>(values.size());
    for (float v : values) b.Put(v);
  };
}
// Key, then raw bytes for the type and value.
KvWriter KvRaw(std::string key, std::string raw) {
  return [=](Bytes& b) {
    b.Str(key);
    b.s += raw;
  };
}

struct TensorSpec {
  std::string name;
  std::vector<uint64_t> dims;
  uint32_t type = kF32;
  std::optional<uint64_t> offset;  // default: packed in order, aligned
};

struct Spec {
  uint32_t version = 3;
  std::optional<uint64_t> n_tensors;  // default: tensors.size()
  std::optional<uint64_t> n_kv;       // default: kvs.size()
  std::vector<KvWriter> kvs;
  std::vector<TensorSpec> tensors;
  uint64_t alignment = 32;
  int64_t data_adjust = 0;  // bytes added to (negative: cut from) the data section
};

// Where fields of a built file are, for patching.
struct Layout {
  std::vector<size_t> kv_at;      // start of each metadata entry
  std::vector<size_t> tensor_at;  // start of each tensor info
  size_t data_at = 0;
};

std::string Build(const Spec& spec, Layout* layout = nullptr) {
  Layout l;
  Bytes b;
  b.s = "GGUF";
  b.Put(spec.version)
      .Put<uint64_t>(spec.n_tensors.value_or(spec.tensors.size()))
      .Put<uint64_t>(spec.n_kv.value_or(spec.kvs.size()));
  for (const KvWriter& kv : spec.kvs) {
    l.kv_at.push_back(b.s.size());
    kv(b);
  }
  uint64_t next = 0;
  uint64_t data_size = 0;
  for (const TensorSpec& t : spec.tensors) {
    l.tensor_at.push_back(b.s.size());
    b.Str(t.name).Put<uint32_t>(static_cast<uint32_t>(t.dims.size()));
    for (uint64_t d : t.dims) b.Put(d);
    b.Put(t.type);
    const uint64_t bytes = TensorBytes(t.type, t.dims).value_or(64);
    const uint64_t offset = t.offset.value_or(next);
    b.Put(offset);
    next = (offset + bytes + spec.alignment - 1) / spec.alignment * spec.alignment;
    // Absurd offsets and sizes get no data behind them (at most 1 MiB is written).
    if (next <= (1u << 20)) data_size = std::max(data_size, next);
  }
  while (b.s.size() % spec.alignment != 0) b.s.push_back('\0');
  l.data_at = b.s.size();
  const int64_t data = static_cast<int64_t>(data_size) + spec.data_adjust;
  for (int64_t i = 0; i < data; ++i) b.s.push_back(static_cast<char>(i * 7 + 1));
  if (layout != nullptr) *layout = l;
  return b.s;
}

// A small valid file: five metadata entries and three tensors of different types.
Spec SampleSpec() {
  Spec s;
  s.kvs = {
      KvStr("general.architecture", "llama"),
      KvU32("general.alignment", 32),
      KvStrArray("tokenizer.ggml.tokens", {"a", "bc", "<s>"}),
      KvF32Array("tokenizer.ggml.scores", {0.5f, -1.0f, 2.0f}),
      KvU32("llama.block_count", 1),
  };
  s.tensors = {
      {"token_embd.weight", {4, 2}, kF32, std::nullopt},
      {"blk.0.attn_q.weight", {32, 2}, kQ8_0, std::nullopt},
      {"output_norm.weight", {8}, kF16, std::nullopt},
  };
  return s;
}

Result<File> Parse(const std::string& bytes) {
  return ReadBuffer(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

template <typename T>
void Patch(std::string* s, size_t at, T v) {
  ASSERT_LE(at + sizeof(T), s->size());
  std::memcpy(s->data() + at, &v, sizeof(T));
}

// Expects `bytes` to fail with `code` and a message containing every needle.
void ExpectError(const std::string& bytes, StatusCode code,
                 std::initializer_list<std::string_view> needles) {
  auto r = Parse(bytes);
  ASSERT_FALSE(r.ok()) << "parsed a bad file";
  EXPECT_EQ(r.status().code(), code) << r.status().ToString();
  for (std::string_view n : needles) {
    EXPECT_NE(r.status().message().find(n), std::string::npos)
        << "message lacks '" << n << "': " << r.status().message();
  }
}

void ExpectError(const Spec& spec, StatusCode code,
                 std::initializer_list<std::string_view> needles) {
  ExpectError(Build(spec), code, needles);
}

// Field offsets inside tensor info `i` of a file built from `spec`.
size_t DimsAt(const Spec& spec, const Layout& l, size_t i) {
  return l.tensor_at[i] + 8 + spec.tensors[i].name.size() + 4;
}
size_t TypeAt(const Spec& spec, const Layout& l, size_t i) {
  return DimsAt(spec, l, i) + 8 * spec.tensors[i].dims.size();
}

TEST(GgufHostileTest, SampleIsValid) {
  Layout l;
  const std::string bytes = Build(SampleSpec(), &l);
  auto r = Parse(bytes);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->kv.size(), 5u);
  EXPECT_EQ(r->tensors.size(), 3u);
  EXPECT_EQ(r->data_offset, l.data_at);
  EXPECT_EQ(r->Find("tokenizer.ggml.tokens")->strings,
            (std::vector<std::string>{"a", "bc", "<s>"}));
  EXPECT_EQ(r->Find("tokenizer.ggml.scores")->floats, (std::vector<double>{0.5, -1.0, 2.0}));
  EXPECT_EQ(r->tensors[1].size_bytes, 68u);
  EXPECT_EQ(r->tensors[2].offset, 128u);
  EXPECT_EQ(r->ParameterCount(), 8u + 64 + 8);
}

TEST(GgufHostileTest, NotGguf) {
  ExpectError(std::string(), StatusCode::kInvalidArgument, {"not a GGUF file", "0 bytes"});
  ExpectError(std::string("GGU"), StatusCode::kInvalidArgument, {"not a GGUF file"});
  ExpectError(std::string("hello, world\nthis is text\n"), StatusCode::kInvalidArgument,
              {"not a GGUF file", "'hell'"});
  ExpectError(std::string("{\"json\": true}"), StatusCode::kInvalidArgument, {"magic 'GGUF'"});
  std::mt19937_64 rng(42);
  for (int i = 0; i < 50; ++i) {
    std::string random(1 + rng() % 5000, '\0');
    for (char& c : random) c = static_cast<char>(rng());
    if (random.compare(0, 4, "GGUF") == 0) random[0] = 'X';
    ExpectError(random, StatusCode::kInvalidArgument, {"not a GGUF file"});
  }
  // Right magic, then garbage: any error, never a crash.
  for (int i = 0; i < 200; ++i) {
    std::string random(8 + rng() % 3000, '\0');
    for (char& c : random) c = static_cast<char>(rng());
    std::memcpy(random.data(), "GGUF", 4);
    Patch<uint32_t>(&random, 4, 2 + i % 2);
    EXPECT_FALSE(Parse(random).ok());
  }
  ExpectError(std::string("GGUF"), StatusCode::kDataLoss, {"truncated", "GGUF version"});
}

TEST(GgufHostileTest, NonGgufFiles) {
  const std::string dir = TempDir();
  WriteAll(dir + "/empty.gguf", "");
  WriteAll(dir + "/text.gguf", "#!/bin/sh\necho not a model\n");
  std::string random(4096, '\0');
  std::mt19937 rng(7);
  for (char& c : random) c = static_cast<char>(rng());
  random[0] = 'R';
  WriteAll(dir + "/random.gguf", random);
  for (const char* name : {"empty.gguf", "text.gguf", "random.gguf"}) {
    auto r = ReadFile(dir + "/" + name);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << name;
    EXPECT_NE(r.status().message().find("not a GGUF file"), std::string::npos)
        << r.status().message();
  }
}

TEST(GgufHostileTest, FlippedHeaderBytes) {
  const std::string good = Build(SampleSpec());
  std::string bad = good;
  bad[0] ^= 0x20;  // "gGUF"
  ExpectError(bad, StatusCode::kInvalidArgument, {"not a GGUF file", "'gGUF'"});
  bad = good;
  bad[3] = '\xff';
  ExpectError(bad, StatusCode::kInvalidArgument, {"47 47 55 ff"});

  bad = good;
  Patch<uint32_t>(&bad, 4, 1);
  ExpectError(bad, StatusCode::kInvalidArgument, {"GGUF v1 is not supported"});
  Patch<uint32_t>(&bad, 4, 0);
  ExpectError(bad, StatusCode::kInvalidArgument, {"unsupported GGUF version 0"});
  Patch<uint32_t>(&bad, 4, 4);
  ExpectError(bad, StatusCode::kInvalidArgument, {"unsupported GGUF version 4"});
  Patch<uint32_t>(&bad, 4, 0x03000000);
  ExpectError(bad, StatusCode::kInvalidArgument, {"big-endian"});

  Spec v2 = SampleSpec();
  v2.version = 2;
  EXPECT_TRUE(Parse(Build(v2)).ok());
}

TEST(GgufHostileTest, AbsurdCounts) {
  const std::string good = Build(SampleSpec());
  std::string bad = good;
  Patch<uint64_t>(&bad, 8, ~0ull);
  ExpectError(bad, StatusCode::kInvalidArgument, {"18446744073709551615 tensors", "limit"});
  Patch<uint64_t>(&bad, 8, 1'000'001);
  ExpectError(bad, StatusCode::kInvalidArgument, {"1000001 tensors", "limit"});
  Patch<uint64_t>(&bad, 8, 999'999);
  ExpectError(bad, StatusCode::kDataLoss, {"999999 tensors", "need at least"});
  Patch<uint64_t>(&bad, 8, 4);  // one more than there are
  EXPECT_FALSE(Parse(bad).ok());

  bad = good;
  Patch<uint64_t>(&bad, 16, ~0ull);
  ExpectError(bad, StatusCode::kInvalidArgument, {"metadata keys", "limit"});
  Patch<uint64_t>(&bad, 16, 500'000);
  ExpectError(bad, StatusCode::kDataLoss, {"500000 metadata keys", "need at least"});
  Patch<uint64_t>(&bad, 16, 6);  // one more than there are
  EXPECT_FALSE(Parse(bad).ok());
  Patch<uint64_t>(&bad, 16, 4);  // one fewer: the last entry is read as a tensor info
  EXPECT_FALSE(Parse(bad).ok());
}

TEST(GgufHostileTest, AbsurdStringLengths) {
  Layout l;
  const std::string good = Build(SampleSpec(), &l);
  std::string bad = good;
  Patch<uint64_t>(&bad, l.kv_at[0], 1ull << 62);
  ExpectError(bad, StatusCode::kInvalidArgument, {"key of metadata entry 0", "over the limit"});
  Patch<uint64_t>(&bad, l.kv_at[0], 60'000);  // under the key limit, past the end of the file
  ExpectError(bad, StatusCode::kDataLoss, {"truncated", "key of metadata entry 0"});
  Patch<uint64_t>(&bad, l.kv_at[0], 0);
  ExpectError(bad, StatusCode::kDataLoss, {"metadata entry 0", "empty key"});

  // The string value of general.architecture: after key length, key, and the u32 type.
  const size_t value_len_at = l.kv_at[0] + 8 + std::strlen("general.architecture") + 4;
  bad = good;
  Patch<uint64_t>(&bad, value_len_at, ~0ull);
  ExpectError(bad, StatusCode::kInvalidArgument, {"general.architecture", "over the limit"});
  Patch<uint64_t>(&bad, value_len_at, 1u << 20);
  ExpectError(bad, StatusCode::kDataLoss, {"truncated", "general.architecture"});

  // The first element of tokenizer.ggml.tokens: key, type, element type, length.
  const size_t elem0_at = l.kv_at[2] + 8 + std::strlen("tokenizer.ggml.tokens") + 4 + 4 + 8;
  bad = good;
  Patch<uint64_t>(&bad, elem0_at, 1ull << 40);
  ExpectError(bad, StatusCode::kInvalidArgument,
              {"element 0 of metadata key 'tokenizer.ggml.tokens'"});
  Patch<uint64_t>(&bad, elem0_at, 5000);
  ExpectError(bad, StatusCode::kDataLoss,
              {"truncated", "element 0 of metadata key 'tokenizer.ggml.tokens'"});
}

TEST(GgufHostileTest, AbsurdArrays) {
  Layout l;
  const std::string good = Build(SampleSpec(), &l);
  const size_t len_at = l.kv_at[2] + 8 + std::strlen("tokenizer.ggml.tokens") + 4 + 4;
  std::string bad = good;
  Patch<uint64_t>(&bad, len_at, ~0ull);
  ExpectError(bad, StatusCode::kInvalidArgument, {"tokenizer.ggml.tokens", "over the limit"});
  Patch<uint64_t>(&bad, len_at, 1'000'000);
  ExpectError(bad, StatusCode::kDataLoss, {"tokenizer.ggml.tokens", "1000000 str"});

  const size_t scores_len_at = l.kv_at[3] + 8 + std::strlen("tokenizer.ggml.scores") + 4 + 4;
  bad = good;
  Patch<uint64_t>(&bad, scores_len_at, 100'000);
  ExpectError(bad, StatusCode::kDataLoss, {"tokenizer.ggml.scores", "100000 f32", "400000 bytes"});

  // Element type 9 (array of arrays) and unknown types.
  const size_t elem_type_at = len_at - 4;
  bad = good;
  Patch<uint32_t>(&bad, elem_type_at, 9);
  ExpectError(bad, StatusCode::kInvalidArgument, {"tokenizer.ggml.tokens", "array of arrays"});
  Patch<uint32_t>(&bad, elem_type_at, 13);
  ExpectError(bad, StatusCode::kInvalidArgument, {"unknown array element type 13"});
  bad = good;
  Patch<uint32_t>(&bad, elem_type_at - 4, 0x7fffffff);
  ExpectError(bad, StatusCode::kInvalidArgument,
              {"tokenizer.ggml.tokens", "unknown value type 2147483647"});

  Spec nested = SampleSpec();
  Bytes inner;
  inner.Put<uint32_t>(9)
      .Put<uint32_t>(9)
      .Put<uint64_t>(1)
      .Put<uint32_t>(4)
      .Put<uint64_t>(1)
      .Put<uint32_t>(7);
  nested.kvs.push_back(KvRaw("nested", inner.s));
  ExpectError(nested, StatusCode::kInvalidArgument, {"'nested'", "array of arrays"});
}

TEST(GgufHostileTest, DuplicatesAndAlignment) {
  Spec dup = SampleSpec();
  dup.kvs.push_back(KvU32("llama.block_count", 2));
  ExpectError(dup, StatusCode::kDataLoss,
              {"duplicate metadata key 'llama.block_count'", "entries 4 and 5"});

  Spec dup_tensor = SampleSpec();
  dup_tensor.tensors.push_back({"blk.0.attn_q.weight", {32}, kF32, std::nullopt});
  ExpectError(dup_tensor, StatusCode::kDataLoss,
              {"duplicate tensor name 'blk.0.attn_q.weight'", "tensors 1 and 3"});

  Spec align = SampleSpec();
  align.kvs[1] = KvU32("general.alignment", 48);
  ExpectError(align, StatusCode::kInvalidArgument, {"general.alignment is 48", "power of two"});
  align.kvs[1] = KvU32("general.alignment", 0);
  ExpectError(align, StatusCode::kInvalidArgument, {"general.alignment is 0"});
  Bytes u64;
  u64.Put<uint32_t>(10).Put<uint64_t>(32);
  align.kvs[1] = KvRaw("general.alignment", u64.s);
  ExpectError(align, StatusCode::kInvalidArgument, {"general.alignment must be a u32", "u64"});

  Spec big_align = SampleSpec();
  big_align.kvs[1] = KvU32("general.alignment", 64);
  big_align.alignment = 64;
  auto ok = Parse(Build(big_align));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->alignment, 64u);
  EXPECT_EQ(ok->data_offset % 64, 0u);
}

TEST(GgufHostileTest, AbsurdTensorInfos) {
  const Spec spec = SampleSpec();
  Layout l;
  const std::string good = Build(spec, &l);
  std::string bad;

  bad = good;  // name longer than ggml's 63
  Spec long_name = spec;
  long_name.tensors[0].name = std::string(64, 'x');
  ExpectError(long_name, StatusCode::kInvalidArgument,
              {"name of tensor 0", "over the limit of 63"});
  Spec empty_name = spec;
  empty_name.tensors[2].name = "";
  ExpectError(empty_name, StatusCode::kDataLoss, {"tensor 2", "empty name"});
  Patch<uint64_t>(&bad, l.tensor_at[1], 1ull << 63);
  ExpectError(bad, StatusCode::kInvalidArgument, {"name of tensor 1"});

  bad = good;  // n_dims
  Patch<uint32_t>(&bad, DimsAt(spec, l, 0) - 4, 5);
  ExpectError(bad, StatusCode::kDataLoss,
              {"tensor 'token_embd.weight' has 5 dimensions", "at most 4"});
  Patch<uint32_t>(&bad, DimsAt(spec, l, 0) - 4, 0xffffffff);
  ExpectError(bad, StatusCode::kDataLoss, {"4294967295 dimensions"});

  bad = good;  // a zero dimension
  Patch<uint64_t>(&bad, DimsAt(spec, l, 0) + 8, 0);
  ExpectError(bad, StatusCode::kDataLoss,
              {"tensor 'token_embd.weight'", "invalid dimension 1 = 0"});
  Patch<uint64_t>(&bad, DimsAt(spec, l, 0) + 8, 1ull << 63);
  ExpectError(bad, StatusCode::kDataLoss, {"invalid dimension 1 = 9223372036854775808"});

  Spec overflow = spec;  // element count overflows int64
  overflow.tensors[0].dims = {1ull << 32, 1ull << 32};
  ExpectError(overflow, StatusCode::kDataLoss,
              {"token_embd.weight", "more elements than fit in int64"});
  Spec too_big = spec;  // elements fit, bytes do not
  too_big.tensors[0].dims = {1ull << 31, 1ull << 31};
  ExpectError(too_big, StatusCode::kDataLoss,
              {"token_embd.weight", "size in bytes that overflows"});

  bad = good;  // tensor type
  Patch<uint32_t>(&bad, TypeAt(spec, l, 0), 4);
  ExpectError(bad, StatusCode::kInvalidArgument,
              {"tensor 'token_embd.weight'", "unknown or unsupported ggml type 4"});
  Patch<uint32_t>(&bad, TypeAt(spec, l, 0), 0xdeadbeef);
  ExpectError(bad, StatusCode::kInvalidArgument, {"ggml type 3735928559"});

  Spec bad_row = spec;
  bad_row.tensors[1].dims = {33, 2};
  ExpectError(
      bad_row, StatusCode::kDataLoss,
      {"tensor 'blk.0.attn_q.weight' of type 8 (q8_0) has 33 elements per row", "block size (32)"});
}

TEST(GgufHostileTest, AbsurdTensorOffsets) {
  Spec spec = SampleSpec();
  spec.tensors[1].offset = 8;
  ExpectError(spec, StatusCode::kDataLoss,
              {"tensor 'blk.0.attn_q.weight' has data offset 8", "alignment 32"});

  spec = SampleSpec();
  spec.tensors[2].offset = 1ull << 40;
  ExpectError(spec, StatusCode::kDataLoss,
              {"tensor 'output_norm.weight': offset 1099511627776 + size 16 exceeds"});

  spec = SampleSpec();
  spec.tensors[2].offset = ~0ull - 31;  // aligned; offset + size wraps around
  ExpectError(spec, StatusCode::kDataLoss, {"tensor 'output_norm.weight'", "exceeds"});

  spec = SampleSpec();
  spec.tensors[1].offset = 0;  // on top of token_embd.weight
  ExpectError(spec, StatusCode::kDataLoss,
              {"'token_embd.weight' [0, 32)", "'blk.0.attn_q.weight' [0, 68)", "overlap"});

  spec = SampleSpec();
  spec.data_adjust = -20;  // the last tensor runs past the end of the file
  ExpectError(spec, StatusCode::kDataLoss,
              {"tensor 'output_norm.weight': offset 128 + size 16 exceeds"});

  spec = SampleSpec();
  spec.tensors.push_back({"huge", {1ull << 20, 1ull << 10}, kF32, std::nullopt});
  ExpectError(spec, StatusCode::kDataLoss, {"tensor 'huge'", "exceeds"});
}

// Truncates a real model at many offsets: inside the header, the metadata (the token list), the
// tensor infos and the tensor data.
TEST(GgufHostileTest, TruncatedRealModel) {
  const std::string whole = ReadAll(SharedModel("stories260K-f32.gguf"));
  ASSERT_EQ(whole.size(), 1185344u);
  auto full = Parse(whole);
  ASSERT_TRUE(full.ok());
  uint64_t data_end = 0;
  for (const TensorInfo& t : full->tensors)
    data_end = std::max(data_end, full->data_offset + t.offset + t.size_bytes);
  const size_t infos_at = whole.rfind(full->tensors[0].name) - 8;
  ASSERT_LT(infos_at, full->data_offset);

  std::vector<size_t> cuts;
  for (size_t i = 0; i < 64; ++i) cuts.push_back(i);                           // header, first key
  for (size_t i = 64; i < infos_at; i += 97) cuts.push_back(i);                // metadata
  for (size_t i = infos_at; i < full->data_offset; i += 5) cuts.push_back(i);  // tensor infos
  for (size_t i : {0ul, 1ul, 4096ul, 500000ul}) cuts.push_back(full->data_offset + i);  // data
  cuts.push_back(data_end - 1);
  ASSERT_GE(cuts.size(), 10u);
  for (size_t cut : cuts) {
    auto r = Parse(whole.substr(0, cut));
    ASSERT_FALSE(r.ok()) << "cut at " << cut;
    EXPECT_EQ(r.status().code(), cut < 4 ? StatusCode::kInvalidArgument : StatusCode::kDataLoss)
        << "cut at " << cut << ": " << r.status().ToString();
    EXPECT_FALSE(r.status().message().empty());
  }
  ExpectError(whole.substr(0, 12), StatusCode::kDataLoss,
              {"truncated: the tensor count needs 8 bytes at offset 8"});
  ExpectError(whole.substr(0, infos_at + 4), StatusCode::kDataLoss,
              {"truncated", "the name of tensor 0"});
  ExpectError(whole.substr(0, full->data_offset + 100), StatusCode::kDataLoss,
              {"exceeds the data section"});

  // The same through the file path.
  const std::string dir = TempDir();
  for (size_t cut : {3ul, 17ul, 200ul, infos_at + 30, static_cast<size_t>(full->data_offset) + 10,
                     static_cast<size_t>(data_end) - 1}) {
    const std::string path = dir + "/cut-" + std::to_string(cut) + ".gguf";
    WriteAll(path, whole.substr(0, cut));
    auto r = ReadFile(path);
    ASSERT_FALSE(r.ok()) << "cut at " << cut;
    EXPECT_FALSE(r.status().message().empty());
  }
}

// Random byte flips in the header of a real model: the reader may accept or reject, but never
// crashes, and what it accepts is consistent.
TEST(GgufHostileTest, RandomMutations) {
  std::string bytes = ReadAll(SharedModel("stories260K-f32.gguf"));
  auto full = Parse(bytes);
  ASSERT_TRUE(full.ok());
  const size_t header = full->data_offset;
  std::mt19937_64 rng(1234);
  int rejected = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::vector<std::pair<size_t, char>> saved;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) {
      // Bias towards the first bytes, where counts and the first lengths live.
      const size_t at = (rng() % 4 == 0) ? rng() % 64 : rng() % header;
      saved.emplace_back(at, bytes[at]);
      bytes[at] = static_cast<char>(rng());
    }
    auto r = Parse(bytes);
    if (!r.ok()) {
      ++rejected;
      EXPECT_FALSE(r.status().message().empty());
    } else {
      for (const TensorInfo& t : r->tensors) {
        ASSERT_LE(r->data_offset + t.offset + t.size_bytes, bytes.size()) << t.name;
      }
    }
    for (auto it = saved.rbegin(); it != saved.rend(); ++it) bytes[it->first] = it->second;
  }
  EXPECT_GT(rejected, 100);
}

}  // namespace
}  // namespace hearth::gguf
