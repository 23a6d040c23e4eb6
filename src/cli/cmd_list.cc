// `hearth list [PREFIX]` (alias `ls`): the store's models as Ollama's table NAME ID SIZE MODIFIED,
// from the server's /api/tags when one runs at HEARTH_HOST, else from the store directly.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "base/strings.h"
#include "cli/api_client.h"
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

bool Matches(const std::string& name, const std::string& prefix) {
  // Ollama filters by a case-insensitive prefix of the displayed name.
  return prefix.empty() || Lower(name).rfind(Lower(prefix), 0) == 0;
}

int Print(const std::vector<std::vector<std::string>>& rows) {
  std::fputs(RenderTable({"NAME", "ID", "SIZE", "MODIFIED"}, rows).c_str(), stdout);
  return 0;
}

// GET /api/tags, rendered as the direct path renders the store.
int ListViaServer(const ApiClient& api, const std::string& prefix) {
  auto tags = api.Call("GET", "/api/tags");
  if (!tags.ok()) {
    fmt::print(stderr, "Error: {}\n", tags.status().message());
    return 1;
  }
  const auto now = std::chrono::system_clock::now();
  std::vector<std::vector<std::string>> rows;
  const nlohmann::json models =
      tags->is_object() ? tags->value("models", nlohmann::json::array()) : nlohmann::json::array();
  for (const nlohmann::json& m : models) {
    if (!m.is_object()) continue;
    auto str = [&](const char* k) {
      auto it = m.find(k);
      return it != m.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    const std::string name = str("name");
    if (!Matches(name, prefix)) continue;
    auto size = m.find("size");
    const uint64_t bytes =
        size != m.end() && size->is_number_unsigned() ? size->get<uint64_t>() : 0;
    auto modified = ParseRfc3339(str("modified_at"));
    rows.push_back({name, str("digest").substr(0, 12), HumanBytes(static_cast<int64_t>(bytes)),
                    modified ? HumanTime(*modified, now, "Never") : "Never"});
  }
  return Print(rows);
}

int List(const std::string& prefix) {
  auto api = ApiClient::ConnectFromEnv();
  if (!api.ok()) {
    fmt::print(stderr, "Error: {}\n", api.status().message());
    return 1;
  }
  if (*api) return ListViaServer(**api, prefix);
  auto s = OpenDefaultStore();
  if (!s.ok()) {
    fmt::print(stderr, "Error: {}\n", s.status().message());
    return 1;
  }
  const auto now = std::chrono::system_clock::now();
  std::vector<std::vector<std::string>> rows;
  for (const store::ListedModel& m : (*s)->List()) {
    const std::string name = m.name.Display();
    if (!Matches(name, prefix)) continue;
    rows.push_back({name, m.manifest_digest.hex.substr(0, 12), HumanBytes(static_cast<int64_t>(m.size)),
                    HumanTime(m.modified, now, "Never")});
  }
  return Print(rows);
}

}  // namespace

Handler SetupList(CLI::App& sub) {
  sub.alias("ls");
  auto prefix = std::make_shared<std::string>();
  sub.add_option("prefix", *prefix, "Show only models whose name starts with this");
  return [prefix] { return List(*prefix); };
}

}  // namespace hearth::cli
