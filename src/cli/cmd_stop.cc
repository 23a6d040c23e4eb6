// `hearth stop MODEL`: unloads a model from a running server (POST /api/generate with
// keep_alive 0), as `ollama stop`.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/commands.h"
#include "cli/server_connection.h"

namespace hearth::cli {

Handler SetupStop(CLI::App& sub) {
  auto model = std::make_shared<std::string>();
  sub.add_option("MODEL", *model, "Model to unload")->required();
  return [model] {
    auto client = RequireServer();
    if (!client.ok()) {
      fmt::print(stderr, "Error: {}\n", client.status().message());
      return 1;
    }
    const nlohmann::json body = {{"model", *model}, {"keep_alive", 0}, {"stream", false}};
    auto reply = client->Call("POST", "/api/generate", body);
    if (!reply.ok() && reply.status().code() == StatusCode::kNotFound) {
      fmt::print(stderr, "Error: couldn't find model \"{}\" to stop\n", *model);
      return 1;
    }
    if (!reply.ok()) {
      fmt::print(stderr, "Error: {}\n", reply.status().message());
      return 1;
    }
    return 0;
  };
}

}  // namespace hearth::cli
