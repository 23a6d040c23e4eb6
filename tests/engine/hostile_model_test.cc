// Hostile model files: every one must give a clear error from Model::Load, never a crash.
// These also run under AddressSanitizer (scripts/test, the "Hostile" filter).
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "engine/model.h"
#include "testing/test_env.h"

namespace hearth::engine {
namespace {

using hearth::testing::ReadAll;
using hearth::testing::SharedModel;
using hearth::testing::TempDir;
using hearth::testing::WriteAll;

void ExpectCleanFailure(const std::string& bytes, const std::string& what) {
  const std::string path = TempDir() + "/hostile.gguf";
  WriteAll(path, bytes);
  auto m = Model::Load(path);
  ASSERT_FALSE(m.ok()) << what << " loaded";
  EXPECT_FALSE(m.status().message().empty()) << what;
  EXPECT_NE(m.status().message().find(path), std::string::npos) << "error names the file: " << what;
}

TEST(HostileModelTest, TruncatedAtManyOffsets) {
  const std::string good = ReadAll(SharedModel("stories260K-q8_0.gguf"));
  ASSERT_GT(good.size(), 300000u);
  // Header, metadata, vocabulary, tensor infos, data start, middle of data, one byte short.
  for (size_t cut : {size_t{0}, size_t{3}, size_t{7}, size_t{15}, size_t{23}, size_t{100},
                     size_t{5000}, size_t{20000}, size_t{40000}, good.size() / 2,
                     good.size() - 1000, good.size() - 64}) {  // the last 32 bytes may be padding
    ExpectCleanFailure(good.substr(0, cut), "truncated at " + std::to_string(cut));
  }
}

TEST(HostileModelTest, FlippedHeaderBytes) {
  const std::string good = ReadAll(SharedModel("stories260K-f32.gguf"));
  for (size_t pos : {0, 1, 2, 3, 4, 5, 8, 15, 16, 23}) {
    std::string bad = good;
    bad[pos] = static_cast<char>(bad[pos] ^ 0xFF);
    ExpectCleanFailure(bad, "flipped byte " + std::to_string(pos));
  }
}

TEST(HostileModelTest, AbsurdCounts) {
  const std::string good = ReadAll(SharedModel("stories260K-f32.gguf"));
  std::string tensors = good;  // tensor count (u64 at offset 8) = 2^62
  const uint64_t huge = 1ull << 62;
  std::memcpy(tensors.data() + 8, &huge, 8);
  ExpectCleanFailure(tensors, "absurd tensor count");
  std::string kvs = good;  // kv count (u64 at offset 16)
  std::memcpy(kvs.data() + 16, &huge, 8);
  ExpectCleanFailure(kvs, "absurd kv count");
}

TEST(HostileModelTest, NotGguf) {
  ExpectCleanFailure("", "empty file");
  ExpectCleanFailure("hello, I am a text file\n", "text");
  std::mt19937 rng(7);
  std::string noise(4096, '\0');
  for (auto& c : noise) c = static_cast<char>(rng());
  ExpectCleanFailure(noise, "random bytes");
  ExpectCleanFailure("GGUF", "magic only");
}

TEST(HostileModelTest, SharedInvalidFilesAreRejected) {
  auto v1 = Model::Load(SharedModel("invalid/tinyllamas-stories-260k-f32.gguf-v1.gguf"));
  ASSERT_FALSE(v1.ok());
  EXPECT_NE(v1.status().message().find("v1"), std::string::npos) << v1.status().message();
  auto badrow = Model::Load(SharedModel("invalid/tinyllamas-stories-260k-q8_0.gguf-v2-badrow.gguf"));
  ASSERT_FALSE(badrow.ok());
  EXPECT_NE(badrow.status().message().find("blk.0.ffn_down.weight"), std::string::npos)
      << badrow.status().message();
}

}  // namespace
}  // namespace hearth::engine
