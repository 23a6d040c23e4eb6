// `hearth serve`: the Ollama-compatible HTTP server on HEARTH_HOST (default 127.0.0.1:11434).
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>

#include "cli/commands.h"
#include "cli/registry_common.h"
#include "scheduler/scheduler.h"
#include "server/inference_routes.h"
#include "server/routes.h"
#include "http/server.h"
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
    "      HEARTH_API_KEYS_FILE   A file of API keys, one per line\n"
    "      HEARTH_KEEP_ALIVE      How long models stay loaded (default 5m; negative = forever)\n"
    "      HEARTH_MAX_LOADED_MODELS  Maximum number of loaded models (default 3)\n"
    "      HEARTH_MAX_QUEUE       Maximum number of queued requests (default 512)\n"
    "      HEARTH_NUM_PARALLEL    Maximum number of parallel requests per model (default 1)\n"
    "      HEARTH_CONTEXT_LENGTH  Context length when a request and model set none (default 4096)\n"
    "      HEARTH_NUM_THREADS     CPU threads per model when a request and model set none "
    "(default all)\n";

int Serve() {
  auto options = http::ServerOptionsFromEnv();
  if (!options.ok()) {
    fmt::print(stderr, "Error: {}\n", options.status().message());
    return 1;
  }
  auto store = store::Store::Open(store::Store::DefaultRoot());
  if (!store.ok()) {
    fmt::print(stderr, "Error: {}\n", store.status().message());
    return 1;
  }
  auto scheduler_options = scheduler::SchedulerOptions::FromEnv();
  if (!scheduler_options.ok()) {
    fmt::print(stderr, "Error: {}\n", scheduler_options.status().message());
    return 1;
  }
  // A request waiting for a model load or a free sequence holds a worker thread inside
  // Scheduler::Generate (at most HEARTH_MAX_QUEUE of them; streaming answers do not hold one), so
  // the pool has room for a full queue besides the store routes' workers.
  options->worker_threads += std::min(scheduler_options->max_queue, 1024);
  auto scheduler = scheduler::Scheduler::Create(**store, *scheduler_options);
  if (!scheduler.ok()) {
    fmt::print(stderr, "Error: {}\n", scheduler.status().message());
    return 1;
  }
  http::RouteTable router;
  server::AddGeneralRoutes(router, HEARTH_VERSION);
  store::Store* st = store->get();
  server::AddModelRoutes(router, st);
  server::AddRegistryRoutes(router, st);
  server::AddTransferRoutes(router, {.store = st, .registry = RegistryOptionsFromEnv()});
  server::AddCreateRoutes(router, st);
  server::AddInferenceRoutes(router, {.backend = scheduler->get(), .store = st, .now = {}});

  // Block the stop signals before the server's threads exist (they inherit the mask), then wait
  // for one here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto http = http::HttpServer::Start(*options, std::move(router));
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
