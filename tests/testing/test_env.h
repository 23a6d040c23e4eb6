#pragma once
// Paths and helpers shared by hearth's tests.
#include <string>

namespace hearth::testing {
// Absolute path of a file under ../shared/models, e.g. SharedModel("stories260K-f32.gguf").
std::string SharedModel(const std::string& relative);
// A fresh empty directory under the system temp dir, removed at process exit.
std::string TempDir();
// Path of the built hearth binary.
std::string HearthBinary();
// Reads a whole file; empty string if it cannot be read.
std::string ReadAll(const std::string& path);
// Writes `bytes` to `path`, replacing it.
void WriteAll(const std::string& path, const std::string& bytes);

// What a shell command wrote to its stdout and how it ended.
struct CommandResult {
  int exit_code = -1;  // -1 when it could not run or did not exit normally
  std::string out;
};
// Runs `command` with /bin/sh (popen) and collects its stdout (redirect stderr in `command`).
CommandResult RunShell(const std::string& command);
}  // namespace hearth::testing
