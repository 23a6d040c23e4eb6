// Ollama's number, file-type and time formats as the API reports them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "server/model_facts.h"

namespace hearth::server {
namespace {

TEST(ModelFactsTest, HumanNumberMatchesOllama) {
  EXPECT_EQ(HumanNumber(999), "999");
  EXPECT_EQ(HumanNumber(1000), "1K");
  EXPECT_EQ(HumanNumber(260000), "260K");
  EXPECT_EQ(HumanNumber(292352), "292K");
  EXPECT_EQ(HumanNumber(1000000), "1M");
  EXPECT_EQ(HumanNumber(1500000), "1.50M");
  EXPECT_EQ(HumanNumber(7000000000), "7B");
  EXPECT_EQ(HumanNumber(8030261248), "8.0B");
  EXPECT_EQ(HumanNumber(1540000000), "1.5B");
}

TEST(ModelFactsTest, FileTypeNames) {
  EXPECT_EQ(FileTypeName(0), "F32");
  EXPECT_EQ(FileTypeName(1), "F16");
  EXPECT_EQ(FileTypeName(2), "Q4_0");
  EXPECT_EQ(FileTypeName(7), "Q8_0");
  EXPECT_EQ(FileTypeName(15), "Q4_K_M");
  EXPECT_EQ(FileTypeName(32), "BF16");
  EXPECT_EQ(FileTypeName(4), "unknown");
  EXPECT_EQ(FileTypeName(-1), "unknown");
  EXPECT_EQ(FileTypeName(1024), "unknown");
}

TEST(ModelFactsTest, FormatTimeIsGoRfc3339Nano) {
  const char* old = std::getenv("TZ");
  const std::string saved = old ? old : "";
  using namespace std::chrono;
  const system_clock::time_point t =
      system_clock::time_point(seconds(1714558272)) + nanoseconds(123456700);
  setenv("TZ", "UTC", 1);
  tzset();
  EXPECT_EQ(FormatTime(t), "2024-05-01T10:11:12.1234567Z");
  EXPECT_EQ(FormatTime(system_clock::time_point(seconds(1714558272))), "2024-05-01T10:11:12Z");
  setenv("TZ", "PDT+7", 1);  // POSIX form: no tzdata needed
  tzset();
  EXPECT_EQ(FormatTime(t), "2024-05-01T03:11:12.1234567-07:00");
  setenv("TZ", "IST-5:30", 1);
  tzset();
  EXPECT_EQ(FormatTime(t), "2024-05-01T15:41:12.1234567+05:30");
  if (old) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
}

}  // namespace
}  // namespace hearth::server
