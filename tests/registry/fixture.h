#pragma once
// Test helpers for the registry client: the scripted registry (tests/fakes/registry.js) as a
// child process, registry content built with the store API, and child processes.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "store/manifest.h"
#include "store/name.h"
#include "registry/registry_client.h"
#include "store/store.h"

namespace hearth::testing {

// One request the fake registry saw.
struct SeenRequest {
  std::string method, path, range, auth, host;
  int status = 0;
  uint64_t bytes = 0;  // body bytes sent
};

// tests/fakes/registry.js serving `dir` on 127.0.0.1, started with `flags`. Killed (SIGKILL)
// when destroyed.
class FakeRegistry {
 public:
  static std::unique_ptr<FakeRegistry> Start(const std::string& dir,
                                             const std::vector<std::string>& flags = {});
  ~FakeRegistry();
  int port() const { return port_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  // The requests seen so far (fetched from the registry's /_log).
  std::vector<SeenRequest> Log() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// A model as registry content: the layers' digests and the manifest.
struct BuiltModel {
  store::Manifest manifest;
  std::string manifest_bytes;
  store::Digest model;  // the GGUF layer
  store::Digest config;
  std::vector<store::Digest> all;  // every blob
};

// Imports `gguf_path` (plus a config blob and, when non-empty, a system prompt layer) into
// `source`, copies the blobs to `registry_dir`/blobs and writes the manifest to
// `registry_dir`/manifests/<ns>/<model>/<tag>.
BuiltModel BuildModel(store::Store& source, const std::string& registry_dir,
                      const std::string& gguf_path, const std::string& ns, const std::string& model,
                      const std::string& tag, const std::string& system = "");

// Registry options for tests: plain http, small parts, short timeouts.
registry::RegistryOptions TestOptions();

// Every file name in `dir` (not recursive), sorted.
std::vector<std::string> FilesIn(const std::string& dir);
// File names in the store's blobs directory that are partial downloads.
std::vector<std::string> PartialFiles(const store::Store& s);

// A child process running `argv` with extra environment `env` ("K=V"), stdout and stderr sent
// to files.
struct Child {
  pid_t pid = -1;
  std::string out_path, err_path;
};
Child Spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env);
// Waits at most `limit` for the child; returns its exit code, 128+signal, or -1 on timeout
// (then the child is killed).
int Wait(Child& c, std::chrono::milliseconds limit);

}  // namespace hearth::testing
