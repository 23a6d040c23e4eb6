// chat::Request -> OpenAI request bodies (hearth as the client).
#include "api/openai/client.h"

namespace hearth::api::openai {
namespace {

constexpr char kProvider[] = "openai";

struct OptionName {
  const char* ollama;
  const char* wire;
  bool extension;  // only with ClientOptions::sampling_extensions
};
constexpr OptionName kOptions[] = {
    {"temperature", "temperature", false},
    {"top_p", "top_p", false},
    {"top_k", "top_k", true},
    {"min_p", "min_p", true},
    {"typical_p", "typical_p", true},
    {"repeat_penalty", "repetition_penalty", true},
    {"repeat_last_n", "repeat_last_n", true},
    {"presence_penalty", "presence_penalty", false},
    {"frequency_penalty", "frequency_penalty", false},
    {"seed", "seed", false},
};

// Models that refuse max_tokens and want max_completion_tokens (OpenAI's reasoning models).
bool WantsMaxCompletionTokens(std::string_view model) {
  if (model.size() >= 2 && model[0] == 'o' && model[1] >= '0' && model[1] <= '9') return true;
  return model.rfind("gpt-5", 0) == 0;
}

// Options -> top-level fields; every option is either mapped, ignored (api/client.h) or refused.
Status AddOptions(const chat::Request& r, const ClientOptions& o, OrderedJson& j) {
  const FoldedOptions folded = FoldOptions(r.options);
  for (const auto& [name, value] : folded.scalars) {
    if (IsIgnoredRemoteOption(name) || name == "num_predict") continue;
    bool known = false;
    for (const auto& opt : kOptions) {
      if (name == opt.ollama) known = !opt.extension || o.sampling_extensions;
    }
    if (!known) return Unsupported("option " + name, kProvider);
  }
  if (const auto* n = folded.Find("num_predict"); n != nullptr && n->i >= 0) {
    j[WantsMaxCompletionTokens(o.model) ? "max_completion_tokens" : "max_tokens"] = n->i;
  }
  for (const auto& opt : kOptions) {
    const auto* v = folded.Find(opt.ollama);
    if (v == nullptr) continue;
    if (std::string_view(opt.ollama) == "seed" && v->i < 0) continue;  // random: the default
    j[opt.wire] = OptionJson(*v);
  }
  if (!folded.stop.empty()) j["stop"] = folded.stop;
  return Status::Ok();
}

void AddStream(const ClientOptions& o, OrderedJson& j) {
  j["stream"] = o.stream;
  if (o.stream) j["stream_options"] = {{"include_usage", true}};
}

Status CheckCommon(const chat::Request& r) {
  if (!r.template_override.empty()) return Unsupported("template", kProvider);
  if (r.format.kind == chat::OutputFormat::Kind::kGrammar) {
    return Unsupported("format (a GBNF grammar)", kProvider);
  }
  return Status::Ok();
}

std::string DataUri(const std::string& bytes) {
  return std::string("data:") + ImageMimeType(bytes) + ";base64," + Base64Encode(bytes);
}

OrderedJson UserContent(const std::string& text, const std::vector<std::string>& images) {
  if (images.empty()) return text;
  OrderedJson parts = OrderedJson::array();
  if (!text.empty()) parts.push_back({{"type", "text"}, {"text", text}});
  for (const auto& img : images) {
    parts.push_back({{"type", "image_url"}, {"image_url", {{"url", DataUri(img)}}}});
  }
  return parts;
}

Result<OrderedJson> Messages(const chat::Request& r, const ClientOptions& o) {
  OrderedJson out = OrderedJson::array();
  if (r.kind == chat::RequestKind::kGenerate) {
    if (!r.suffix.empty()) return Unsupported("suffix on chat completions", kProvider);
    if (r.raw) return Unsupported("raw on chat completions", kProvider);
    if (!r.system.empty()) out.push_back({{"role", "system"}, {"content", r.system}});
    out.push_back({{"role", "user"}, {"content", UserContent(r.prompt, r.images)}});
    return out;
  }
  HEARTH_ASSIGN_OR_RETURN(std::vector<chat::Message> messages,
                          ResolveToolCallIds(r.messages, kProvider));
  const int carrier = ImageCarrier(messages);
  if (!r.images.empty() && carrier < 0)
    return Unsupported("images without a user message", kProvider);
  for (size_t i = 0; i < messages.size(); ++i) {
    const chat::Message& m = messages[i];
    OrderedJson msg;
    msg["role"] = m.role;
    if (m.role == "user") {
      msg["content"] = UserContent(
          m.content, static_cast<int>(i) == carrier ? r.images : std::vector<std::string>());
    } else if (m.role == "assistant") {
      msg["content"] =
          m.content.empty() && !m.tool_calls.empty() ? OrderedJson() : OrderedJson(m.content);
      if (!m.thinking.empty() && o.sampling_extensions) msg["reasoning_content"] = m.thinking;
      if (!m.tool_calls.empty()) {
        OrderedJson calls = OrderedJson::array();
        for (const auto& c : m.tool_calls) {
          calls.push_back({{"id", c.id},
                           {"type", "function"},
                           {"function", {{"name", c.name}, {"arguments", c.arguments_json}}}});
        }
        msg["tool_calls"] = std::move(calls);
      }
    } else if (m.role == "tool") {
      msg["tool_call_id"] = m.tool_call_id;
      msg["content"] = m.content;
    } else if (m.role == "system") {
      msg["content"] = m.content;
    } else {
      return Unsupported("messages[" + std::to_string(i) + "].role \"" + m.role + "\"", kProvider);
    }
    out.push_back(std::move(msg));
  }
  return out;
}

Status AddTools(const chat::Request& r, OrderedJson& j) {
  using Mode = chat::ToolChoice::Mode;
  if (r.tools.empty()) {
    if (r.tool_choice.mode == Mode::kRequired || r.tool_choice.mode == Mode::kFunction) {
      return InvalidArgument("tool_choice needs at least one tool");
    }
    return Status::Ok();
  }
  OrderedJson tools = OrderedJson::array();
  for (size_t i = 0; i < r.tools.size(); ++i) {
    const chat::Tool& t = r.tools[i];
    HEARTH_ASSIGN_OR_RETURN(OrderedJson schema, ToolSchema(t, i));
    OrderedJson fn;
    fn["name"] = t.name;
    if (!t.description.empty()) fn["description"] = t.description;
    fn["parameters"] = std::move(schema);
    tools.push_back({{"type", "function"}, {"function", std::move(fn)}});
  }
  j["tools"] = std::move(tools);
  switch (r.tool_choice.mode) {
    case Mode::kAuto:
      break;
    case Mode::kNone:
      j["tool_choice"] = "none";
      break;
    case Mode::kRequired:
      j["tool_choice"] = "required";
      break;
    case Mode::kFunction:
      j["tool_choice"] = {{"type", "function"}, {"function", {{"name", r.tool_choice.function}}}};
      break;
  }
  return Status::Ok();
}

Status AddFormat(const chat::Request& r, OrderedJson& j) {
  switch (r.format.kind) {
    case chat::OutputFormat::Kind::kNone:
    case chat::OutputFormat::Kind::kGrammar:  // refused by CheckCommon
      break;
    case chat::OutputFormat::Kind::kJson:
      j["response_format"] = {{"type", "json_object"}};
      break;
    case chat::OutputFormat::Kind::kJsonSchema: {
      HEARTH_ASSIGN_OR_RETURN(OrderedJson schema, JsonObjectField(r.format.text, "format"));
      j["response_format"] = {
          {"type", "json_schema"},
          {"json_schema", {{"name", "response"}, {"schema", std::move(schema)}}}};
      break;
    }
  }
  return Status::Ok();
}

}  // namespace

Result<OrderedJson> EncodeChatRequest(const chat::Request& r, const ClientOptions& o) {
  HEARTH_RETURN_IF_ERROR(CheckCommon(r));
  OrderedJson j;
  j["model"] = o.model;
  HEARTH_ASSIGN_OR_RETURN(j["messages"], Messages(r, o));
  AddStream(o, j);
  HEARTH_RETURN_IF_ERROR(AddOptions(r, o, j));
  HEARTH_RETURN_IF_ERROR(AddTools(r, j));
  HEARTH_RETURN_IF_ERROR(AddFormat(r, j));
  if (r.think.set) {
    j["reasoning_effort"] = !r.think.enabled        ? std::string("none")
                            : r.think.level.empty() ? std::string("medium")
                                                    : r.think.level;
  }
  if (r.logprobs) {
    j["logprobs"] = true;
    if (r.top_logprobs > 0) j["top_logprobs"] = r.top_logprobs;
  }
  return j;
}

Result<OrderedJson> EncodeCompletionRequest(const chat::Request& r, const ClientOptions& o) {
  if (r.kind != chat::RequestKind::kGenerate) {
    return InvalidArgument("a chat request cannot be sent to /v1/completions");
  }
  HEARTH_RETURN_IF_ERROR(CheckCommon(r));
  if (!r.system.empty()) return Unsupported("system on completions", kProvider);
  if (!r.images.empty()) return Unsupported("images on completions", kProvider);
  if (!r.tools.empty()) return Unsupported("tools on completions", kProvider);
  if (r.format.kind != chat::OutputFormat::Kind::kNone) {
    return Unsupported("format on completions", kProvider);
  }
  if (r.think.set) return Unsupported("think on completions", kProvider);
  OrderedJson j;
  j["model"] = o.model;
  j["prompt"] = r.prompt;
  if (!r.suffix.empty()) j["suffix"] = r.suffix;
  AddStream(o, j);
  HEARTH_RETURN_IF_ERROR(AddOptions(r, o, j));
  if (r.logprobs) j["logprobs"] = r.top_logprobs;
  return j;
}

Result<OrderedJson> EncodeEmbeddingsRequest(const chat::EmbedRequest& r, const ClientOptions& o) {
  for (const auto& [name, value] : r.options) {
    if (!IsIgnoredRemoteOption(name))
      return Unsupported("option " + name + " on embeddings", kProvider);
  }
  if (r.inputs.empty()) return InvalidArgument("input must not be empty");
  OrderedJson j;
  j["model"] = o.model;
  j["input"] = r.inputs;
  j["encoding_format"] = "float";
  if (r.dimensions > 0) j["dimensions"] = r.dimensions;
  return j;
}

}  // namespace hearth::api::openai
