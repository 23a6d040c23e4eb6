#pragma once
// The interactive `hearth run` loop, as Ollama's: multi-line input between """ marks, /bye,
// /set parameter NAME VALUE, /set system, /set verbose|quiet, /show info, /clear, /? and
// history; Ctrl-C stops the current answer without leaving, Ctrl-D leaves.

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "cli/session.h"

namespace hearth::cli {

class LineReader {
 public:
  virtual ~LineReader() = default;
  // Returns the next line without its newline, or nullopt at end of input.
  virtual std::optional<std::string> ReadLine(const std::string& prompt) = 0;
  virtual void AddHistory(const std::string& /*entry*/) {}
};

// Records that the user pressed Ctrl-C; call it from a SIGINT handler. Async-signal-safe. At the
// prompt, the terminal reader then discards the line and asks again instead of ending input.
void NoteInterrupt();

// Reads a terminal with line editing and history (libedit). Not thread-safe.
std::unique_ptr<LineReader> MakeTerminalReader();
// Reads lines from `in` without echoing prompts (scripted sessions, tests).
std::unique_ptr<LineReader> MakeStreamReader(std::FILE* in);

// Runs the loop until /bye or end of input. Returns the exit code.
int RunRepl(Session& session, LineReader& reader, std::FILE* out, std::FILE* err, bool verbose);

}  // namespace hearth::cli
