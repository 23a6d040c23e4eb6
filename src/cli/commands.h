#pragma once
// The CLI is a table of subcommands (STYLE.md §3.12): each file cmd_<name>.cc declares its flags
// on a CLI11 sub-app and returns the handler that runs it. Handlers return the process exit code:
// 0 success; 1 failure (a missing or invalid model, a runtime error), message on stderr as
// "Error: ..."; 2 bad usage (unknown flag, missing argument).

#include <functional>

namespace CLI {
class App;
}

namespace hearth::cli {

using Handler = std::function<int()>;
using Setup = Handler (*)(CLI::App& sub);

struct CommandRow {
  const char* path;  // "run", or "dev synth" for a nested command
  const char* help;
  Setup setup;
};

Handler SetupRun(CLI::App& sub);
Handler SetupServe(CLI::App& sub);
Handler SetupList(CLI::App& sub);
Handler SetupCreate(CLI::App& sub);
Handler SetupShow(CLI::App& sub);
Handler SetupCp(CLI::App& sub);
Handler SetupRm(CLI::App& sub);
Handler SetupStoreVerify(CLI::App& sub);
Handler SetupDevSynth(CLI::App& sub);
Handler SetupPull(CLI::App& sub);
Handler SetupPush(CLI::App& sub);
Handler SetupPs(CLI::App& sub);
Handler SetupStop(CLI::App& sub);

// Runs the CLI; returns the exit code.
int Main(int argc, char** argv);

}  // namespace hearth::cli
