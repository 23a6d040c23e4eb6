// The CLI as a client: with `hearth serve` answering at HEARTH_HOST, create/list/show/cp/pull/rm
// go through its HTTP API (the models land in the server's store, not the client's
// HEARTH_MODELS); with nothing listening they work on the store directly. Also `hearth run` of
// a store model applying its TEMPLATE, SYSTEM and PARAMETER layers.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include "cli/api_client.h"
#include "cli/session.h"
#include "store/create.h"
#include "store/modelfile.h"
#include "store/store.h"
#include "testing/test_env.h"

extern char** environ;

namespace hearth::cli {
namespace {

namespace fs = std::filesystem;
using hearth::testing::HearthBinary;
using hearth::testing::SharedModel;
using hearth::testing::TempDir;
using hearth::testing::WriteAll;

struct Ran {
  int exit_code = -1;
  std::string out;
};

// Runs `hearth <args>` through the shell with `env` ("K=V ...") and stderr folded in.
Ran Hearth(const std::string& env, const std::string& args) {
  const std::string cmd = env + " " + HearthBinary() + " " + args + " 2>&1 </dev/null";
  Ran r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof(buf), p)) > 0;) r.out.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// `hearth serve` on a free loopback port over the store at `models`; killed when destroyed.
class Server {
 public:
  static std::unique_ptr<Server> Start(const std::string& models,
                                       const std::vector<std::string>& extra_env = {}) {
    int fds[2];
    if (::pipe(fds) != 0) return nullptr;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::vector<std::string> env = {"HEARTH_HOST=127.0.0.1:0", "HEARTH_MODELS=" + models};
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    for (char** e = environ; *e; ++e) {
      if (std::string(*e).rfind("HEARTH_", 0) != 0) env.push_back(*e);
    }
    std::vector<char*> envp;
    for (std::string& kv : env) envp.push_back(kv.data());
    envp.push_back(nullptr);
    std::string binary = HearthBinary(), serve = "serve";
    char* argv[] = {binary.data(), serve.data(), nullptr};
    auto s = std::unique_ptr<Server>(new Server());
    const int rc = posix_spawn(&s->pid_, binary.c_str(), &actions, nullptr, argv, envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    s->err_fd_ = fds[0];
    if (rc != 0) return nullptr;
    // "Listening on 127.0.0.1:<port>"
    const std::string prefix = "Listening on 127.0.0.1:";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      const size_t at = s->log_.find(prefix);
      if (at != std::string::npos && s->log_.find('\n', at) != std::string::npos) {
        s->port_ = std::stoi(s->log_.substr(at + prefix.size()));
        return s;
      }
      pollfd p{s->err_fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::read(s->err_fd_, buf, sizeof(buf));
      if (n <= 0) break;
      s->log_.append(buf, static_cast<size_t>(n));
    }
    ADD_FAILURE() << "hearth serve did not start: " << s->log_;
    return nullptr;
  }
  ~Server() { Stop(); }
  void Stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (err_fd_ >= 0) ::close(err_fd_);
    err_fd_ = -1;
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  Server() = default;
  pid_t pid_ = -1;
  int err_fd_ = -1;
  int port_ = 0;
  std::string log_;
};

// A Modelfile directory with a copy of the tiny model next to it.
std::string ModelfileDir(const std::string& extra) {
  const std::string dir = TempDir();
  fs::copy_file(SharedModel("stories260K-f32.gguf"), dir + "/stories.gguf");
  WriteAll(dir + "/Modelfile", "FROM ./stories.gguf\n" + extra);
  return dir;
}

bool HasModel(const std::string& root, const std::string& name) {
  auto s = store::Store::Open(root);
  return s.ok() && (*s)->ReadManifestBytes(store::ModelName::Parse(name).value()).ok();
}

TEST(ServerUrlTest, AcceptsOllamaHostForms) {
  EXPECT_EQ(ServerUrl("").value(), "http://127.0.0.1:11434");
  EXPECT_EQ(ServerUrl("example.com").value(), "http://example.com:11434");
  EXPECT_EQ(ServerUrl("example.com:8080").value(), "http://example.com:8080");
  EXPECT_EQ(ServerUrl(":9000").value(), "http://127.0.0.1:9000");
  EXPECT_EQ(ServerUrl("http://10.0.0.2:11435").value(), "http://10.0.0.2:11435");
  EXPECT_EQ(ServerUrl("https://models.example").value(), "https://models.example:443");
  EXPECT_EQ(ServerUrl("http://models.example").value(), "http://models.example:80");
  EXPECT_EQ(ServerUrl("[::1]:7000").value(), "http://[::1]:7000");
  EXPECT_FALSE(ServerUrl("host:99999").ok());
  EXPECT_FALSE(ServerUrl("ftp://host").ok());
}

TEST(ServerUrlTest, HttpErrorsCarryTheServersMessage) {
  Status s = StatusFromHttp(404, R"({"error":"model 'x' not found"})");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "model 'x' not found");
  s = StatusFromHttp(502, "<html>bad gateway</html>");
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_EQ(s.message(), "HTTP 502");
  EXPECT_EQ(StatusFromHttp(400, R"({"error":{"message":"bad"}})").message(), "bad");
}

