// `hearth list [PREFIX]` (alias `ls`): the store's models as Ollama's table NAME ID SIZE MODIFIED.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/model_ref.h"

namespace hearth::cli {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

int List(const std::string& prefix) {
  auto s = OpenDefaultStore();
  if (!s.ok()) {
    fmt::print(stderr, "Error: {}\n", s.status().message());
    return 1;
  }
  const auto now = std::chrono::system_clock::now();
  std::vector<std::vector<std::string>> rows;
  for (const store::ListedModel& m : (*s)->List()) {
    const std::string name = m.name.Display();
    // Ollama filters by a case-insensitive prefix of the displayed name.
    if (!prefix.empty() && Lower(name).rfind(Lower(prefix), 0) != 0) continue;
    rows.push_back({name, m.manifest_digest.hex.substr(0, 12), HumanBytes(m.size),
                    HumanTime(m.modified, now, "Never")});
  }
  std::fputs(RenderTable({"NAME", "ID", "SIZE", "MODIFIED"}, rows).c_str(), stdout);
  return 0;
}

}  // namespace

Handler SetupList(CLI::App& sub) {
  sub.alias("ls");
  auto prefix = std::make_shared<std::string>();
  sub.add_option("prefix", *prefix, "Show only models whose name starts with this");
  return [prefix] { return List(*prefix); };
}

}  // namespace hearth::cli
