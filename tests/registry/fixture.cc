#include "registry/fixture.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "net/curl.h"
#include "testing/test_env.h"

extern char** environ;

namespace hearth::testing {
namespace fs = std::filesystem;

namespace {

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::unique_ptr<FakeRegistry> FakeRegistry::Start(const std::string& dir,
                                                  const std::vector<std::string>& flags) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return nullptr;
  std::vector<std::string> argv = {
      "node", std::string(HEARTH_SOURCE_DIR) + "/tests/fakes/registry.js", "--dir", dir};
  argv.insert(argv.end(), flags.begin(), flags.end());
  // No terminal for node: a tty on its stdio makes it reset the terminal mode, which stops a
  // test run in a background process group (SIGTTOU). Its stderr goes to a file for debugging.
  const std::string err_path = TempDir() + "/registry.stderr";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  auto args = CStrings(argv);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, "node", &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    ADD_FAILURE() << "cannot start node: " << std::strerror(rc);
    return nullptr;
  }
  auto reg = std::unique_ptr<FakeRegistry>(new FakeRegistry());
  reg->pid_ = pid;
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    char buf[64];
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  reg->port_ = std::atoi(line.c_str());
  if (reg->port_ <= 0) {
    ADD_FAILURE() << "the fake registry did not report its port (got \"" << line << "\")";
    return nullptr;
  }
  return reg;
}

FakeRegistry::~FakeRegistry() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::vector<SeenRequest> FakeRegistry::Log() const {
  net::curl::Request req;
  req.url = "http://" + host() + "/_log";
  req.max_body = 64 << 20;
  auto r = net::curl::Perform(req);
  std::vector<SeenRequest> out;
  if (!r.ok() || r->status != 200) {
    ADD_FAILURE() << "cannot read the fake registry's log";
    return out;
  }
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& e : j) {
    SeenRequest s;
    s.method = e.value("method", "");
    s.path = e.value("path", "");
    s.range = e.value("range", "");
    s.auth = e.value("auth", "");
    s.host = e.value("host", "");
    s.status = e.value("status", 0);
    s.bytes = e.value("bytes", uint64_t{0});
    out.push_back(s);
  }
  return out;
}

BuiltModel BuildModel(store::Store& source, const std::string& registry_dir,
                      const std::string& gguf_path, const std::string& ns, const std::string& model,
                      const std::string& tag, const std::string& system) {
  BuiltModel b;
  auto model_digest = source.ImportFile(gguf_path, /*gguf=*/true);
  EXPECT_TRUE(model_digest.ok()) << model_digest.status().ToString();
  b.model = *model_digest;
  const std::string config_json =
      R"({"model_format":"gguf","model_family":"llama","model_families":["llama"],)"
      R"("model_type":"260K","file_type":"Q8_0","rootfs":{"type":"layers","diff_ids":[]}})";
  auto config = source.PutBytes(config_json);
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  b.config = *config;

  store::Manifest& m = b.manifest;
  auto layer = [](const char* media, const store::Digest& d, uint64_t size) {
    store::Layer l;
    l.media_type = media;
    l.digest = d;
    l.size = size;
    return l;
  };
  m.config = layer(store::kConfigMediaType, b.config, config_json.size());
  m.layers.push_back(layer(store::kMediaModel, b.model, fs::file_size(gguf_path)));
  if (!system.empty()) {
    auto sys = source.PutBytes(system);
    EXPECT_TRUE(sys.ok());
    m.layers.push_back(layer(store::kMediaSystem, *sys, system.size()));
  }
  b.manifest_bytes = m.Serialize();
  fs::create_directories(fs::path(registry_dir) / "blobs");
  for (const store::Layer* l : {&m.config}) b.all.push_back(l->digest);
  for (const store::Layer& l : m.layers) b.all.push_back(l.digest);
  for (const store::Digest& d : b.all) {
    const fs::path to = fs::path(registry_dir) / "blobs" / d.FileName();
    std::error_code ec;
    fs::copy_file(source.BlobPath(d), to, fs::copy_options::overwrite_existing, ec);
    EXPECT_FALSE(ec) << ec.message();
  }
  const fs::path mpath = fs::path(registry_dir) / "manifests" / ns / model / tag;
  fs::create_directories(mpath.parent_path());
  WriteAll(mpath.string(), b.manifest_bytes);
  return b;
}

registry::RegistryOptions TestOptions() {
  registry::RegistryOptions o;
  o.insecure = true;
  o.min_part_size = 64 << 10;
  o.num_parts = 16;
  o.max_retries = 4;
  o.stall_timeout = std::chrono::milliseconds(1500);
  o.connect_timeout = std::chrono::milliseconds(5000);
  o.retry_backoff = std::chrono::milliseconds(10);
  return o;
}

std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    out.push_back(it->path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> PartialFiles(const store::Store& s) {
  std::vector<std::string> out;
  for (const std::string& f : FilesIn(s.root() + "/blobs")) {
    if (f.find("-partial") != std::string::npos) out.push_back(f);
  }
  return out;
}

Child Spawn(const std::vector<std::string>& argv_in, const std::vector<std::string>& env_extra) {
  Child c;
  const std::string dir = TempDir();
  c.out_path = dir + "/stdout";
  c.err_path = dir + "/stderr";
  std::vector<std::string> argv = argv_in;
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  for (const std::string& kv : env_extra) {
    const std::string key = kv.substr(0, kv.find('=') + 1);
    env.erase(std::remove_if(env.begin(), env.end(),
                             [&](const std::string& x) { return x.rfind(key, 0) == 0; }),
              env.end());
    env.push_back(kv);
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, c.out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, c.err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  auto args = CStrings(argv);
  auto envp = CStrings(env);
  int rc = posix_spawn(&c.pid, argv[0].c_str(), &fa, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    ADD_FAILURE() << "cannot start " << argv[0] << ": " << std::strerror(rc);
    c.pid = -1;
  }
  return c;
}

int Wait(Child& c, std::chrono::milliseconds limit) {
  if (c.pid <= 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(c.pid, &status, WNOHANG);
    if (r == c.pid) {
      c.pid = -1;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -1;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(c.pid, SIGKILL);
      ::waitpid(c.pid, nullptr, 0);
      c.pid = -1;
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace hearth::testing
