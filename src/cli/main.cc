#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace hearth::cli {
namespace {

const CommandRow kCommands[] = {
    {"serve", "Start the server", SetupServe},
    {"run", "Run a model: one-shot with a prompt, interactive without", SetupRun},
    {"create", "Create a model from a Modelfile", SetupCreate},
    {"show", "Show information for a model", SetupShow},
    {"list", "List models in the store", SetupList},
    {"cp", "Copy a model", SetupCp},
    {"rm", "Remove models", SetupRm},
    {"pull", "Pull a model from a registry", SetupPull},
    {"push", "Push a model to a registry", SetupPush},
    {"ps", "List running models", SetupPs},
    {"stop", "Stop a running model", SetupStop},
    {"store verify", "Re-hash every blob and check every manifest", SetupStoreVerify},
    {"dev synth", "Write a random-weight GGUF with the exact shapes of a named model", SetupDevSynth},
};

// Help text of command groups (the first word of nested rows).
const std::map<std::string, const char*> kGroupHelp = {
    {"store", "Model store maintenance"},
    {"dev", "Developer tools"},
};

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"hearth: local-first LLM platform for AI-assisted coding", "hearth"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "hearth " HEARTH_VERSION);
  std::map<std::string, CLI::App*> groups;
  std::vector<std::pair<CLI::App*, Handler>> handlers;
  for (const CommandRow& row : kCommands) {
    std::istringstream words(row.path);
    std::string word, prefix;
    CLI::App* parent = &app;
    std::vector<std::string> parts;
    while (words >> word) parts.push_back(word);
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      prefix += parts[i] + " ";
      auto it = groups.find(prefix);
      if (it == groups.end()) {
        auto help = kGroupHelp.find(parts[i]);
        CLI::App* g = parent->add_subcommand(parts[i], help == kGroupHelp.end() ? "" : help->second);
        g->require_subcommand(1);
        it = groups.emplace(prefix, g).first;
      }
      parent = it->second;
    }
    CLI::App* sub = parent->add_subcommand(parts.back(), row.help);
    handlers.emplace_back(sub, row.setup(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  for (auto& [sub, handler] : handlers) {
    if (sub->parsed()) return handler();
  }
  return 2;
}

}  // namespace hearth::cli
