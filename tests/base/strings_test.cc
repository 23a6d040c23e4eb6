// base/strings.h: Ollama's two byte formats.
#include "base/strings.h"

#include <gtest/gtest.h>

#include <utility>

namespace hearth {
namespace {

// Expected values follow Ollama's format/bytes.go (HumanBytes) and its bytes_test.go.
TEST(HumanBytesTest, DecimalUnitsAsOllama) {
  const std::pair<int64_t, const char*> cases[] = {
      {0, "0 B"},
      {1, "1 B"},
      {999, "999 B"},
      {1000, "1 KB"},
      {1024, "1.0 KB"},  // 1.024: not whole, one decimal
      {1234, "1.2 KB"},
      {1500, "1.5 KB"},
      {9999, "10.0 KB"},  // 9.999 < 10: one decimal, rounded
      {10'500, "10 KB"},
      {379'168, "379 KB"},  // 10 or more: truncated, no decimal
      {999'999, "999 KB"},
      {1'000'000, "1 MB"},
      {1'185'344, "1.2 MB"},
      {999'999'999, "999 MB"},
      {1'000'000'000, "1 GB"},
      {2'000'000'000, "2 GB"},
      {4'661'211'808, "4.7 GB"},
      {4'683'073'536, "4.7 GB"},
      {1'000'000'000'000, "1 TB"},
      {1'500'000'000'000, "1.5 TB"},
      {1'999'999'999'999, "2.0 TB"},
      {123'000'000'000'000, "123 TB"},
      {-5, "-5 B"},
  };
  for (const auto& [bytes, want] : cases) EXPECT_EQ(HumanBytes(bytes), want) << bytes;
}

// Expected values follow Ollama's format/bytes.go (HumanBytes2) and its bytes_test.go.
TEST(HumanBytesTest, BinaryUnitsAsOllama) {
  const std::pair<uint64_t, const char*> cases[] = {
      {0, "0 B"},
      {1000, "1000 B"},
      {1023, "1023 B"},
      {1024, "1.0 KiB"},
      {1536, "1.5 KiB"},
      {1'048'575, "1024.0 KiB"},
      {1'048'576, "1.0 MiB"},
      {300ull << 20, "300.0 MiB"},
      {1'073'741'823, "1024.0 MiB"},
      {1ull << 30, "1.0 GiB"},
      {3ull << 29, "1.5 GiB"},
      {2ull << 30, "2.0 GiB"},
      {5ull << 40, "5120.0 GiB"},  // GiB is the largest unit
  };
  for (const auto& [bytes, want] : cases) EXPECT_EQ(HumanBytes2(bytes), want) << bytes;
}

}  // namespace
}  // namespace hearth
