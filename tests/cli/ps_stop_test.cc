// `hearth ps` and `hearth stop` against an in-process server (port 0) whose inference routes are
// served by a FakeBackend; and the ps table rendering on its own.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/ps_table.h"
#include "fakes/fake_backend.h"
#include "server/inference_routes.h"
#include "http/server.h"
#include "testing/test_env.h"

namespace hearth::cli {
namespace {

using namespace std::chrono_literals;

using Ran = hearth::testing::CommandResult;

Ran RunHearth(const std::string& env, const std::string& args) {
  const std::string cmd = env + " " + hearth::testing::HearthBinary() + " " + args + " 2>&1";
  return hearth::testing::RunShell(cmd);
}

TEST(PsTableTest, OllamasLayout) {
  const auto now = std::chrono::system_clock::from_time_t(1700000000);
  const std::string body =
      R"({"models":[{"name":"qwen:1b","model":"qwen:1b","size":1500000000,)"
      R"("digest":"0123456789abcdef","expires_at":"2023-11-14T22:17:20Z","size_vram":0,)"
      R"("context_length":4096},)"
      R"({"name":"big:7b","size":1000,"digest":"fedcba9876543210","size_vram":250,)"
      R"("expires_at":"2023-11-14T22:13:19+00:00","context_length":8192},)"
      R"({"name":"gpu:1b","size":1000,"digest":"aa","size_vram":1000,)"
      R"("expires_at":"2318-01-01T00:00:00Z","context_length":2048}]})";
  auto t = RenderPsTable(body, now);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(
      *t,
      "NAME       ID              SIZE      PROCESSOR          CONTEXT    UNTIL              \n"
      "qwen:1b    0123456789ab    1.5 GB    100% CPU           4096       4 minutes from now    \n"
      "big:7b     fedcba987654    1 KB      75%/25% CPU/GPU    8192       Stopping...           \n"
      "gpu:1b     aa              1 KB      100% GPU           2048       Forever               "
      "\n");
  auto only = RenderPsTable(body, now, "gpu");
  ASSERT_TRUE(only.ok());
  EXPECT_EQ(only->find("qwen"), std::string::npos);
  EXPECT_NE(only->find("gpu:1b"), std::string::npos);
  EXPECT_FALSE(RenderPsTable("[]", now).ok());
  EXPECT_FALSE(RenderPsTable("not json", now).ok());
}

TEST(PsStopTest, TalkToARunningServer) {
  hearth::testing::FakeBackend backend;
  chat::RunningModel m;
  m.name = "qwen:1b";
  m.digest = "0123456789abcdef";
  m.size = 2000;
  m.context_length = 4096;
  m.expires_at = std::chrono::system_clock::now() + 10min;
  backend.SetRunning({m});
  http::RouteTable router;
  server::AddInferenceRoutes(router, {.backend = &backend, .store = nullptr, .now = {}});
  http::ServerOptions options;
  options.port = 0;
  auto s = http::HttpServer::Start(std::move(options), std::move(router));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const std::string env = "HEARTH_HOST=127.0.0.1:" + std::to_string((*s)->port());

  auto ps = RunHearth(env, "ps");
  EXPECT_EQ(ps.exit_code, 0) << ps.out;
  EXPECT_EQ(ps.out.rfind("NAME ", 0), 0u) << ps.out;
  EXPECT_NE(ps.out.find("qwen:1b    0123456789ab    2 KB    100% CPU     4096"), std::string::npos)
      << ps.out;
  EXPECT_NE(ps.out.find("minutes from now"), std::string::npos) << ps.out;

  auto stop = RunHearth(env, "stop qwen:1b");
  EXPECT_EQ(stop.exit_code, 0) << stop.out;
  EXPECT_EQ(stop.out, "");
  auto reqs = backend.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].model, "qwen:1b");
  ASSERT_TRUE(reqs[0].keep_alive.has_value());
  EXPECT_EQ(reqs[0].keep_alive->count(), 0);
  EXPECT_TRUE(reqs[0].prompt.empty());

  backend.Push({.status = NotFound("model \"nope\" not found")});
  auto missing = RunHearth(env, "stop nope");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.out, "Error: couldn't find model \"nope\" to stop\n");
  auto usage = RunHearth(env, "stop");
  EXPECT_EQ(usage.exit_code, 2) << usage.out;

  (*s)->Stop();
  auto down = RunHearth(env, "ps");
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.out.find("could not connect to hearth server"), std::string::npos) << down.out;
}

}  // namespace
}  // namespace hearth::cli