TEST(ClientModeTest, CommandsGoThroughARunningServer) {
  const std::string server_models = TempDir() + "/server";
  const std::string client_models = TempDir() + "/client";
  ASSERT_TRUE(store::Store::Open(server_models).ok());
  auto server = Server::Start(server_models);
  ASSERT_TRUE(server);
  const std::string env = "HEARTH_HOST=" + server->host() + " HEARTH_MODELS=" + client_models;

  const std::string dir = ModelfileDir("SYSTEM Be brief.\nPARAMETER temperature 0\n");
  Ran r = Hearth(env, "create mine -f " + dir + "/Modelfile");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("gathering model components\ncopying file sha256:"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("writing manifest\nsuccess\n"), std::string::npos) << r.out;
  EXPECT_TRUE(HasModel(server_models, "mine"));
  EXPECT_FALSE(HasModel(client_models, "mine"));

  r = Hearth(env, "list");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("NAME ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("\nmine:latest "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1.2 MB"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Less than a second ago"), std::string::npos) << r.out;

  r = Hearth(env, "show mine --system");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "Be brief.");
  r = Hearth(env, "show mine --parameters");
  EXPECT_EQ(r.out, "temperature                    0\n");
  r = Hearth(env, "show mine --modelfile");
  EXPECT_NE(r.out.find("SYSTEM Be brief."), std::string::npos) << r.out;
  r = Hearth(env, "show mine");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("architecture        llama"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  System\n    Be brief."), std::string::npos) << r.out;

  r = Hearth(env, "cp mine other");
  EXPECT_EQ(r.out, "copied 'mine' to 'other'\n");
  EXPECT_TRUE(HasModel(server_models, "other"));

  // The server pulls from its own registry side: the model appears under the mirror's name.
  r = Hearth(env, "pull --insecure " + server->host() + "/library/mine");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(HasModel(server_models, server->host() + "/library/mine"));

  r = Hearth(env, "rm other");
  EXPECT_EQ(r.out, "deleted 'other'\n");
  EXPECT_FALSE(HasModel(server_models, "other"));
  r = Hearth(env, "rm nosuch");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "Error: model 'nosuch' not found\n");
  r = Hearth(env, "show nosuch");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "Error: model 'nosuch' not found\n");

  // Nothing listens any more: the same commands use the client's own store.
  server->Stop();
  r = Hearth(env, "list");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.find("mine"), std::string::npos) << r.out;
  r = Hearth(env, "create local -f " + dir + "/Modelfile");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(HasModel(client_models, "local"));
  EXPECT_FALSE(HasModel(server_models, "local"));
}

TEST(ClientModeTest, RunGoesThroughARunningServer) {
  const std::string server_models = TempDir() + "/server";
  const std::string client_models = TempDir() + "/client";
  ASSERT_TRUE(store::Store::Open(server_models).ok());
  auto server = Server::Start(server_models);
  ASSERT_TRUE(server);
  const std::string env = "HEARTH_HOST=" + server->host() + " HEARTH_MODELS=" + client_models;
  const std::string dir = ModelfileDir("PARAMETER temperature 0\nPARAMETER num_predict 12\n");
  ASSERT_EQ(Hearth(env, "create mine -f " + dir + "/Modelfile").exit_code, 0);

  // The client's store is empty: the answer can only come from the server's model.
  Ran r = Hearth(env, "run mine \"Once upon a time\"");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, ", there was a little girl named Lily. She\n");
  r = Hearth(env, "ps");
  EXPECT_NE(r.out.find("mine:latest"), std::string::npos) << r.out;
  r = Hearth(env, "run nosuch hi");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("not found"), std::string::npos) << r.out;

  // Without a server the name is looked up in the client's own store.
  server->Stop();
  r = Hearth(env, "run mine hi");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("not found"), std::string::npos) << r.out;
}

