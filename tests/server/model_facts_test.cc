// Ollama's number, file-type and time formats as the API reports them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "server/model_facts.h"

namespace hearth::server {
namespace {

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
