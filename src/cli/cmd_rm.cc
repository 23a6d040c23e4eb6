// `hearth rm MODEL...`: removes models; blobs no other model uses are deleted. Through the
// server's /api/delete when one runs at HEARTH_HOST.
#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/model_ref.h"

namespace hearth::cli {
namespace {

int RemoveViaServer(const ApiClient& api, const std::vector<std::string>& names) {
  for (const std::string& text : names) {
    auto r = api.Call("DELETE", "/api/delete", {{"model", text}});
    if (!r.ok()) {
      fmt::print(stderr, "Error: {}\n", r.status().message());
      return 1;
    }
    fmt::print("deleted '{}'\n", text);
    std::fflush(stdout);
  }
  return 0;
}

int Remove(const std::vector<std::string>& names) {
  auto api = ApiClient::ConnectFromEnv();
  if (!api.ok()) {
    fmt::print(stderr, "Error: {}\n", api.status().message());
    return 1;
  }
  if (*api) return RemoveViaServer(**api, names);
  auto s = OpenDefaultStore();
  if (!s.ok()) {
    fmt::print(stderr, "Error: {}\n", s.status().message());
    return 1;
  }
  // As Ollama: one line per deleted model, stopping at the first failure.
  for (const std::string& text : names) {
    auto name = store::ModelName::Parse(text);
    Status st = name.ok() ? (*s)->Delete(*name) : name.status();
    if (st.code() == StatusCode::kNotFound) st = NotFound("model '" + text + "' not found");
    if (!st.ok()) {
      fmt::print(stderr, "Error: {}\n", st.message());
      return 1;
    }
    fmt::print("deleted '{}'\n", text);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

Handler SetupRm(CLI::App& sub) {
  auto names = std::make_shared<std::vector<std::string>>();
  sub.add_option("model", *names, "Models to remove")->required();
  return [names] { return Remove(*names); };
}

}  // namespace hearth::cli
