// Ollama's CLI formats: HumanTime and the `ollama list` table (HumanBytes: tests/base).
#include "cli/format.h"

#include <gtest/gtest.h>

namespace hearth::cli {
namespace {

TEST(FormatTest, HumanTimeMatchesOllama) {
  using namespace std::chrono;
  const system_clock::time_point now = system_clock::now();
  const std::pair<system_clock::duration, const char*> cases[] = {
      {milliseconds(300), "Less than a second ago"},
      {seconds(1), "1 second ago"},
      {seconds(42), "42 seconds ago"},
      {seconds(90), "About a minute ago"},
      {minutes(2) + seconds(30), "2 minutes ago"},
      {minutes(59), "59 minutes ago"},
      {minutes(80), "About an hour ago"},
      {hours(24), "24 hours ago"},
      {hours(47), "47 hours ago"},
      {hours(48), "2 days ago"},
      {hours(24 * 13), "13 days ago"},
      {hours(24 * 14), "2 weeks ago"},
      {hours(24 * 70), "2 months ago"},
      {hours(24 * 365 * 3), "3 years ago"},
      {-minutes(5), "5 minutes from now"},
  };
  for (const auto& [ago, want] : cases) EXPECT_EQ(HumanTime(now - ago, now, "Never"), want);
  EXPECT_EQ(HumanTime(system_clock::time_point(), now, "Never"), "Never");
}

TEST(FormatTest, TableIsOllamasListLayout) {
  // Ollama's cmd_test TestListHandler expectation, byte for byte.
  EXPECT_EQ(RenderTable({"NAME", "ID", "SIZE", "MODIFIED"},
                        {{"model1", "sha256:abc12", "1.0 KB", "24 hours ago"},
                         {"model2", "sha256:def45", "2.0 KB", "2 days ago"}}),
            "NAME      ID              SIZE      MODIFIED     \n"
            "model1    sha256:abc12    1.0 KB    24 hours ago    \n"
            "model2    sha256:def45    2.0 KB    2 days ago      \n");
  EXPECT_EQ(RenderTable({"NAME", "ID"}, {}), "NAME    ID \n");
}

}  // namespace
}  // namespace hearth::cli
