#pragma once
// Starts tests/fakes/cloud.js (a scripted fake of OpenAI, Anthropic and Gemini) on a free
// loopback port for one test, and talks to its control API. The process ends with the object.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "net/async_client.h"
#include "testing/test_env.h"

extern char** environ;

namespace hearth::testing {

class FakeCloud {
 public:
  // `name` starts every reply ("<name>:<model> says: <text>").
  static std::unique_ptr<FakeCloud> Start(const std::string& name) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return nullptr;
    std::vector<std::string> argv = {"node", std::string(HEARTH_SOURCE_DIR) + "/tests/fakes/cloud.js",
                                     "--port", "0", "--name", name, "--ignore-stdin",
                                     "--keep-alive-ms", "2000"};
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    const std::string err_path = TempDir() + "/cloud-" + name + ".stderr";
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, err_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = -1;
    const int rc = posix_spawnp(&pid, "node", &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    if (rc != 0) {
      ::close(fds[0]);
      return nullptr;
    }
    auto f = std::unique_ptr<FakeCloud>(new FakeCloud());
    f->pid_ = pid;
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fds[0], POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      char buf[64];
      const ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<size_t>(n));
    }
    ::close(fds[0]);
    const auto at = line.find("listening ");
    if (at == std::string::npos) return nullptr;
    f->port_ = std::atoi(line.c_str() + at + 10);
    if (f->port_ <= 0) return nullptr;
    auto client = net::AsyncClient::Create({});
    if (!client.ok()) return nullptr;
    f->control_ = std::move(*client);
    return f;
  }
  ~FakeCloud() {
    control_.reset();
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Appends script steps (a JSON list, see tests/fakes/cloud.js).
  void Script(const nlohmann::json& steps) { Call("POST", "/_script", steps.dump()); }
  // Every upstream request so far.
  nlohmann::json Log() { return nlohmann::json::parse(Call("GET", "/_log", ""), nullptr, false); }
  nlohmann::json Stats() { return nlohmann::json::parse(Call("GET", "/_stats", ""), nullptr, false); }

 private:
  FakeCloud() = default;
  std::string Call(const std::string& method, const std::string& path, const std::string& body) {
    net::Request r;
    r.method = method;
    r.url = url() + path;
    r.body = body;
    if (!body.empty()) r.headers = {{"Content-Type", "application/json"}};
    auto resp = control_->Fetch(std::move(r));
    EXPECT_TRUE(resp.ok()) << resp.status().ToString();
    return resp.ok() ? resp->body : "";
  }

  pid_t pid_ = -1;
  int port_ = 0;
  std::unique_ptr<net::AsyncClient> control_;
};

}  // namespace hearth::testing
