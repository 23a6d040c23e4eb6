// Ollama request bodies -> chat::Request / chat::EmbedRequest.
#include <limits>

#include "api/common.h"
#include "api/ollama/ollama.h"

namespace hearth::api::ollama {
namespace {

Status Missing(std::string_view field) {
  return InvalidArgument(std::string(field) + " is required");
}

// Fields shared by generate and chat.
Status ParseCommon(const Fields& body, ParsedRequest* out) {
  chat::Request& r = out->request;
  HEARTH_RETURN_IF_ERROR(body.String("model", &r.model));
  if (r.model.empty()) return Missing("model");
  HEARTH_RETURN_IF_ERROR(body.Bool("stream", &out->stream));
  if (const Json* format = body.Get("format")) {
    if (format->is_string()) {
      const std::string& f = format->get_ref<const std::string&>();
      if (f == "json") {
        r.format.kind = chat::OutputFormat::Kind::kJson;
      } else if (!f.empty()) {
        return ValueError("format", "\"" + f + "\" (expected \"json\" or a JSON schema object)");
      }
    } else if (format->is_object()) {
      r.format.kind = chat::OutputFormat::Kind::kJsonSchema;
      r.format.text = Dump(*format);
    } else {
      return TypeError("format", "\"json\" or a JSON schema object", *format);
    }
  }
  Fields options = body;
  if (body.Has("options")) {
    HEARTH_RETURN_IF_ERROR(body.Object("options", &options));
    HEARTH_RETURN_IF_ERROR(ParseOptions(options, &r.options));
  }
  if (const Json* keep_alive = body.Get("keep_alive")) {
    HEARTH_ASSIGN_OR_RETURN(auto d, ParseKeepAlive(*keep_alive, "keep_alive"));
    r.keep_alive = d;
  }
  if (const Json* think = body.Get("think")) {
    HEARTH_RETURN_IF_ERROR(ParseThink(*think, "think", &r.think));
  }
  HEARTH_RETURN_IF_ERROR(body.Bool("truncate", &r.truncate));
  HEARTH_RETURN_IF_ERROR(body.Bool("logprobs", &r.logprobs));
  HEARTH_RETURN_IF_ERROR(body.Int32("top_logprobs", &r.top_logprobs));
  if (r.top_logprobs < 0 || r.top_logprobs > 20) {
    return InvalidArgument("top_logprobs must be between 0 and 20");
  }
  if (const Json* tools = body.Get("tools")) {
    HEARTH_RETURN_IF_ERROR(ParseFunctionTools(*tools, "tools", &r.tools));
  }
  return Status::Ok();
}

Status ParseImages(const Fields& obj, std::vector<std::string>* out) {
  const Json* images = nullptr;
  HEARTH_RETURN_IF_ERROR(obj.Array("images", &images));
  if (images == nullptr) return Status::Ok();
  for (size_t i = 0; i < images->size(); ++i) {
    const std::string path = IndexPath(obj.Path("images"), i);
    const Json& img = (*images)[i];
    if (!img.is_string()) return TypeError(path, "base64 string", img);
    auto bytes = Base64Decode(img.get_ref<const std::string&>());
    if (!bytes.ok()) return ValueError(path, bytes.status().message());
    out->push_back(std::move(*bytes));
  }
  return Status::Ok();
}

Status ParseToolCalls(const Fields& msg, std::vector<chat::ToolCall>* out) {
  const Json* calls = nullptr;
  HEARTH_RETURN_IF_ERROR(msg.Array("tool_calls", &calls));
  if (calls == nullptr) return Status::Ok();
  for (size_t i = 0; i < calls->size(); ++i) {
    HEARTH_ASSIGN_OR_RETURN(Fields call,
                            Fields::Of((*calls)[i], IndexPath(msg.Path("tool_calls"), i)));
    chat::ToolCall tc;
    HEARTH_RETURN_IF_ERROR(call.String("id", &tc.id));
    const Json* fn_json = call.Get("function");
    if (fn_json == nullptr) return InvalidArgument("missing field '" + call.Path("function") + "'");
    HEARTH_ASSIGN_OR_RETURN(Fields fn, Fields::Of(*fn_json, call.Path("function")));
    HEARTH_RETURN_IF_ERROR(fn.String("name", &tc.name));
    tc.arguments_json = "{}";
    if (const Json* args = fn.Get("arguments")) {
      if (!args->is_object()) return TypeError(fn.Path("arguments"), "object", *args);
      tc.arguments_json = Dump(*args);
    }
    out->push_back(std::move(tc));
  }
  return Status::Ok();
}

}  // namespace

Result<ParsedRequest> ParseGenerate(const Json& json) {
  HEARTH_ASSIGN_OR_RETURN(Fields body, Fields::Of(json, ""));
  ParsedRequest out;
  chat::Request& r = out.request;
  r.kind = chat::RequestKind::kGenerate;
  HEARTH_RETURN_IF_ERROR(ParseCommon(body, &out));
  HEARTH_RETURN_IF_ERROR(body.String("prompt", &r.prompt));
  HEARTH_RETURN_IF_ERROR(body.String("suffix", &r.suffix));
  HEARTH_RETURN_IF_ERROR(body.String("system", &r.system));
  HEARTH_RETURN_IF_ERROR(body.String("template", &r.template_override));
  HEARTH_RETURN_IF_ERROR(body.Bool("raw", &r.raw));
  const Json* context = nullptr;
  HEARTH_RETURN_IF_ERROR(body.Array("context", &context));  // deprecated, still honoured
  if (r.raw && (!r.template_override.empty() || !r.system.empty() ||
                (context != nullptr && !context->empty()))) {
    return InvalidArgument("raw mode does not support template, system, or context");
  }
  if (context != nullptr) {
    r.context.reserve(context->size());
    for (size_t i = 0; i < context->size(); ++i) {
      const Json& id = (*context)[i];
      if (!id.is_number_integer()) return TypeError(IndexPath("context", i), "integer", id);
      const bool in_range = id.is_number_unsigned()
                                ? id.get<uint64_t>() <= std::numeric_limits<int32_t>::max()
                                : id.get<int64_t>() >= 0;
      if (!in_range) return ValueError(IndexPath("context", i), "not a token id");
      r.context.push_back(static_cast<int32_t>(id.get<int64_t>()));
    }
  }
  HEARTH_RETURN_IF_ERROR(ParseImages(body, &r.images));
  return out;
}

Result<ParsedRequest> ParseChat(const Json& json) {
  HEARTH_ASSIGN_OR_RETURN(Fields body, Fields::Of(json, ""));
  ParsedRequest out;
  chat::Request& r = out.request;
  r.kind = chat::RequestKind::kChat;
  HEARTH_RETURN_IF_ERROR(ParseCommon(body, &out));
  const Json* messages = nullptr;
  HEARTH_RETURN_IF_ERROR(body.Array("messages", &messages));
  if (messages == nullptr) return out;
  for (size_t i = 0; i < messages->size(); ++i) {
    HEARTH_ASSIGN_OR_RETURN(Fields m, Fields::Of((*messages)[i], IndexPath("messages", i)));
    chat::Message msg;
    HEARTH_RETURN_IF_ERROR(m.String("role", &msg.role));
    if (msg.role.empty()) return InvalidArgument("missing field '" + m.Path("role") + "'");
    HEARTH_RETURN_IF_ERROR(m.String("content", &msg.content));
    HEARTH_RETURN_IF_ERROR(m.String("thinking", &msg.thinking));
    HEARTH_RETURN_IF_ERROR(m.String("tool_name", &msg.tool_name));
    HEARTH_RETURN_IF_ERROR(m.String("tool_call_id", &msg.tool_call_id));
    HEARTH_RETURN_IF_ERROR(ParseImages(m, &r.images));
    HEARTH_RETURN_IF_ERROR(ParseToolCalls(m, &msg.tool_calls));
    r.messages.push_back(std::move(msg));
  }
  return out;
}

namespace {

Status ParseEmbedCommon(const Fields& body, chat::EmbedRequest* r) {
  HEARTH_RETURN_IF_ERROR(body.String("model", &r->model));
  if (r->model.empty()) return Missing("model");
  if (body.Has("options")) {
    Fields options = body;
    HEARTH_RETURN_IF_ERROR(body.Object("options", &options));
    HEARTH_RETURN_IF_ERROR(ParseOptions(options, &r->options));
  }
  if (const Json* keep_alive = body.Get("keep_alive")) {
    HEARTH_ASSIGN_OR_RETURN(auto d, ParseKeepAlive(*keep_alive, "keep_alive"));
    r->keep_alive = d;
  }
  return Status::Ok();
}

}  // namespace

Result<chat::EmbedRequest> ParseEmbed(const Json& json) {
  HEARTH_ASSIGN_OR_RETURN(Fields body, Fields::Of(json, ""));
  chat::EmbedRequest r;
  HEARTH_RETURN_IF_ERROR(ParseEmbedCommon(body, &r));
  HEARTH_RETURN_IF_ERROR(body.Bool("truncate", &r.truncate));
  HEARTH_RETURN_IF_ERROR(body.Int32("dimensions", &r.dimensions));
  if (r.dimensions < 0) return ValueError("dimensions", "must not be negative");
  if (const Json* input = body.Get("input")) {
    if (input->is_string()) {
      if (!input->get_ref<const std::string&>().empty())
        r.inputs.push_back(input->get<std::string>());
    } else if (input->is_array()) {
      for (size_t i = 0; i < input->size(); ++i) {
        const Json& v = (*input)[i];
        if (!v.is_string()) return TypeError(IndexPath("input", i), "string", v);
        r.inputs.push_back(v.get<std::string>());
      }
    } else {
      return TypeError("input", "string or array of strings", *input);
    }
  }
  return r;
}

Result<chat::EmbedRequest> ParseEmbeddings(const Json& json) {
  HEARTH_ASSIGN_OR_RETURN(Fields body, Fields::Of(json, ""));
  chat::EmbedRequest r;
  HEARTH_RETURN_IF_ERROR(ParseEmbedCommon(body, &r));
  std::string prompt;
  HEARTH_RETURN_IF_ERROR(body.String("prompt", &prompt));
  if (!prompt.empty()) r.inputs.push_back(std::move(prompt));
  return r;
}

bool IsLoadOnly(const chat::Request& request) {
  if (request.kind == chat::RequestKind::kGenerate) {
    return request.prompt.empty() && request.images.empty();
  }
  return request.messages.empty();
}

const char* LoadDoneReason(const chat::Request& request) {
  return request.keep_alive.has_value() && request.keep_alive->count() == 0 ? "unload" : "load";
}

}  // namespace hearth::api::ollama
