// chat::Request -> Ollama request bodies (hearth as the client).
#include "api/ollama/client.h"

namespace hearth::api::ollama {
namespace {

constexpr char kProvider[] = "ollama";

OrderedJson KeepAliveJson(std::chrono::nanoseconds d) {
  const int64_t ns = d.count();
  if (ns < 0) return -1;                             // forever
  if (ns % 1000000000 == 0) return ns / 1000000000;  // seconds
  return std::to_string(ns) + "ns";
}

OrderedJson OptionsJson(const std::vector<chat::OptionSetting>& options) {
  const FoldedOptions folded = FoldOptions(options);
  OrderedJson j = OrderedJson::object();
  for (const auto& [name, value] : folded.scalars) j[name] = OptionJson(value);
  if (!folded.stop.empty()) j["stop"] = folded.stop;
  return j;
}

OrderedJson Images(const std::vector<std::string>& images) {
  OrderedJson out = OrderedJson::array();
  for (const auto& img : images) out.push_back(Base64Encode(img));
  return out;
}

// Fields after the prompt/messages, shared by chat and generate.
Status AddCommon(const chat::Request& r, const ClientOptions& o, OrderedJson& j) {
  switch (r.format.kind) {
    case chat::OutputFormat::Kind::kNone:
      break;
    case chat::OutputFormat::Kind::kGrammar:
      return Unsupported("format (a GBNF grammar)", kProvider);
    case chat::OutputFormat::Kind::kJson:
      j["format"] = "json";
      break;
    case chat::OutputFormat::Kind::kJsonSchema: {
      HEARTH_ASSIGN_OR_RETURN(j["format"], JsonObjectField(r.format.text, "format"));
      break;
    }
  }
  if (!r.options.empty()) j["options"] = OptionsJson(r.options);
  j["stream"] = o.stream;
  if (r.keep_alive) j["keep_alive"] = KeepAliveJson(*r.keep_alive);
  if (r.think.set) {
    if (r.think.enabled && !r.think.level.empty()) {
      j["think"] = r.think.level;
    } else {
      j["think"] = r.think.enabled;
    }
  }
  if (!r.truncate) j["truncate"] = false;
  if (r.logprobs) {
    j["logprobs"] = true;
    if (r.top_logprobs > 0) j["top_logprobs"] = r.top_logprobs;
  }
  return Status::Ok();
}

Result<OrderedJson> ToolsJson(const chat::Request& r) {
  OrderedJson tools = OrderedJson::array();
  for (size_t i = 0; i < r.tools.size(); ++i) {
    HEARTH_ASSIGN_OR_RETURN(OrderedJson schema, ToolSchema(r.tools[i], i));
    OrderedJson fn;
    fn["name"] = r.tools[i].name;
    if (!r.tools[i].description.empty()) fn["description"] = r.tools[i].description;
    fn["parameters"] = std::move(schema);
    tools.push_back({{"type", "function"}, {"function", std::move(fn)}});
  }
  return tools;
}

}  // namespace

Result<OrderedJson> EncodeChatRequest(const chat::Request& r, const ClientOptions& o) {
  using Mode = chat::ToolChoice::Mode;
  if (r.tool_choice.mode == Mode::kRequired) {
    return Unsupported("tool_choice \"required\"", kProvider);
  }
  if (r.tool_choice.mode == Mode::kFunction) {
    return Unsupported("tool_choice naming a function", kProvider);
  }
  if (!r.template_override.empty()) return Unsupported("template on /api/chat", kProvider);
  OrderedJson j;
  j["model"] = o.model;
  OrderedJson messages = OrderedJson::array();
  if (r.kind == chat::RequestKind::kGenerate) {
    if (!r.suffix.empty()) return Unsupported("suffix on /api/chat", kProvider);
    if (r.raw) return Unsupported("raw on /api/chat", kProvider);
    if (!r.system.empty()) messages.push_back({{"role", "system"}, {"content", r.system}});
    OrderedJson user = {{"role", "user"}, {"content", r.prompt}};
    if (!r.images.empty()) user["images"] = Images(r.images);
    messages.push_back(std::move(user));
  } else {
    const int carrier = ImageCarrier(r.messages);
    if (!r.images.empty() && carrier < 0) {
      return Unsupported("images without a user message", kProvider);
    }
    for (size_t i = 0; i < r.messages.size(); ++i) {
      const chat::Message& m = r.messages[i];
      OrderedJson msg;
      msg["role"] = m.role;
      msg["content"] = m.content;
      if (!m.thinking.empty()) msg["thinking"] = m.thinking;
      if (static_cast<int>(i) == carrier && !r.images.empty()) msg["images"] = Images(r.images);
      if (!m.tool_calls.empty()) {
        OrderedJson calls = OrderedJson::array();
        for (size_t k = 0; k < m.tool_calls.size(); ++k) {
          const chat::ToolCall& c = m.tool_calls[k];
          HEARTH_ASSIGN_OR_RETURN(
              OrderedJson args, JsonObjectField(c.arguments_json.empty() ? "{}" : c.arguments_json,
                                                "messages[" + std::to_string(i) + "].tool_calls[" +
                                                    std::to_string(k) + "].arguments"));
          OrderedJson call;
          if (!c.id.empty()) call["id"] = c.id;
          call["function"] = {{"name", c.name}, {"arguments", std::move(args)}};
          calls.push_back(std::move(call));
        }
        msg["tool_calls"] = std::move(calls);
      }
      if (!m.tool_name.empty()) msg["tool_name"] = m.tool_name;
      if (!m.tool_call_id.empty()) msg["tool_call_id"] = m.tool_call_id;
      messages.push_back(std::move(msg));
    }
  }
  j["messages"] = std::move(messages);
  if (!r.tools.empty() && r.tool_choice.mode != Mode::kNone) {
    HEARTH_ASSIGN_OR_RETURN(j["tools"], ToolsJson(r));
  }
  HEARTH_RETURN_IF_ERROR(AddCommon(r, o, j));
  return j;
}

Result<OrderedJson> EncodeGenerateRequest(const chat::Request& r, const ClientOptions& o) {
  if (r.kind != chat::RequestKind::kGenerate) {
    return InvalidArgument("a chat request cannot be sent to /api/generate");
  }
  if (!r.tools.empty()) return Unsupported("tools on /api/generate", kProvider);
  OrderedJson j;
  j["model"] = o.model;
  j["prompt"] = r.prompt;
  if (!r.suffix.empty()) j["suffix"] = r.suffix;
  if (!r.system.empty()) j["system"] = r.system;
  if (!r.template_override.empty()) j["template"] = r.template_override;
  if (r.raw) j["raw"] = true;
  if (!r.images.empty()) j["images"] = Images(r.images);
  HEARTH_RETURN_IF_ERROR(AddCommon(r, o, j));
  return j;
}

Result<OrderedJson> EncodeEmbedRequest(const chat::EmbedRequest& r, const ClientOptions& o) {
  OrderedJson j;
  j["model"] = o.model;
  j["input"] = r.inputs;
  if (!r.truncate) j["truncate"] = false;
  if (r.dimensions > 0) j["dimensions"] = r.dimensions;
  if (!r.options.empty()) j["options"] = OptionsJson(r.options);
  if (r.keep_alive) j["keep_alive"] = KeepAliveJson(*r.keep_alive);
  return j;
}

}  // namespace hearth::api::ollama
