#include "cli/session.h"

#include <fmt/format.h>

#include <future>

#include "engine/chat_template.h"

namespace hearth::cli {
namespace {
using Clock = std::chrono::steady_clock;

std::string HumanCount(uint64_t n) {
  if (n >= 1'000'000'000) return fmt::format("{:.1f}B", n / 1e9);
  if (n >= 1'000'000) return fmt::format("{:.1f}M", n / 1e6);
  if (n >= 1'000) return fmt::format("{:.2f}K", n / 1e3);
  return std::to_string(n);
}

std::string Duration(std::chrono::nanoseconds d) {
  const double s = std::chrono::duration<double>(d).count();
  if (s >= 1.0) return fmt::format("{:.6g}s", s);
  if (s >= 1e-3) return fmt::format("{:.6g}ms", s * 1e3);
  return fmt::format("{:.6g}µs", s * 1e6);
}
}  // namespace

Result<std::unique_ptr<Session>> Session::Open(const std::string& path, int32_t num_ctx) {
  std::unique_ptr<Session> s(new Session());
  const auto t0 = Clock::now();
  HEARTH_ASSIGN_OR_RETURN(engine::ModelPtr model, engine::Model::Load(path));
  engine::EngineOptions eo;
  eo.n_ctx = num_ctx;
  eo.n_parallel = 1;
  HEARTH_ASSIGN_OR_RETURN(s->engine_, engine::Engine::Create(std::move(model), eo));
  s->load_duration_ = Clock::now() - t0;
  return s;
}

Result<std::unique_ptr<Session>> Session::Open(ModelRef ref, int32_t num_ctx) {
  HEARTH_ASSIGN_OR_RETURN(std::unique_ptr<Session> s, Open(ref.gguf_path, num_ctx));
  s->resolved_ = std::move(ref.resolved);
  return s;
}

Status Session::SetContext(int32_t num_ctx) {
  engine::EngineOptions eo = engine_->options();
  eo.n_ctx = num_ctx;
  engine::ModelPtr model = engine_->model();
  engine_.reset();
  auto e = engine::Engine::Create(model, eo);
  if (!e.ok()) {
    eo.n_ctx = 2048;
    engine_ = std::move(engine::Engine::Create(model, eo).value());
    return e.status();
  }
  engine_ = std::move(e).value();
  return Status();
}

Result<engine::Completion> Session::Ask(const std::string& user_text, std::FILE* out) {
  const engine::Model& model = *engine_->model();
  std::vector<chat::Message> messages;
  if (!system_.empty()) messages.push_back({"system", system_, "", {}, "", ""});
  messages.insert(messages.end(), history_.begin(), history_.end());
  messages.push_back({"user", user_text, "", {}, "", ""});
  // Seam for store models: resolved_->template_text (a Go TEMPLATE), system, params_json and
  // messages_json are applied by the Modelfile/template work; today the GGUF's own template runs.
  HEARTH_ASSIGN_OR_RETURN(auto tmpl, engine::ChatTemplate::Create(model.raw(), ""));
  HEARTH_ASSIGN_OR_RETURN(engine::RenderedPrompt rendered, tmpl->Render(messages, {}));

  engine::GenerateRequest req;
  // A rendered template carries its own special tokens; a raw prompt gets BOS as the vocab asks.
  req.prompt = model.Tokenize(rendered.prompt, /*add_special=*/rendered.raw || model.info().add_bos,
                              /*parse_special=*/!rendered.raw);
  if (req.prompt.empty()) return InvalidArgument("the prompt is empty");
  req.options = options_;
  cancel_->Reset();
  req.cancel = cancel_;
  std::string answer;
  engine::Callbacks cb;
  std::promise<engine::Completion> done;
  cb.on_text = [&](std::string_view t) {
    answer.append(t);
    std::fwrite(t.data(), 1, t.size(), out);
    std::fflush(out);
    return true;
  };
  cb.on_done = [&](engine::Completion&& c) { done.set_value(std::move(c)); };
  HEARTH_RETURN_IF_ERROR(engine_->Submit(std::move(req), std::move(cb)));
  engine::Completion c = done.get_future().get();
  if (c.done_reason == chat::DoneReason::kError) return c.status;
  history_.push_back(messages.back());
  history_.push_back({"assistant", answer, "", {}, "", ""});
  return c;
}

void Session::PrintStats(std::FILE* out, const engine::Completion& c,
                         std::chrono::nanoseconds total) const {
  auto rate = [](int32_t n, std::chrono::nanoseconds d) {
    const double s = std::chrono::duration<double>(d).count();
    return s > 0 ? n / s : 0.0;
  };
  fmt::print(out, "total duration:       {}\n", Duration(total));
  fmt::print(out, "load duration:        {}\n", Duration(load_duration_));
  fmt::print(out, "prompt eval count:    {} token(s)\n", c.prompt_tokens);
  fmt::print(out, "prompt eval duration: {}\n", Duration(c.prompt_eval_duration));
  fmt::print(out, "prompt eval rate:     {:.2f} tokens/s\n", rate(c.prompt_tokens, c.prompt_eval_duration));
  fmt::print(out, "eval count:           {} token(s)\n", c.eval_tokens);
  fmt::print(out, "eval duration:        {}\n", Duration(c.eval_duration));
  fmt::print(out, "eval rate:            {:.2f} tokens/s\n", rate(c.eval_tokens, c.eval_duration));
}

std::string Session::InfoText() const {
  const engine::ModelInfo& i = info();
  const engine::MemoryReport m = engine_->memory();
  std::string s = "  Model\n";
  s += fmt::format("    {:<20}{}\n", "architecture", i.architecture);
  s += fmt::format("    {:<20}{}\n", "parameters", HumanCount(i.parameter_count));
  s += fmt::format("    {:<20}{}\n", "context length", i.context_length);
  s += fmt::format("    {:<20}{}\n", "embedding length", i.embedding_length);
  s += fmt::format("    {:<20}{}\n", "quantization", i.file_type);
  if (i.synthetic) s += fmt::format("    {:<20}{}\n", "synthetic", "yes (random weights)");
  s += "\n  Capabilities\n";
  if (i.capabilities.completion) s += "    completion\n";
  if (i.capabilities.insert) s += "    insert\n";
  if (i.capabilities.embedding) s += "    embedding\n";
  if (i.capabilities.tools) s += "    tools\n";
  if (i.capabilities.thinking) s += "    thinking\n";
  s += "\n  Memory\n";
  s += fmt::format("    {:<20}{:.1f} MiB\n", "weights", m.weights / 1048576.0);
  s += fmt::format("    {:<20}{:.1f} MiB (context {})\n", "kv cache", m.kv_cache / 1048576.0,
                   engine_->options().n_ctx);
  s += fmt::format("    {:<20}{:.1f} MiB\n", "compute", m.compute / 1048576.0);
  if (!i.has_chat_template) s += "\n  Template\n    none: prompts are sent raw ({{ .Prompt }})\n";
  return s;
}

}  // namespace hearth::cli
