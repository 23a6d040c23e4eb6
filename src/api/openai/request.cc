// OpenAI request bodies -> chat::Request / chat::EmbedRequest.
#include "api/common.h"
#include "api/openai/openai.h"

namespace hearth::api::openai {
namespace {

Status Missing(std::string_view field) {
  return InvalidArgument("missing field '" + std::string(field) + "'");
}

// content: a string, null, or an array of parts ({"type":"text","text"} and
// {"type":"image_url","image_url":{"url":"data:...;base64,..."}}).
Status ParseContent(const Fields& msg, std::string* text, std::vector<std::string>* images) {
  const Json* content = msg.Get("content");
  if (content == nullptr) return Status::Ok();
  if (content->is_string()) {
    *text = content->get<std::string>();
    return Status::Ok();
  }
  if (!content->is_array()) return TypeError(msg.Path("content"), "string or array", *content);
  for (size_t i = 0; i < content->size(); ++i) {
    HEARTH_ASSIGN_OR_RETURN(Fields part,
                            Fields::Of((*content)[i], IndexPath(msg.Path("content"), i)));
    std::string type;
    HEARTH_RETURN_IF_ERROR(part.String("type", &type));
    if (type == "text") {
      std::string t;
      HEARTH_RETURN_IF_ERROR(part.String("text", &t));
      if (!text->empty()) *text += "\n";
      *text += t;
    } else if (type == "image_url") {
      std::string url;
      if (const Json* iu = part.Get("image_url"); iu != nullptr && iu->is_string()) {
        url = iu->get<std::string>();
      } else {
        Fields image_url = part;
        if (!part.Has("image_url")) return Missing(part.Path("image_url"));
        HEARTH_RETURN_IF_ERROR(part.Object("image_url", &image_url));
        HEARTH_RETURN_IF_ERROR(image_url.String("url", &url));
      }
      const size_t comma = url.find(',');
      if (url.rfind("data:", 0) != 0 || comma == std::string::npos ||
          url.substr(0, comma).find(";base64") == std::string::npos) {
        return ValueError(part.Path("image_url"),
                          "only base64 data URLs are supported (data:image/png;base64,...)");
      }
      auto bytes = Base64Decode(std::string_view(url).substr(comma + 1));
      if (!bytes.ok()) return ValueError(part.Path("image_url"), bytes.status().message());
      images->push_back(std::move(*bytes));
    } else {
      return ValueError(part.Path("type"), "unsupported content part type \"" + type + "\"");
    }
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
    if (!call.Has("function")) return Missing(call.Path("function"));
    Fields fn = call;
    HEARTH_RETURN_IF_ERROR(call.Object("function", &fn));
    HEARTH_RETURN_IF_ERROR(fn.String("name", &tc.name));
    std::string args = "{}";
    HEARTH_RETURN_IF_ERROR(fn.String("arguments", &args));  // a JSON string on /v1
    const Json parsed = Json::parse(args, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded() || !parsed.is_object()) {
      return ValueError(fn.Path("arguments"), "must be a string holding a JSON object");
    }
    tc.arguments_json = Dump(parsed);
    out->push_back(std::move(tc));
  }
  return Status::Ok();
}

Status ParseStop(const Fields& body, std::vector<chat::OptionSetting>* options) {
  const Json* stop = body.Get("stop");
  if (stop == nullptr) return Status::Ok();
  if (stop->is_string()) {
    AddStopOption(options, stop->get<std::string>());
    return Status::Ok();
  }
  if (!stop->is_array()) return TypeError("stop", "string or array of strings", *stop);
  for (size_t i = 0; i < stop->size(); ++i) {
    if (!(*stop)[i].is_string()) return TypeError(IndexPath("stop", i), "string", (*stop)[i]);
    AddStopOption(options, (*stop)[i].get<std::string>());
  }
  return Status::Ok();
}

// Fields shared by chat and legacy completions.
Status ParseCommon(const Fields& body, ParsedRequest* out) {
  chat::Request& r = out->request;
  HEARTH_RETURN_IF_ERROR(body.String("model", &r.model));
  if (r.model.empty()) return Missing("model");
  HEARTH_RETURN_IF_ERROR(body.Bool("stream", &out->stream));
  if (body.Has("stream_options")) {
    Fields so = body;
    HEARTH_RETURN_IF_ERROR(body.Object("stream_options", &so));
    HEARTH_RETURN_IF_ERROR(so.Bool("include_usage", &out->include_usage));
  }
  int64_t n = 1;
  HEARTH_RETURN_IF_ERROR(body.Int("n", &n));
  if (n != 1) return ValueError("n", "only n = 1 is supported");
  int64_t max_tokens = -1;
  HEARTH_RETURN_IF_ERROR(body.Int("max_tokens", &max_tokens));
  HEARTH_RETURN_IF_ERROR(body.Int("max_completion_tokens", &max_tokens));
  if (body.Has("max_tokens") || body.Has("max_completion_tokens")) {
    if (max_tokens < 0) return ValueError("max_tokens", "must not be negative");
    AddIntOption(&r.options, "num_predict", max_tokens);
  }
  HEARTH_RETURN_IF_ERROR(ParseStop(body, &r.options));
  int64_t seed = 0;
  HEARTH_RETURN_IF_ERROR(body.Int("seed", &seed));
  if (body.Has("seed")) AddIntOption(&r.options, "seed", seed);
  for (const char* name : {"temperature", "top_p", "frequency_penalty", "presence_penalty"}) {
    double v = 0;
    HEARTH_RETURN_IF_ERROR(body.Number(name, &v));
    if (body.Has(name)) AddFloatOption(&r.options, name, v);
  }
  return Status::Ok();
}

Status ParseResponseFormat(const Fields& body, chat::OutputFormat* format) {
  if (!body.Has("response_format")) return Status::Ok();
  Fields rf = body;
  HEARTH_RETURN_IF_ERROR(body.Object("response_format", &rf));
  std::string type;
  HEARTH_RETURN_IF_ERROR(rf.String("type", &type));
  if (type == "text" || type.empty()) return Status::Ok();
  if (type == "json_object") {
    format->kind = chat::OutputFormat::Kind::kJson;
    return Status::Ok();
  }
  if (type != "json_schema") {
    return ValueError(rf.Path("type"),
                      "\"" + type + "\" (expected text, json_object or json_schema)");
  }
  if (!rf.Has("json_schema")) return Missing(rf.Path("json_schema"));
  Fields js = rf;
  HEARTH_RETURN_IF_ERROR(rf.Object("json_schema", &js));
  const Json* schema = js.Get("schema");
  if (schema == nullptr) return Missing(js.Path("schema"));
  HEARTH_ASSIGN_OR_RETURN(format->text, SchemaText(*schema, js.Path("schema")));
  format->kind = chat::OutputFormat::Kind::kJsonSchema;
  return Status::Ok();
}

Status ParseToolChoice(const Fields& body, chat::Request* r) {
  const Json* tc = body.Get("tool_choice");
  if (tc == nullptr) return Status::Ok();
  using Mode = chat::ToolChoice::Mode;
  if (tc->is_string()) {
    const std::string& s = tc->get_ref<const std::string&>();
    if (s == "auto")
      r->tool_choice.mode = Mode::kAuto;
    else if (s == "none")
      r->tool_choice.mode = Mode::kNone;
    else if (s == "required")
      r->tool_choice.mode = Mode::kRequired;
    else
      return ValueError("tool_choice",
                        "\"" + s + "\" (expected auto, none, required or an object)");
  } else {
    HEARTH_ASSIGN_OR_RETURN(Fields obj, Fields::Of(*tc, "tool_choice"));
    if (!obj.Has("function")) return Missing("tool_choice.function");
    Fields fn = obj;
    HEARTH_RETURN_IF_ERROR(obj.Object("function", &fn));
    HEARTH_RETURN_IF_ERROR(fn.String("name", &r->tool_choice.function));
    if (r->tool_choice.function.empty()) return Missing("tool_choice.function.name");
    r->tool_choice.mode = Mode::kFunction;
  }
  if (r->tool_choice.mode == Mode::kRequired && r->tools.empty()) {
    return ValueError("tool_choice", "\"required\" needs at least one tool in 'tools'");
  }
  if (r->tool_choice.mode == Mode::kFunction) {
    bool found = false;
    for (const auto& t : r->tools) found = found || t.name == r->tool_choice.function;
    if (!found) {
      return ValueError("tool_choice.function.name",
                        "no tool named \"" + r->tool_choice.function + "\" in 'tools'");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<ParsedRequest> ParseChatCompletion(const Json& json) {
  HEARTH_ASSIGN_OR_RETURN(Fields body, Fields::Of(json, ""));
  ParsedRequest out;
  chat::Request& r = out.request;
  r.kind = chat::RequestKind::kChat;
  HEARTH_RETURN_IF_ERROR(ParseCommon(body, &out));
  const Json* messages = nullptr;
  HEARTH_RETURN_IF_ERROR(body.Array("messages", &messages));
  if (messages == nullptr || messages->empty()) return Missing("messages");
  for (size_t i = 0; i < messages->size(); ++i) {
    HEARTH_ASSIGN_OR_RETURN(Fields m, Fields::Of((*messages)[i], IndexPath("messages", i)));
    chat::Message msg;
    HEARTH_RETURN_IF_ERROR(m.String("role", &msg.role));
    if (msg.role.empty()) return Missing(m.Path("role"));
    if (msg.role == "developer") msg.role = "system";
    HEARTH_RETURN_IF_ERROR(ParseContent(m, &msg.content, &r.images));
    HEARTH_RETURN_IF_ERROR(m.String("reasoning", &msg.thinking));
    HEARTH_RETURN_IF_ERROR(m.String("reasoning_content", &msg.thinking));
    HEARTH_RETURN_IF_ERROR(ParseToolCalls(m, &msg.tool_calls));
    HEARTH_RETURN_IF_ERROR(m.String("tool_call_id", &msg.tool_call_id));
    if (msg.role == "tool") {
      // The template wants the tool's name: find the call this message answers.
      for (const auto& prev : r.messages) {
        for (const auto& call : prev.tool_calls) {
          if (!msg.tool_call_id.empty() && call.id == msg.tool_call_id) msg.tool_name = call.name;
        }
      }
      HEARTH_RETURN_IF_ERROR(m.String("name", &msg.tool_name));
    }
    r.messages.push_back(std::move(msg));
  }
  if (const Json* tools = body.Get("tools")) {
    HEARTH_RETURN_IF_ERROR(ParseFunctionTools(*tools, "tools", &r.tools));
  }
  HEARTH_RETURN_IF_ERROR(ParseToolChoice(body, &r));
  HEARTH_RETURN_IF_ERROR(ParseResponseFormat(body, &r.format));
  std::string effort;
  HEARTH_RETURN_IF_ERROR(body.String("reasoning_effort", &effort));
  if (!effort.empty()) {
    if (effort == "none") {
      r.think = {true, false, ""};
    } else {
      HEARTH_RETURN_IF_ERROR(ParseThink(Json(effort), "reasoning_effort", &r.think));
    }
  }
  HEARTH_RETURN_IF_ERROR(body.Bool("logprobs", &r.logprobs));
  HEARTH_RETURN_IF_ERROR(body.Int32("top_logprobs", &r.top_logprobs));
  if (r.top_logprobs < 0 || r.top_logprobs > 20) {
    return ValueError("top_logprobs", "must be between 0 and 20");
  }
  return out;
}

Result<ParsedRequest> ParseCompletion(const Json& json) {
  HEARTH_ASSIGN_OR_RETURN(Fields body, Fields::Of(json, ""));
  ParsedRequest out;
  chat::Request& r = out.request;
  r.kind = chat::RequestKind::kGenerate;
  HEARTH_RETURN_IF_ERROR(ParseCommon(body, &out));
  const Json* prompt = body.Get("prompt");
  if (prompt == nullptr) return Missing("prompt");
  if (prompt->is_string()) {
    r.prompt = prompt->get<std::string>();
  } else if (prompt->is_array()) {
    if (prompt->size() > 1) return ValueError("prompt", "only one prompt per request is supported");
    if (!prompt->empty()) {
      if ((*prompt)[0].is_number() || (*prompt)[0].is_array()) {
        return ValueError("prompt", "token arrays are not supported; send text");
      }
      if (!(*prompt)[0].is_string()) return TypeError("prompt[0]", "string", (*prompt)[0]);
      r.prompt = (*prompt)[0].get<std::string>();
    }
  } else {
    return TypeError("prompt", "string or array of strings", *prompt);
  }
  HEARTH_RETURN_IF_ERROR(body.String("suffix", &r.suffix));
  bool echo = false;
  HEARTH_RETURN_IF_ERROR(body.Bool("echo", &echo));
  if (echo) return ValueError("echo", "echo is not supported");
  int64_t best_of = 1;
  HEARTH_RETURN_IF_ERROR(body.Int("best_of", &best_of));
  if (best_of != 1) return ValueError("best_of", "only best_of = 1 is supported");
  int64_t logprobs = 0;
  HEARTH_RETURN_IF_ERROR(body.Int("logprobs", &logprobs));
  if (logprobs < 0 || logprobs > 20) return ValueError("logprobs", "must be between 0 and 20");
  if (body.Has("logprobs")) {
    r.logprobs = true;
    r.top_logprobs = static_cast<int32_t>(logprobs);
  }
  return out;
}

Result<ParsedEmbeddings> ParseEmbeddings(const Json& json) {
  HEARTH_ASSIGN_OR_RETURN(Fields body, Fields::Of(json, ""));
  ParsedEmbeddings out;
  chat::EmbedRequest& r = out.request;
  HEARTH_RETURN_IF_ERROR(body.String("model", &r.model));
  if (r.model.empty()) return Missing("model");
  const Json* input = body.Get("input");
  if (input == nullptr) return Missing("input");
  if (input->is_string()) {
    r.inputs.push_back(input->get<std::string>());
  } else if (input->is_array()) {
    for (size_t i = 0; i < input->size(); ++i) {
      const Json& v = (*input)[i];
      if (v.is_number() || v.is_array()) {
        return ValueError("input", "token arrays are not supported; send text");
      }
      if (!v.is_string()) return TypeError(IndexPath("input", i), "string", v);
      r.inputs.push_back(v.get<std::string>());
    }
  } else {
    return TypeError("input", "string or array of strings", *input);
  }
  if (r.inputs.empty()) return ValueError("input", "must not be empty");
  for (size_t i = 0; i < r.inputs.size(); ++i) {
    if (r.inputs[i].empty()) return ValueError(IndexPath("input", i), "must not be empty");
  }
  std::string encoding = "float";
  HEARTH_RETURN_IF_ERROR(body.String("encoding_format", &encoding));
  if (encoding != "float" && encoding != "base64") {
    return ValueError("encoding_format", "\"" + encoding + "\" (expected float or base64)");
  }
  out.base64 = encoding == "base64";
  HEARTH_RETURN_IF_ERROR(body.Int32("dimensions", &r.dimensions));
  if (r.dimensions < 0) return ValueError("dimensions", "must not be negative");
  return out;
}

}  // namespace hearth::api::openai
