// `hearth run MODEL [PROMPT]`: one-shot with a prompt (or piped stdin), interactive otherwise.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <optional>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/model_ref.h"
#include "cli/repl.h"
#include "cli/session.h"
#include "engine/backend.h"

namespace hearth::cli {
namespace {

struct RunFlags {
  std::string model;
  std::vector<std::string> prompt;
  bool verbose = false;
  int32_t num_ctx = 4096;
  bool num_ctx_set = false;  // --num-ctx given: it wins over the model's PARAMETER num_ctx
};

std::atomic<Session*> g_session{nullptr};

void OnInterrupt(int) {
  NoteInterrupt();
  if (Session* s = g_session.load()) s->Cancel();
}

// A .gguf file runs in this process. A model name runs on the server at HEARTH_HOST when one
// answers there (as Ollama's CLI: the model stays loaded for the next run), else in this process
// from the local store.
Result<std::unique_ptr<Session>> OpenSession(const RunFlags& f) {
  std::error_code ec;
  const bool is_file = std::filesystem::is_regular_file(f.model, ec) || f.model.ends_with(".gguf");
  if (!is_file) {
    HEARTH_ASSIGN_OR_RETURN(std::optional<ApiClient> client, ApiClient::ConnectFromEnv());
    if (client) {
      HEARTH_ASSIGN_OR_RETURN(std::unique_ptr<Session> s,
                              Session::OpenRemote(std::move(*client), f.model));
      if (f.num_ctx_set) HEARTH_RETURN_IF_ERROR(s->SetContext(f.num_ctx));
      return s;
    }
  }
  HEARTH_ASSIGN_OR_RETURN(ModelRef ref, ResolveModelArg(f.model));
  int32_t num_ctx = f.num_ctx;
  if (!f.num_ctx_set) num_ctx = Session::ModelNumCtx(ref).value_or(num_ctx);
  return Session::Open(std::move(ref), num_ctx);
}

int Run(const RunFlags& f) {
  if (f.verbose) engine::SetBackendVerbose(false);
  auto session = OpenSession(f);
  if (!session.ok()) {
    fmt::print(stderr, "Error: {}\n", session.status().message());
    return 1;
  }
  Session& s = **session;
  g_session.store(&s);
  struct sigaction sa = {};
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);

  std::string prompt;
  for (size_t i = 0; i < f.prompt.size(); ++i) prompt += (i ? " " : "") + f.prompt[i];
  const bool tty = isatty(STDIN_FILENO);
  if (prompt.empty() && !tty) {
    prompt.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else if (!prompt.empty() && !tty) {
    // Ollama appends piped stdin to a prompt given on the command line.
    std::string piped((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    if (!piped.empty()) prompt += "\n" + piped;
  }
  int rc = 0;
  if (!prompt.empty()) {
    const auto t0 = std::chrono::steady_clock::now();
    auto c = s.Ask(prompt, stdout);
    if (!c.ok()) {
      fmt::print(stderr, "Error: {}\n", c.status().message());
      rc = 1;
    } else {
      std::fputs("\n", stdout);
      std::fflush(stdout);
      if (f.verbose) s.PrintStats(stderr, *c, std::chrono::steady_clock::now() - t0);
    }
  } else {
    auto reader = MakeTerminalReader();
    rc = RunRepl(s, *reader, stdout, stderr, f.verbose);
  }
  g_session.store(nullptr);
  return rc;
}

}  // namespace

Handler SetupRun(CLI::App& sub) {
  auto f = std::make_shared<RunFlags>();
  sub.add_option("model", f->model, "Model name in the store, or path of a .gguf file")->required();
  sub.add_option("prompt", f->prompt, "Prompt (omit for an interactive session)");
  sub.add_flag("--verbose", f->verbose, "Show timings for the response");
  CLI::Option* num_ctx = sub.add_option("--num-ctx", f->num_ctx, "Context window in tokens")
                             ->check(CLI::Range(16, 1 << 20))
                             ->capture_default_str();
  return [f, num_ctx] {
    f->num_ctx_set = num_ctx->count() > 0;
    return Run(*f);
  };
}

}  // namespace hearth::cli