TEST(ClientModeTest, SendsTheApiKey) {
  const std::string server_models = TempDir();
  auto server = Server::Start(server_models, {"HEARTH_API_KEYS=sekrit"});
  ASSERT_TRUE(server);
  const std::string env = "HEARTH_HOST=" + server->host() + " HEARTH_MODELS=" + TempDir();
  Ran r = Hearth(env, "list");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("HEARTH_API_KEY"), std::string::npos) << r.out;
  r = Hearth(env + " HEARTH_API_KEY=sekrit", "list");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("NAME ", 0), 0u) << r.out;
}

// A store model created from `modelfile_extra` over the tiny model.
store::ResolvedModel CreateModel(const std::string& root, const std::string& extra) {
  const std::string dir = ModelfileDir(extra);
  auto st = store::Store::Open(root).value();
  auto mf = store::ParseModelfile(hearth::testing::ReadAll(dir + "/Modelfile"));
  EXPECT_TRUE(mf.ok()) << mf.status().ToString();
  store::CreateOptions options;
  options.base_dir = dir;
  const store::ModelName name = store::ModelName::Parse("story").value();
  Status s = store::CreateModel(*st, name, *mf, options);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return st->Resolve(name).value();
}

TEST(RunModelLayersTest, TemplateSystemAndMessagesShapeThePrompt) {
  const std::string root = TempDir();
  store::ResolvedModel m = CreateModel(
      root,
      "TEMPLATE \"\"\"{{ range .Messages }}<{{ .Role }}>{{ .Content }}{{ end }}<assistant>\"\"\"\n"
      "SYSTEM Be kind.\nMESSAGE user Hi\nMESSAGE assistant Hello\nPARAMETER num_ctx 256\n"
      "PARAMETER stop END\nPARAMETER temperature 0.5\n");
  ModelRef ref{m.model_path, m};
  EXPECT_EQ(Session::ModelNumCtx(ref), 256);
  auto s = Session::Open(ref, 256);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto p = (*s)->RenderPrompt("Tell me");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_FALSE(p->raw);
  EXPECT_EQ(p->text, "<system>Be kind.<user>Hi<assistant>Hello<user>Tell me<assistant>");
  EXPECT_EQ((*s)->options().stop, std::vector<std::string>{"END"});
  EXPECT_FLOAT_EQ((*s)->options().sampling.temperature, 0.5f);
  // A system prompt set in the session replaces the model's SYSTEM; as in Ollama's /api/chat
  // it comes after the model's MESSAGEs, as the first of the session's messages.
  (*s)->set_system("Be terse.");
  EXPECT_EQ((*s)->RenderPrompt("x")->text,
            "<user>Hi<assistant>Hello<system>Be terse.<user>x<assistant>");
}

TEST(RunModelLayersTest, RunRendersTheTemplateAndHonoursTheStop) {
  const std::string root = TempDir();
  // "Once upon" + " " + "a time" renders the prompt whose greedy story is known (README of
  // the shared models); the stop cuts it before "Lily".
  CreateModel(root,
              "TEMPLATE {{ .System }} {{ .Prompt }}\nSYSTEM Once upon\n"
              "PARAMETER temperature 0\nPARAMETER stop Lily\n");
  Ran r = Hearth("HEARTH_MODELS=" + root, "run story 'a time'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, ", there was a little girl named \n") << r.out;
  // Without the stop the story goes on past the name.
  const std::string root2 = TempDir();
  CreateModel(root2,
              "TEMPLATE {{ .System }} {{ .Prompt }}\nSYSTEM Once upon\n"
              "PARAMETER temperature 0\nPARAMETER num_predict 30\n");
  r = Hearth("HEARTH_MODELS=" + root2, "run story 'a time'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.rfind(", there was a little girl named Lily.", 0), 0u) << r.out;
}

}  // namespace
}  // namespace hearth::cli
