// `hearth serve`: the Ollama-compatible HTTP server on HEARTH_HOST (default 127.0.0.1:11434).
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <signal.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/registry_common.h"
#include "server/routes.h"
#include "server/server.h"
#include "store/modelfile.h"
#include "store/show.h"
#include "store/store.h"

namespace hearth::cli {
namespace {

const char kServeFooter[] =
    "Environment Variables:\n"
    "      HEARTH_HOST            IP address and port for the server (default 127.0.0.1:11434)\n"
    "      HEARTH_MODELS          The path to the models directory (default ~/.hearth/models)\n"
    "      HEARTH_ORIGINS         A comma separated list of allowed origins\n"
    "      HEARTH_API_KEYS        Comma separated API keys required as \"Authorization: Bearer "
    "<key>\"\n"
    "      HEARTH_API_KEYS_FILE   A file of API keys, one per line\n";

int Serve() {
  auto options = server::ServerOptionsFromEnv();
  if (!options.ok()) {
    fmt::print(stderr, "Error: {}\n", options.status().message());
    return 1;
  }
  auto store = store::Store::Open(store::Store::DefaultRoot());
  if (!store.ok()) {
    fmt::print(stderr, "Error: {}\n", store.status().message());
    return 1;
  }
  server::Router router;
  server::AddGeneralRoutes(router, HEARTH_VERSION);
  store::Store* st = store->get();
  server::AddModelRoutes(
      router, {.store = st,
               .format_parameters = [](std::string_view p) { return store::FormatParameters(p); },
               .format_modelfile = [st](const store::ResolvedModel& m) -> Result<std::string> {
                 auto info = store::ShowModel(*st, m.name, /*verbose=*/false);
                 if (!info.ok()) return info.status();
                 return info->modelfile;
               }});
  server::AddRegistryRoutes(router, store->get());
  server::AddTransferRoutes(router, {.store = store->get(), .registry = RegistryOptionsFromEnv()});
  server::AddCreateRoutes(router, store->get());

  // Block the stop signals before the server's threads exist (they inherit the mask), then wait
  // for one here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto http = server::HttpServer::Start(*options, std::move(router));
  if (!http.ok()) {
    fmt::print(stderr, "Error: {}\n", http.status().message());
    return 1;
  }
  if (!(*http)->bound_to_loopback() && options->api_keys.empty()) {
    fmt::print(stderr,
               "WARNING: listening on {} without API keys: anyone who can reach this address can "
               "use and change your models. Set HEARTH_API_KEYS (or HEARTH_API_KEYS_FILE), or "
               "bind HEARTH_HOST to 127.0.0.1.\n",
               (*http)->address());
  }
  fmt::print(stderr, "Listening on {}\n", (*http)->address());
  std::fflush(stderr);
  int signal = 0;
  sigwait(&stop_signals, &signal);
  (*http)->Stop();
  return 0;
}

}  // namespace

Handler SetupServe(CLI::App& sub) {
  sub.footer(kServeFooter);
  return [] { return Serve(); };
}

}  // namespace hearth::cli
