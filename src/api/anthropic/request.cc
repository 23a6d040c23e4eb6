// Anthropic Messages request -> chat::Request.
#include "api/anthropic/anthropic.h"
#include "api/common.h"

namespace hearth::api::anthropic {
namespace {

Status Missing(std::string_view field) {
  return InvalidArgument("missing field '" + std::string(field) + "'");
}

// Text of a tool_result's content: a string or an array of text blocks.
Status ToolResultText(const Fields& block, std::string* out) {
  const Json* content = block.Get("content");
  if (content == nullptr) return Status::Ok();
  if (content->is_string()) {
    *out = content->get<std::string>();
    return Status::Ok();
  }
  if (!content->is_array()) return TypeError(block.Path("content"), "string or array", *content);
  for (size_t i = 0; i < content->size(); ++i) {
    HEARTH_ASSIGN_OR_RETURN(Fields b,
                            Fields::Of((*content)[i], IndexPath(block.Path("content"), i)));
    std::string type, text;
    HEARTH_RETURN_IF_ERROR(b.String("type", &type));
    if (type != "text") {
      return ValueError(b.Path("type"), "only text blocks are supported in tool results");
    }
    HEARTH_RETURN_IF_ERROR(b.String("text", &text));
    if (!out->empty()) *out += "\n";
    *out += text;
  }
  return Status::Ok();
}

// One wire message -> one or more chat messages (tool results become "tool" messages first).
Status ParseMessage(const Fields& m, chat::Request* r) {
  chat::Message msg;
  HEARTH_RETURN_IF_ERROR(m.String("role", &msg.role));
  if (msg.role != "user" && msg.role != "assistant") {
    return ValueError(m.Path("role"), "\"" + msg.role + "\" (expected user or assistant)");
  }
  const Json* content = m.Get("content");
  if (content == nullptr) return Missing(m.Path("content"));
  if (content->is_string()) {
    msg.content = content->get<std::string>();
    r->messages.push_back(std::move(msg));
    return Status::Ok();
  }
  if (!content->is_array()) return TypeError(m.Path("content"), "string or array", *content);
  for (size_t i = 0; i < content->size(); ++i) {
    HEARTH_ASSIGN_OR_RETURN(Fields b, Fields::Of((*content)[i], IndexPath(m.Path("content"), i)));
    std::string type;
    HEARTH_RETURN_IF_ERROR(b.String("type", &type));
    if (type == "text") {
      std::string text;
      HEARTH_RETURN_IF_ERROR(b.String("text", &text));
      if (!msg.content.empty()) msg.content += "\n";
      msg.content += text;
    } else if (type == "image") {
      if (!b.Has("source")) return Missing(b.Path("source"));
      Fields source = b;
      HEARTH_RETURN_IF_ERROR(b.Object("source", &source));
      std::string stype, data;
      HEARTH_RETURN_IF_ERROR(source.String("type", &stype));
      if (stype != "base64")
        return ValueError(source.Path("type"), "only base64 images are supported");
      HEARTH_RETURN_IF_ERROR(source.String("data", &data));
      auto bytes = Base64Decode(data);
      if (!bytes.ok()) return ValueError(source.Path("data"), bytes.status().message());
      r->images.push_back(std::move(*bytes));
    } else if (type == "tool_use") {
      chat::ToolCall call;
      HEARTH_RETURN_IF_ERROR(b.String("id", &call.id));
      HEARTH_RETURN_IF_ERROR(b.String("name", &call.name));
      call.arguments_json = "{}";
      if (const Json* input = b.Get("input")) {
        if (!input->is_object()) return TypeError(b.Path("input"), "object", *input);
        call.arguments_json = Dump(*input);
      }
      msg.tool_calls.push_back(std::move(call));
    } else if (type == "tool_result") {
      chat::Message tool;
      tool.role = "tool";
      HEARTH_RETURN_IF_ERROR(b.String("tool_use_id", &tool.tool_call_id));
      HEARTH_RETURN_IF_ERROR(ToolResultText(b, &tool.content));
      for (const auto& prev : r->messages) {
        for (const auto& c : prev.tool_calls) {
          if (c.id == tool.tool_call_id) tool.tool_name = c.name;
        }
      }
      r->messages.push_back(std::move(tool));
    } else if (type == "thinking") {
      HEARTH_RETURN_IF_ERROR(b.String("thinking", &msg.thinking));
    } else if (type == "redacted_thinking") {
      continue;
    } else {
      return ValueError(b.Path("type"), "unsupported content block type \"" + type + "\"");
    }
  }
  if (!msg.content.empty() || !msg.tool_calls.empty() || !msg.thinking.empty()) {
    r->messages.push_back(std::move(msg));
  }
  return Status::Ok();
}

Status ParseTools(const Fields& body, chat::Request* r) {
  const Json* tools = nullptr;
  HEARTH_RETURN_IF_ERROR(body.Array("tools", &tools));
  for (size_t i = 0; tools != nullptr && i < tools->size(); ++i) {
    HEARTH_ASSIGN_OR_RETURN(Fields t, Fields::Of((*tools)[i], IndexPath("tools", i)));
    std::string type = "custom";
    HEARTH_RETURN_IF_ERROR(t.String("type", &type));
    if (type != "custom") {
      return ValueError(t.Path("type"), "server tool \"" + type + "\" is not supported");
    }
    chat::Tool tool;
    HEARTH_RETURN_IF_ERROR(t.String("name", &tool.name));
    if (tool.name.empty()) return Missing(t.Path("name"));
    HEARTH_RETURN_IF_ERROR(t.String("description", &tool.description));
    const Json* schema = t.Get("input_schema");
    if (schema == nullptr) return Missing(t.Path("input_schema"));
    HEARTH_ASSIGN_OR_RETURN(tool.parameters_json, SchemaText(*schema, t.Path("input_schema")));
    r->tools.push_back(std::move(tool));
  }
  if (body.Has("tool_choice")) {
    Fields tc = body;
    HEARTH_RETURN_IF_ERROR(body.Object("tool_choice", &tc));
    std::string type;
    HEARTH_RETURN_IF_ERROR(tc.String("type", &type));
    using Mode = chat::ToolChoice::Mode;
    if (type == "auto") {
      r->tool_choice.mode = Mode::kAuto;
    } else if (type == "none") {
      r->tool_choice.mode = Mode::kNone;
    } else if (type == "any") {
      if (r->tools.empty()) return ValueError("tool_choice", "\"any\" needs at least one tool");
      r->tool_choice.mode = Mode::kRequired;
    } else if (type == "tool") {
      HEARTH_RETURN_IF_ERROR(tc.String("name", &r->tool_choice.function));
      bool found = false;
      for (const auto& t : r->tools) found = found || t.name == r->tool_choice.function;
      if (!found) {
        return ValueError("tool_choice.name",
                          "no tool named \"" + r->tool_choice.function + "\" in 'tools'");
      }
      r->tool_choice.mode = Mode::kFunction;
    } else {
      return ValueError("tool_choice.type", "\"" + type + "\" (expected auto, any, tool or none)");
    }
  }
  return Status::Ok();
}

// A Messages body; `count` for count_tokens (no max_tokens, no stream, no sampling options).
Result<ParsedRequest> ParseBody(const Json& json, bool count) {
  HEARTH_ASSIGN_OR_RETURN(Fields body, Fields::Of(json, ""));
  ParsedRequest out;
  chat::Request& r = out.request;
  r.kind = chat::RequestKind::kChat;
  HEARTH_RETURN_IF_ERROR(body.String("model", &r.model));
  if (r.model.empty()) return Missing("model");
  if (!count) {
    if (!body.Has("max_tokens")) return Missing("max_tokens");
    int64_t max_tokens = 0;
    HEARTH_RETURN_IF_ERROR(body.Int("max_tokens", &max_tokens));
    if (max_tokens < 1) return ValueError("max_tokens", "must be at least 1");
    AddIntOption(&r.options, "num_predict", max_tokens);
    HEARTH_RETURN_IF_ERROR(body.Bool("stream", &out.stream));
  }
  if (const Json* system = body.Get("system")) {
    chat::Message sys;
    sys.role = "system";
    if (system->is_string()) {
      sys.content = system->get<std::string>();
    } else if (system->is_array()) {
      for (size_t i = 0; i < system->size(); ++i) {
        HEARTH_ASSIGN_OR_RETURN(Fields b, Fields::Of((*system)[i], IndexPath("system", i)));
        std::string type, text;
        HEARTH_RETURN_IF_ERROR(b.String("type", &type));
        if (type != "text") return ValueError(b.Path("type"), "system blocks must be text");
        HEARTH_RETURN_IF_ERROR(b.String("text", &text));
        if (!sys.content.empty()) sys.content += "\n";
        sys.content += text;
      }
    } else {
      return TypeError("system", "string or array", *system);
    }
    if (!sys.content.empty()) r.messages.push_back(std::move(sys));
  }
  const Json* messages = nullptr;
  HEARTH_RETURN_IF_ERROR(body.Array("messages", &messages));
  if (messages == nullptr || messages->empty()) return Missing("messages");
  for (size_t i = 0; i < messages->size(); ++i) {
    HEARTH_ASSIGN_OR_RETURN(Fields m, Fields::Of((*messages)[i], IndexPath("messages", i)));
    HEARTH_RETURN_IF_ERROR(ParseMessage(m, &r));
  }
  const Json* stops = nullptr;
  HEARTH_RETURN_IF_ERROR(body.Array("stop_sequences", &stops));
  if (stops != nullptr && !count) {
    for (size_t i = 0; i < stops->size(); ++i) {
      if (!(*stops)[i].is_string()) {
        return TypeError(IndexPath("stop_sequences", i), "string", (*stops)[i]);
      }
      AddStopOption(&r.options, (*stops)[i].get<std::string>());
    }
  }
  for (const char* name : {"temperature", "top_p"}) {
    double v = 0;
    HEARTH_RETURN_IF_ERROR(body.Number(name, &v));
    if (body.Has(name)) AddFloatOption(&r.options, name, v);
  }
  int64_t top_k = 0;
  HEARTH_RETURN_IF_ERROR(body.Int("top_k", &top_k));
  if (body.Has("top_k")) AddIntOption(&r.options, "top_k", top_k);
  HEARTH_RETURN_IF_ERROR(ParseTools(body, &r));
  if (body.Has("thinking")) {
    Fields thinking = body;
    HEARTH_RETURN_IF_ERROR(body.Object("thinking", &thinking));
    std::string type;
    HEARTH_RETURN_IF_ERROR(thinking.String("type", &type));
    if (type != "enabled" && type != "disabled") {
      return ValueError("thinking.type", "\"" + type + "\" (expected enabled or disabled)");
    }
    r.think.set = true;
    r.think.enabled = type == "enabled";
  }
  return out;
}

}  // namespace

Result<ParsedRequest> ParseMessages(const Json& body) { return ParseBody(body, false); }

Result<chat::Request> ParseCountTokens(const Json& body) {
  HEARTH_ASSIGN_OR_RETURN(ParsedRequest parsed, ParseBody(body, true));
  parsed.request.options.clear();  // sampling options change nothing in the prompt
  return std::move(parsed.request);
}

std::string CountTokensJson(int32_t input_tokens) {
  OrderedJson j;
  j["input_tokens"] = input_tokens;
  return Dump(j);
}

}  // namespace hearth::api::anthropic
