// `hearth run` as a user drives it: the real binary for one-shot use, RunRepl for the loop.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <thread>

#include "cli/repl.h"
#include "cli/session.h"
#include "testing/test_env.h"

namespace hearth::cli {
namespace {

using hearth::testing::HearthBinary;
using hearth::testing::SharedModel;

using Ran = hearth::testing::CommandResult;

// Runs `args` through the shell with stderr folded into the output.
Ran RunHearth(const std::string& args, const std::string& stdin_text = "") {
  const std::string cmd = "printf '%s' '" + stdin_text + "' | " + HearthBinary() + " " + args + " 2>&1";
  return hearth::testing::RunShell(cmd);
}

const char kStory[] =
    ", there was a little girl named Lily. She loved to play outside in the park. One day, she "
    "saw a big, red ball.";

TEST(RunCommandTest, OneShotStreamsTheAnswer) {
  auto r = RunHearth("run " + SharedModel("stories260K-f32.gguf") + " 'Once upon a time'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  // Ollama's default temperature samples; the story still starts with the model's usual opening.
  EXPECT_NE(r.out.find(", there was"), std::string::npos) << r.out;
}

TEST(RunCommandTest, PipedStdinIsThePrompt) {
  auto r = RunHearth("run " + SharedModel("stories260K-f32.gguf") + " --verbose", "Once upon a time");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("prompt eval count:    5 token(s)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("eval rate:"), std::string::npos) << r.out;
}

TEST(RunCommandTest, ErrorsHaveExitCodesAndMessages) {
  auto missing = RunHearth("run /nonexistent/model.gguf hi");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.out.find("Error: model file not found: /nonexistent/model.gguf"),
            std::string::npos) << missing.out;
  auto invalid = RunHearth("run " + SharedModel("invalid/tinyllamas-stories-260k-f32.gguf-v1.gguf") + " hi");
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_NE(invalid.out.find("Error: "), std::string::npos);
  auto usage = RunHearth("run");
  EXPECT_EQ(usage.exit_code, 2) << usage.out;
  auto flag = RunHearth("run x.gguf --no-such-flag");
  EXPECT_EQ(flag.exit_code, 2) << flag.out;
  auto ctx = RunHearth("run x.gguf --num-ctx 3");
  EXPECT_EQ(ctx.exit_code, 2) << ctx.out;
}

// Runs a scripted REPL session and returns {stdout, stderr}.
std::pair<std::string, std::string> Repl(const std::string& script) {
  auto session = Session::Open(SharedModel("stories260K-f32.gguf"), 512);
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  FILE* in = fmemopen(const_cast<char*>(script.data()), script.size(), "r");
  char* out_buf = nullptr;
  char* err_buf = nullptr;
  size_t out_len = 0, err_len = 0;
  FILE* out = open_memstream(&out_buf, &out_len);
  FILE* err = open_memstream(&err_buf, &err_len);
  auto reader = MakeStreamReader(in);
  EXPECT_EQ(RunRepl(**session, *reader, out, err, false), 0);
  std::fclose(in);
  std::fclose(out);
  std::fclose(err);
  std::pair<std::string, std::string> r{out_buf, err_buf};
  free(out_buf);
  free(err_buf);
  return r;
}

TEST(ReplTest, ParametersMultilineInfoAndBye) {
  auto [out, err] = Repl(
      "/set parameter temperature 0\n"
      "/set parameter num_predict 40\n"
      "\"\"\"Once upon\n"
      "a time\"\"\"\n"
      "/show info\n"
      "/set parameter top_k ten\n"
      "/nope\n"
      "/clear\n"
      "/bye\n"
      "never read\n");
  EXPECT_NE(out.find("Set parameter 'temperature' to '0'"), std::string::npos) << out;
  EXPECT_NE(out.find("Set parameter 'num_predict' to '40'"), std::string::npos) << out;
  // The multi-line message "Once upon\na time" tokenizes differently from the one-line prompt,
  // so check the greedy answer's shape rather than exact ids.
  EXPECT_NE(out.find("Lily"), std::string::npos) << out;
  EXPECT_NE(out.find("architecture        llama"), std::string::npos) << out;
  EXPECT_NE(out.find("quantization        F32"), std::string::npos) << out;
  EXPECT_NE(out.find("Cleared session context"), std::string::npos) << out;
  EXPECT_NE(err.find("invalid value for parameter top_k"), std::string::npos) << err;
  EXPECT_NE(err.find("Unknown command '/nope'"), std::string::npos) << err;
}

TEST(ReplTest, GreedyAnswerMatchesTheModelReference) {
  auto [out, err] = Repl(
      "/set parameter temperature 0\n"
      "/set parameter num_predict 40\n"
      "Once upon a time\n");
  EXPECT_NE(out.find(kStory), std::string::npos) << out << err;
}

TEST(ReplTest, SessionCancelStopsTheAnswer) {
  auto session = Session::Open(SharedModel("stories260K-f32.gguf"), 512);
  ASSERT_TRUE(session.ok());
  Session& s = **session;
  s.options().num_predict = 400;
  // Cancel from "another thread" before the answer starts, as Ctrl-C would mid-answer: the
  // answer ends at once, and the next one runs normally.
  char* buf = nullptr;
  size_t len = 0;
  FILE* out = open_memstream(&buf, &len);
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    s.Cancel();
  });
  auto c = s.Ask("Once upon a time", out);
  canceller.join();
  std::fclose(out);
  free(buf);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->done_reason, chat::DoneReason::kCancelled);
  EXPECT_LT(c->eval_tokens, 400);
  s.options().num_predict = 5;
  FILE* out2 = open_memstream(&buf, &len);
  auto c2 = s.Ask("The cat", out2);
  std::fclose(out2);
  free(buf);
  ASSERT_TRUE(c2.ok());
  EXPECT_EQ(c2->eval_tokens, 5);
}

}  // namespace
}  // namespace hearth::cli
