#include "cli/session.h"

#include <fmt/format.h>

#include <future>
#include <nlohmann/json.hpp>

#include "chat/parameters.h"
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
// A params layer as starting options: every key through chat::ApplyParameter (stop once per
// element); load-time options (num_ctx, ...) are the engine's business, not errors.
Status ApplyParams(const std::string& params_json, chat::GenerationOptions& options) {
  if (params_json.empty()) return Status();
  const nlohmann::json params = nlohmann::json::parse(params_json, nullptr, false);
  if (!params.is_object()) return DataLoss("params layer is not a JSON object");
  for (const auto& [key, value] : params.items()) {
    std::vector<std::string> texts;
    auto text = [](const nlohmann::json& v) {
      return v.is_string() ? v.get<std::string>() : v.dump();
    };
    if (value.is_array()) {
      for (const nlohmann::json& e : value) texts.push_back(text(e));
    } else {
      texts.push_back(text(value));
    }
    for (const std::string& t : texts) {
      Status st = chat::ApplyParameter(options, key, t);
      if (st.code() == StatusCode::kFailedPrecondition) continue;
      if (!st.ok()) return DataLoss("params layer: " + st.message());
    }
  }
  return Status();
}

Result<std::vector<chat::Message>> ParseMessages(const std::string& messages_json) {
  std::vector<chat::Message> out;
  if (messages_json.empty()) return out;
  const nlohmann::json msgs = nlohmann::json::parse(messages_json, nullptr, false);
  if (!msgs.is_array()) return DataLoss("messages layer is not a JSON array");
  for (const nlohmann::json& m : msgs) {
    if (!m.is_object()) return DataLoss("messages layer: an entry is not an object");
    auto str = [&](const char* k) {
      auto it = m.find(k);
      return it != m.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    out.push_back({str("role"), str("content"), "", {}, "", ""});
  }
  return out;
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

std::optional<int32_t> Session::ModelNumCtx(const ModelRef& ref) {
  if (!ref.resolved) return std::nullopt;
  const nlohmann::json params = nlohmann::json::parse(ref.resolved->params_json, nullptr, false);
  if (!params.is_object()) return std::nullopt;
  auto it = params.find("num_ctx");
  if (it == params.end() || !it->is_number_integer()) return std::nullopt;
  const int64_t n = it->get<int64_t>();
  if (n < 16 || n > (1 << 20)) return std::nullopt;
  return static_cast<int32_t>(n);
}

Result<std::unique_ptr<Session>> Session::Open(ModelRef ref, int32_t num_ctx) {
  // The layers are checked before the model loads, so a broken one fails fast.
  std::optional<gotmpl::OllamaTemplate> go_template;
  chat::GenerationOptions options;
  std::vector<chat::Message> model_messages;
  if (ref.resolved) {
    const store::ResolvedModel& m = *ref.resolved;
    if (!m.template_text.empty()) {
      auto t = gotmpl::OllamaTemplate::Parse(m.template_text);
      if (!t.ok())
        return DataLoss("template layer of " + m.name.Display() + ": " + t.status().message());
      go_template = std::move(t).value();
    }
    HEARTH_RETURN_IF_ERROR(ApplyParams(m.params_json, options).WithContext(m.name.Display()));
    HEARTH_ASSIGN_OR_RETURN(model_messages, ParseMessages(m.messages_json));
  }
  HEARTH_ASSIGN_OR_RETURN(std::unique_ptr<Session> s, Open(ref.gguf_path, num_ctx));
  s->go_template_ = std::move(go_template);
  s->options_ = std::move(options);
  s->model_messages_ = std::move(model_messages);
  if (ref.resolved) s->model_system_ = ref.resolved->system;
  s->resolved_ = std::move(ref.resolved);
  return s;
}

Result<Session::Prompt> Session::RenderPrompt(const std::string& user_text) const {
  std::vector<chat::Message> request;
  if (!system_.empty()) request.push_back({"system", system_, "", {}, "", ""});
  request.insert(request.end(), history_.begin(), history_.end());
  request.push_back({"user", user_text, "", {}, "", ""});
  // As /api/chat: the model's MESSAGEs, and its SYSTEM unless the session set one.
  const std::vector<chat::Message> messages =
      gotmpl::ChatMessages(model_system_, model_messages_, request);
  if (go_template_) {
    gotmpl::TemplateInput in;
    in.messages = messages;
    HEARTH_ASSIGN_OR_RETURN(std::string text, go_template_->Execute(in));
    return Prompt{std::move(text), false};
  }
  HEARTH_ASSIGN_OR_RETURN(auto tmpl, engine::ChatTemplate::Create(engine_->model()->raw(), ""));
  HEARTH_ASSIGN_OR_RETURN(engine::RenderedPrompt rendered, tmpl->Render(messages, {}));
  return Prompt{std::move(rendered.prompt), rendered.raw};
}

Status Session::SetParameter(const std::string& name, const std::string& value) {
  Status s = chat::ApplyParameter(options_, name, value);
  if (s.code() == StatusCode::kFailedPrecondition && name == "num_ctx") {
    HEARTH_ASSIGN_OR_RETURN(chat::ParameterValue v, chat::ParseParameter(name, value));
    if (v.i <= 0 || v.i > (1 << 24)) return InvalidArgument("num_ctx must be a positive integer");
    s = remote_ ? Status() : SetContext(static_cast<int32_t>(v.i));
  }
  if (!s.ok() || !remote_) return s;
  HEARTH_ASSIGN_OR_RETURN(chat::ParameterValue v, chat::ParseParameter(name, value));
  switch (v.type) {
    case chat::ParameterType::kInt: remote_options_[name] = v.i; break;
    case chat::ParameterType::kFloat: remote_options_[name] = v.f; break;
    case chat::ParameterType::kBool: remote_options_[name] = v.b; break;
    case chat::ParameterType::kStringList: remote_options_[name].push_back(v.s); break;
  }
  return Status();
}

Status Session::SetContext(int32_t num_ctx) {
  if (remote_) {
    remote_options_["num_ctx"] = num_ctx;
    return Status();
  }
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
  if (remote_) return AskRemote(user_text, out);
  const engine::Model& model = *engine_->model();
  HEARTH_ASSIGN_OR_RETURN(Prompt rendered, RenderPrompt(user_text));

  engine::GenerateRequest req;
  // A rendered template carries its own special tokens; a raw prompt gets BOS as the vocab asks.
  req.prompt = model.Tokenize(rendered.text, /*add_special=*/rendered.raw || model.info().add_bos,
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
  history_.push_back({"user", user_text, "", {}, "", ""});
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
  if (remote_) return RemoteInfoText();
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
