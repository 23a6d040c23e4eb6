// The real `hearth serve` binary: port 0 with HEARTH_MODELS pointing at a test store, read the
// port from its stderr, query it, stop it with SIGTERM. Also its start-up errors.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "server/server_testing.h"

extern char** environ;

namespace hearth::server {
namespace {

using nlohmann::json;
using testing::Fetch;

struct Child {
  pid_t pid = -1;
  int err_fd = -1;
  std::string stderr_text;

  // Reads stderr until a line starts with `prefix` or the guard expires; returns the rest of
  // that line.
  std::optional<std::string> WaitFor(const std::string& prefix) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    size_t scanned = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      size_t nl;
      while ((nl = stderr_text.find('\n', scanned)) != std::string::npos) {
        const std::string line = stderr_text.substr(scanned, nl - scanned);
        scanned = nl + 1;
        if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
      }
      pollfd p{err_fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::read(err_fd, buf, sizeof(buf));
      if (n <= 0) return std::nullopt;
      stderr_text.append(buf, static_cast<size_t>(n));
    }
    return std::nullopt;
  }
  // Waits for exit; returns the exit code (-1 when killed by a signal or on timeout).
  int Wait() {
    for (int i = 0; i < 6000; ++i) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      ::usleep(10000);
    }
    return -1;
  }
  ~Child() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    if (err_fd >= 0) ::close(err_fd);
  }
};

// Starts `hearth serve` with `env` added to this process's environment.
std::unique_ptr<Child> StartServe(const std::vector<std::string>& env) {
  int fds[2];
  if (::pipe(fds) != 0) return nullptr;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::vector<std::string> all = env;
  for (char** e = environ; *e; ++e) {
    const std::string kv = *e;
    if (kv.rfind("HEARTH_", 0) != 0) all.push_back(kv);
  }
  std::vector<char*> envp;
  for (std::string& kv : all) envp.push_back(kv.data());
  envp.push_back(nullptr);
  std::string binary = hearth::testing::HearthBinary();
  std::string serve = "serve";
  char* argv[] = {binary.data(), serve.data(), nullptr};
  auto child = std::make_unique<Child>();
  const int rc = posix_spawn(&child->pid, binary.c_str(), &actions, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  child->err_fd = fds[0];
  if (rc != 0) return nullptr;
  return child;
}

TEST(ServeBinaryTest, ServesTheStoreOnPortZero) {
  testing::TestStore ts = testing::MakeTestStore();
  auto child = StartServe({"HEARTH_HOST=127.0.0.1:0", "HEARTH_MODELS=" + ts.root});
  ASSERT_TRUE(child);
  auto rest = child->WaitFor("Listening on 127.0.0.1:");
  ASSERT_TRUE(rest) << child->stderr_text;
  ASSERT_EQ(rest->find_first_not_of("0123456789"), std::string::npos) << *rest;
  const uint16_t port = static_cast<uint16_t>(std::stoi(*rest));
  ASSERT_GT(port, 0);
  EXPECT_EQ(child->stderr_text.find("WARNING"), std::string::npos);

  auto r = Fetch(port, "GET", "/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "Ollama is running");
  r = Fetch(port, "GET", "/api/tags");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  json tags = json::parse(r->body, nullptr, false);
  ASSERT_TRUE(tags.is_object()) << r->body;
  std::vector<std::string> names;
  for (const json& model : tags["models"]) names.push_back(model["name"]);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"bare:latest", "stories:latest"}));
  r = Fetch(port, "GET", "/api/version");
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body, nullptr, false)["version"].is_string(), true);

  ASSERT_EQ(::kill(child->pid, SIGTERM), 0);
  EXPECT_EQ(child->Wait(), 0) << child->stderr_text;
}

TEST(ServeBinaryTest, ApiKeysFromTheEnvironment) {
  testing::TestStore ts = testing::MakeTestStore();
  auto child = StartServe({"HEARTH_HOST=127.0.0.1:0", "HEARTH_MODELS=" + ts.root,
                           "HEARTH_API_KEYS=team-key"});
  ASSERT_TRUE(child);
  auto rest = child->WaitFor("Listening on 127.0.0.1:");
  ASSERT_TRUE(rest) << child->stderr_text;
  ASSERT_EQ(rest->find_first_not_of("0123456789"), std::string::npos) << *rest;
  const uint16_t port = static_cast<uint16_t>(std::stoi(*rest));
  auto r = Fetch(port, "GET", "/api/tags");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  r = Fetch(port, "GET", "/api/tags", "", "Authorization: Bearer team-key\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = Fetch(port, "GET", "/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(ServeBinaryTest, StartUpErrors) {
  testing::TestStore ts = testing::MakeTestStore();
  // A port in use: the error names it.
  http::RouteTable router;
  http::ServerOptions o;
  o.port = 0;
  auto busy = http::HttpServer::Start(o, std::move(router));
  ASSERT_TRUE(busy.ok());
  const std::string port = std::to_string((*busy)->port());
  auto child = StartServe({"HEARTH_HOST=127.0.0.1:" + port, "HEARTH_MODELS=" + ts.root});
  ASSERT_TRUE(child);
  EXPECT_EQ(child->Wait(), 1);
  child->WaitFor("Error");
  EXPECT_NE(child->stderr_text.find("Error: cannot listen on 127.0.0.1:" + port +
                                    ": Address already in use"),
            std::string::npos)
      << child->stderr_text;

  child = StartServe({"HEARTH_HOST=127.0.0.1:99999", "HEARTH_MODELS=" + ts.root});
  ASSERT_TRUE(child);
  EXPECT_EQ(child->Wait(), 1);
  child->WaitFor("Error");
  EXPECT_NE(child->stderr_text.find("Error: HEARTH_HOST: invalid port \"99999\""),
            std::string::npos)
      << child->stderr_text;

  child = StartServe({"HEARTH_HOST=127.0.0.1:0", "HEARTH_MODELS=" + ts.root,
                      "HEARTH_ORIGINS=not-an-origin"});
  ASSERT_TRUE(child);
  EXPECT_EQ(child->Wait(), 1);
  child->WaitFor("Error");
  EXPECT_NE(child->stderr_text.find("Error: bad origin \"not-an-origin\""), std::string::npos)
      << child->stderr_text;
}

}  // namespace
}  // namespace hearth::server
