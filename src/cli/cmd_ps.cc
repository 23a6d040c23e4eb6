// `hearth ps [MODEL]`: the models a running server holds in memory (GET /api/ps), as `ollama ps`.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/local_http.h"
#include "cli/ps_table.h"

namespace hearth::cli {

Handler SetupPs(CLI::App& sub) {
  auto prefix = std::make_shared<std::string>();
  sub.add_option("MODEL", *prefix, "Only models whose name starts with MODEL");
  return [prefix] {
    auto url = ServerUrl();
    if (!url.ok()) {
      fmt::print(stderr, "Error: {}\n", url.status().message());
      return 1;
    }
    auto reply = HttpCall("GET", *url + "/api/ps");
    if (!reply.ok()) {
      fmt::print(stderr, "Error: {}\n", reply.status().message());
      return 1;
    }
    if (reply->status != 200) {
      fmt::print(stderr, "Error: {}\n", ErrorMessage(*reply));
      return 1;
    }
    auto table = RenderPsTable(reply->body, std::chrono::system_clock::now(), *prefix);
    if (!table.ok()) {
      fmt::print(stderr, "Error: {}\n", table.status().message());
      return 1;
    }
    fmt::print("{}", *table);
    return 0;
  };
}

}  // namespace hearth::cli
