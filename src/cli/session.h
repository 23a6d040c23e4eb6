#pragma once
// A chat session over one loaded model, shared by one-shot `hearth run` and the REPL: history,
// parameters, rendering, streaming one answer, and Ollama's --verbose statistics.
// Thread-compatible; Cancel() is async-signal-safe.

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "base/cancel.h"
#include "chat/message.h"
#include "gotmpl/ollama_template.h"
#include "chat/options.h"
#include "cli/api_client.h"
#include "cli/model_ref.h"
#include "engine/engine.h"

namespace hearth::cli {

class Session {
 public:
  // Loads `path` and starts a one-sequence engine. Exit-code style errors are the caller's.
  static Result<std::unique_ptr<Session>> Open(const std::string& path, int32_t num_ctx);
  // Same for a command-line model reference (a path, or a store model whose resolved manifest
  // the session keeps: see resolved()).
  static Result<std::unique_ptr<Session>> Open(ModelRef ref, int32_t num_ctx);
  // A session whose answers come from a running server (POST /api/chat on `client`), as
  // Ollama's CLI runs: the model loads there (and stays loaded for its keep_alive). NotFound when
  // the server has no such model.
  static Result<std::unique_ptr<Session>> OpenRemote(ApiClient client, std::string model);
  // num_ctx from a store model's params layer, when it sets one.
  static std::optional<int32_t> ModelNumCtx(const ModelRef& ref);

  // Sends `user_text` as the next user turn (or a raw prompt for a template-less model), streams
  // the answer to `out`, appends it to the history. Returns the completion.
  Result<engine::Completion> Ask(const std::string& user_text, std::FILE* out);
  // Stops the answer in progress within one decode step. Async-signal-safe.
  void Cancel() { cancel_->Cancel(); }

  chat::GenerationOptions& options() { return options_; }
  // `/set parameter NAME VALUE`: validated as Ollama's option NAME; num_ctx resizes the context.
  // A remote session sends the parameters set this way with every request.
  Status SetParameter(const std::string& name, const std::string& value);
  bool remote() const { return remote_ != nullptr; }
  void set_system(std::string s) { system_ = std::move(s); }
  void ClearHistory() { history_.clear(); }
  // Local sessions only.
  const engine::ModelInfo& info() const { return engine_->model()->info(); }
  // The store model this session runs, when it was opened by name. Its layers apply as in
  // Ollama: TEMPLATE renders every prompt (else the GGUF's Jinja template), SYSTEM is the system
  // message unless set_system() gives one, PARAMETERs are the starting options (num_ctx the
  // default context size, see ModelNumCtx) and MESSAGEs precede the history.
  const std::optional<store::ResolvedModel>& resolved() const { return resolved_; }
  // The prompt text the next Ask(user_text) sends, and whether it is raw (no template: the vocab
  // decides about BOS) rather than rendered (special tokens parsed).
  struct Prompt {
    std::string text;
    bool raw = false;
  };
  Result<Prompt> RenderPrompt(const std::string& user_text) const;
  std::chrono::nanoseconds load_duration() const { return load_duration_; }
  // Recreates the engine with another context size, keeping history and options.
  Status SetContext(int32_t num_ctx);
  // Ollama's --verbose block for the last answer.
  void PrintStats(std::FILE* out, const engine::Completion& c,
                  std::chrono::nanoseconds total) const;
  // `/show info` text.
  std::string InfoText() const;

 private:
  Session() = default;
  engine::EnginePtr engine_;
  chat::GenerationOptions options_;
  std::vector<chat::Message> history_;
  std::string system_;
  CancelTokenPtr cancel_ = std::make_shared<CancelToken>();
  std::chrono::nanoseconds load_duration_{0};
  std::optional<store::ResolvedModel> resolved_;
  // From resolved_'s layers (see resolved()).
  std::optional<gotmpl::OllamaTemplate> go_template_;
  std::string model_system_;
  std::vector<chat::Message> model_messages_;
  // Remote sessions (session_remote.cc).
  Result<engine::Completion> AskRemote(const std::string& user_text, std::FILE* out);
  std::string RemoteInfoText() const;
  std::shared_ptr<const ApiClient> remote_;
  std::string remote_model_;
  nlohmann::json remote_options_ = nlohmann::json::object();  // the parameters set with /set
  nlohmann::json remote_show_;                                // the server's /api/show answer
};

}  // namespace hearth::cli
