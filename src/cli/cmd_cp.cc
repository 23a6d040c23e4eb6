// `hearth cp SOURCE DESTINATION`: copies a model's manifest; blobs are shared. Through the
// server's /api/copy when one runs at HEARTH_HOST.
#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/model_ref.h"

namespace hearth::cli {
namespace {

int Copy(const std::string& src_text, const std::string& dst_text) {
  auto api = ApiClient::ConnectFromEnv();
  if (!api.ok()) {
    fmt::print(stderr, "Error: {}\n", api.status().message());
    return 1;
  }
  if (*api) {
    auto r = (*api)->Call("POST", "/api/copy", {{"source", src_text}, {"destination", dst_text}});
    if (!r.ok()) {
      fmt::print(stderr, "Error: {}\n", r.status().message());
      return 1;
    }
    fmt::print("copied '{}' to '{}'\n", src_text, dst_text);
    return 0;
  }
  auto src = store::ModelName::Parse(src_text);
  auto dst = store::ModelName::Parse(dst_text);
  auto s = OpenDefaultStore();
  Status st = !src.ok() ? src.status() : !dst.ok() ? dst.status() : !s.ok() ? s.status() : Status();
  if (st.ok()) st = (*s)->Copy(*src, *dst);
  if (st.code() == StatusCode::kNotFound) st = NotFound("model \"" + src_text + "\" not found");
  if (!st.ok()) {
    fmt::print(stderr, "Error: {}\n", st.message());
    return 1;
  }
  fmt::print("copied '{}' to '{}'\n", src_text, dst_text);
  return 0;
}

}  // namespace

Handler SetupCp(CLI::App& sub) {
  auto args = std::make_shared<std::pair<std::string, std::string>>();
  sub.add_option("source", args->first, "Model to copy")->required();
  sub.add_option("destination", args->second, "New name")->required();
  return [args] { return Copy(args->first, args->second); };
}

}  // namespace hearth::cli
