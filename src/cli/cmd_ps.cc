// `hearth ps [MODEL]`: the models a running server holds in memory (GET /api/ps), as `ollama ps`.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/ps_table.h"
#include "cli/server_connection.h"

namespace hearth::cli {

Handler SetupPs(CLI::App& sub) {
  auto prefix = std::make_shared<std::string>();
  sub.add_option("MODEL", *prefix, "Only models whose name starts with MODEL");
  return [prefix] {
    auto client = RequireServer();
    if (!client.ok()) {
      fmt::print(stderr, "Error: {}\n", client.status().message());
      return 1;
    }
    auto reply = client->Call("GET", "/api/ps");
    if (!reply.ok()) {
      fmt::print(stderr, "Error: {}\n", reply.status().message());
      return 1;
    }
    auto table = RenderPsTable(reply->dump(), std::chrono::system_clock::now(), *prefix);
    if (!table.ok()) {
      fmt::print(stderr, "Error: {}\n", table.status().message());
      return 1;
    }
    fmt::print("{}", *table);
    return 0;
  };
}

}  // namespace hearth::cli
