// Session over a running server: `hearth run NAME` when a server answers at HEARTH_HOST, as
// Ollama's CLI always runs. The history lives here; every turn is one streamed POST /api/chat
// with the whole history, the system message set with /set system, and the /set parameters.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/session.h"

namespace hearth::cli {
namespace {

using nlohmann::json;

int32_t IntField(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int32_t>() : 0;
}

std::chrono::nanoseconds Nanos(const json& j, const char* key) {
  auto it = j.find(key);
  return std::chrono::nanoseconds(it != j.end() && it->is_number_integer() ? it->get<int64_t>()
                                                                           : 0);
}

chat::DoneReason ReasonFrom(const json& j) {
  auto it = j.find("done_reason");
  const std::string r = it != j.end() && it->is_string() ? it->get<std::string>() : "stop";
  if (r == "length") return chat::DoneReason::kLength;
  return chat::DoneReason::kStop;
}

}  // namespace

Result<std::unique_ptr<Session>> Session::OpenRemote(ApiClient client, std::string model) {
  std::unique_ptr<Session> s(new Session());
  auto remote = std::make_shared<const ApiClient>(std::move(client));
  HEARTH_ASSIGN_OR_RETURN(s->remote_show_, remote->Call("POST", "/api/show", {{"model", model}}));
  // Load now (an empty chat only loads), so a broken model fails before the first prompt and
  // the load time is reported as Ollama's --verbose does.
  HEARTH_ASSIGN_OR_RETURN(
      json loaded,
      remote->Call("POST", "/api/chat",
                   {{"model", model}, {"messages", json::array()}, {"stream", false}}));
  s->load_duration_ = Nanos(loaded, "load_duration");
  s->remote_ = std::move(remote);
  s->remote_model_ = std::move(model);
  return s;
}

Result<engine::Completion> Session::AskRemote(const std::string& user_text, std::FILE* out) {
  json messages = json::array();
  if (!system_.empty()) messages.push_back({{"role", "system"}, {"content", system_}});
  for (const chat::Message& m : history_) {
    messages.push_back({{"role", m.role}, {"content", m.content}});
  }
  messages.push_back({{"role", "user"}, {"content", user_text}});
  const json body = {{"model", remote_model_},
                     {"messages", messages},
                     {"options", remote_options_},
                     {"stream", true}};
  cancel_->Reset();
  std::string answer;
  json last;
  Status s = remote_->Stream(
      "/api/chat", body,
      [&](const json& chunk) -> Status {
        auto msg = chunk.find("message");
        if (msg != chunk.end() && msg->is_object()) {
          auto content = msg->find("content");
          if (content != msg->end() && content->is_string()) {
            const std::string& t = content->get_ref<const std::string&>();
            answer += t;
            std::fwrite(t.data(), 1, t.size(), out);
            std::fflush(out);
          }
        }
        if (chunk.value("done", false)) last = chunk;
        return Status();
      },
      cancel_.get());
  engine::Completion c;
  if (cancel_->IsCancelled()) {
    c.done_reason = chat::DoneReason::kCancelled;
  } else {
    HEARTH_RETURN_IF_ERROR(s);
    if (last.is_null()) return Internal("the server ended the answer without a final message");
    c.done_reason = ReasonFrom(last);
    c.prompt_tokens = IntField(last, "prompt_eval_count");
    c.eval_tokens = IntField(last, "eval_count");
    c.prompt_eval_duration = Nanos(last, "prompt_eval_duration");
    c.eval_duration = Nanos(last, "eval_duration");
  }
  history_.push_back({"user", user_text, "", {}, "", ""});
  history_.push_back({"assistant", answer, "", {}, "", ""});
  return c;
}

std::string Session::RemoteInfoText() const {
  const json& details = remote_show_.contains("details") ? remote_show_["details"] : json::object();
  auto field = [&](const char* key) {
    auto it = details.find(key);
    return it != details.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string s = "  Model\n";
  s += fmt::format("    {:<20}{}\n", "architecture", field("family"));
  s += fmt::format("    {:<20}{}\n", "parameters", field("parameter_size"));
  s += fmt::format("    {:<20}{}\n", "quantization", field("quantization_level"));
  s += "\n  Capabilities\n";
  auto caps = remote_show_.find("capabilities");
  if (caps != remote_show_.end() && caps->is_array()) {
    for (const json& c : *caps) {
      if (c.is_string()) s += "    " + c.get<std::string>() + "\n";
    }
  }
  s += fmt::format("\n  Server\n    {}\n", remote_->base_url());
  return s;
}

}  // namespace hearth::cli
