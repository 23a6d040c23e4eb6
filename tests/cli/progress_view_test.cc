// Ollama's progress rendering for pull/push: sizes, speed, ETA, and the line sequence.
#include "cli/progress_view.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "testing/test_env.h"

namespace hearth::cli {
namespace {

using Clock = ProgressBar::Clock;
using std::chrono::seconds;

TEST(ProgressFormatTest, ShortDurations) {
  EXPECT_EQ(ShortDuration(seconds(0)), "0s");
  EXPECT_EQ(ShortDuration(seconds(45)), "45s");
  EXPECT_EQ(ShortDuration(seconds(62)), "1m2s");
  EXPECT_EQ(ShortDuration(seconds(3720)), "1h2m");
  EXPECT_EQ(ShortDuration(seconds(400000)), "99h+");
}

TEST(ProgressBarTest, InProgressShowsSizesSpeedAndEta) {
  const auto t0 = Clock::now();
  ProgressBar bar("pulling 3c4a7c3a8313:", 1'000'000'000, 0, t0);
  bar.Set(0, t0);
  bar.Set(50'000'000, t0 + seconds(2));  // 25 MB/s, 950 MB to go: 38 s
  const std::string line = bar.Render(100);
  EXPECT_EQ(line.rfind("pulling 3c4a7c3a8313:   5% ▕", 0), 0u) << line;
  // Sizes in Ollama's format.HumanBytes (base/strings.h), each right-aligned in 6 columns.
  EXPECT_NE(line.find("▏  50 MB/  1 GB   25 MB/s     38s"), std::string::npos) << line;
  EXPECT_FALSE(bar.done());
}

TEST(ProgressBarTest, DoneShowsTotalOnly) {
  const auto t0 = Clock::now();
  ProgressBar bar("pulling abc:", 1185344, 0, t0);
  bar.Set(1185344, t0 + seconds(1));
  EXPECT_TRUE(bar.done());
  const std::string line = bar.Render(80);
  EXPECT_EQ(line.rfind("pulling abc: 100% ▕█", 0), 0u) << line;
  EXPECT_NE(line.find("█▏ 1.2 MB"), std::string::npos) << line;
  EXPECT_EQ(line.find("MB/s"), std::string::npos) << line;
}

TEST(ProgressViewTest, PlainOutputPrintsEachLineOnceWhenDone) {
  const std::string path = testing::TempDir() + "/out";
  std::FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  {
    ProgressView view(f, /*tty=*/false, 80);
    const std::string d = "sha256:" + std::string(64, 'a');
    view.Update({"pulling manifest", "", 0, 0}, "pulling");
    view.Update({"pulling aaaaaaaaaaaa", d, 2000, 0}, "pulling");  // no bar until bytes move
    view.Update({"pulling aaaaaaaaaaaa", d, 2000, 1000}, "pulling");
    view.Update({"pulling aaaaaaaaaaaa", d, 2000, 2000}, "pulling");
    view.Update({"verifying sha256 digest", "", 0, 0}, "pulling");
    view.Update({"writing manifest", "", 0, 0}, "pulling");
    view.Update({"success", "", 0, 0}, "pulling");
  }
  std::fclose(f);
  const std::string out = testing::ReadAll(path);
  const std::string bar_head = "pulling aaaaaaaaaaaa: 100% ▕";
  ASSERT_NE(out.find(bar_head), std::string::npos) << out;
  const std::string bar_line =
      out.substr(out.find(bar_head), out.find('\n', out.find(bar_head)) - out.find(bar_head));
  EXPECT_EQ(out, "pulling manifest\n" + bar_line +
                     "\nverifying sha256 digest\nwriting manifest\nsuccess\n");
  EXPECT_NE(bar_line.find("▏   2 KB"), std::string::npos) << bar_line;
}

}  // namespace
}  // namespace hearth::cli
