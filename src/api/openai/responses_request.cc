// Responses API request bodies -> chat::Request.
#include "api/common.h"
#include "api/openai/responses.h"

namespace hearth::api::openai {
namespace {

Status Missing(std::string_view field) {
  return InvalidArgument("missing field '" + std::string(field) + "'");
}

Status Stateless(std::string_view field) {
  return ValueError(field,
                    "not supported: /v1/responses is stateless here; send the whole conversation "
                    "in 'input'");
}

// An input_image part: a base64 data URL in image_url.
Status ParseImage(const Fields& part, std::vector<std::string>* images) {
  if (part.Has("file_id")) return ValueError(part.Path("file_id"), "file ids are not supported");
  std::string url;
  HEARTH_RETURN_IF_ERROR(part.String("image_url", &url));
  if (url.empty()) return Missing(part.Path("image_url"));
  const size_t comma = url.find(',');
  if (url.rfind("data:", 0) != 0 || comma == std::string::npos ||
      url.substr(0, comma).find(";base64") == std::string::npos) {
    return ValueError(part.Path("image_url"),
                      "only base64 data URLs are supported (data:image/png;base64,...)");
  }
  auto bytes = Base64Decode(std::string_view(url).substr(comma + 1));
  if (!bytes.ok()) return ValueError(part.Path("image_url"), bytes.status().message());
  images->push_back(std::move(*bytes));
  return Status::Ok();
}

// Content: a string, or an array of input_text / output_text / input_image parts. Text parts are
// concatenated (as Ollama does).
Status ParseContent(const Fields& item, std::string_view key, std::string* text,
                    std::vector<std::string>* images) {
  const Json* content = item.Get(key);
  if (content == nullptr) return Status::Ok();
  const std::string path = item.Path(key);
  if (content->is_string()) {
    *text += content->get<std::string>();
    return Status::Ok();
  }
  if (!content->is_array()) return TypeError(path, "string or array", *content);
  for (size_t i = 0; i < content->size(); ++i) {
    HEARTH_ASSIGN_OR_RETURN(Fields part, Fields::Of((*content)[i], IndexPath(path, i)));
    std::string type;
    HEARTH_RETURN_IF_ERROR(part.String("type", &type));
    if (type == "input_text" || type == "output_text") {
      std::string t;
      HEARTH_RETURN_IF_ERROR(part.String("text", &t));
      *text += t;
    } else if (type == "input_image") {
      HEARTH_RETURN_IF_ERROR(ParseImage(part, images));
    } else if (type.empty()) {
      return Missing(part.Path("type"));
    } else {
      return ValueError(part.Path("type"), "unsupported content part type \"" + type +
                                               "\" (expected input_text, output_text or "
                                               "input_image)");
    }
  }
  return Status::Ok();
}

// The name of the call `call_id` answers, from the function_call items before it.
std::string CallName(const std::vector<chat::Message>& messages, const std::string& call_id) {
  for (const auto& m : messages) {
    for (const auto& c : m.tool_calls) {
      if (!call_id.empty() && c.id == call_id) return c.name;
    }
  }
  return "";
}

// Reasoning carried back in `input`: its summary texts (or the encrypted_content, which is plain
// text when it came from hearth or Ollama).
Status ParseReasoning(const Fields& item, std::string* thinking) {
  const Json* summary = nullptr;
  HEARTH_RETURN_IF_ERROR(item.Array("summary", &summary));
  std::string text;
  for (size_t i = 0; summary != nullptr && i < summary->size(); ++i) {
    HEARTH_ASSIGN_OR_RETURN(Fields s, Fields::Of((*summary)[i], IndexPath(item.Path("summary"), i)));
    std::string t;
    HEARTH_RETURN_IF_ERROR(s.String("text", &t));
    text += t;
  }
  if (text.empty()) HEARTH_RETURN_IF_ERROR(item.String("encrypted_content", &text));
  *thinking += text;
  return Status::Ok();
}

Status ParseInput(const Fields& body, chat::Request* r) {
  const Json* input = body.Get("input");
  if (input == nullptr) return Missing("input");
  if (input->is_string()) {
    chat::Message msg;
    msg.role = "user";
    msg.content = input->get<std::string>();
    r->messages.push_back(std::move(msg));
    return Status::Ok();
  }
  if (!input->is_array()) return TypeError("input", "string or array", *input);
  if (input->empty()) return ValueError("input", "must not be empty");
  std::string thinking;  // from reasoning items, for the next assistant turn
  auto assistant = [&]() -> chat::Message& {
    if (r->messages.empty() || r->messages.back().role != "assistant") {
      chat::Message msg;
      msg.role = "assistant";
      r->messages.push_back(std::move(msg));
    }
    chat::Message& m = r->messages.back();
    m.thinking += thinking;
    thinking.clear();
    return m;
  };
  for (size_t i = 0; i < input->size(); ++i) {
    HEARTH_ASSIGN_OR_RETURN(Fields item, Fields::Of((*input)[i], IndexPath("input", i)));
    std::string type, role;
    HEARTH_RETURN_IF_ERROR(item.String("type", &type));
    HEARTH_RETURN_IF_ERROR(item.String("role", &role));
    if (type.empty() && !role.empty()) type = "message";  // the {role, content} shorthand
    if (type == "message") {
      if (role != "user" && role != "system" && role != "developer" && role != "assistant") {
        return ValueError(item.Path("role"),
                          "\"" + role + "\" (expected user, system, developer or assistant)");
      }
      chat::Message msg;
      msg.role = role == "developer" ? "system" : role;
      HEARTH_RETURN_IF_ERROR(ParseContent(item, "content", &msg.content, &r->images));
      if (msg.role == "assistant") {
        chat::Message& m = assistant();
        m.content += msg.content;
      } else {
        r->messages.push_back(std::move(msg));
      }
    } else if (type == "function_call") {
      chat::ToolCall call;
      HEARTH_RETURN_IF_ERROR(item.String("call_id", &call.id));
      HEARTH_RETURN_IF_ERROR(item.String("name", &call.name));
      if (call.name.empty()) return Missing(item.Path("name"));
      std::string args = "{}";
      HEARTH_RETURN_IF_ERROR(item.String("arguments", &args));
      if (args.empty()) args = "{}";
      const Json parsed = Json::parse(args, nullptr, /*allow_exceptions=*/false);
      if (parsed.is_discarded() || !parsed.is_object()) {
        return ValueError(item.Path("arguments"), "must be a string holding a JSON object");
      }
      call.arguments_json = Dump(parsed);
      assistant().tool_calls.push_back(std::move(call));
    } else if (type == "function_call_output") {
      chat::Message tool;
      tool.role = "tool";
      HEARTH_RETURN_IF_ERROR(item.String("call_id", &tool.tool_call_id));
      if (tool.tool_call_id.empty()) return Missing(item.Path("call_id"));
      HEARTH_RETURN_IF_ERROR(ParseContent(item, "output", &tool.content, &r->images));
      tool.tool_name = CallName(r->messages, tool.tool_call_id);
      r->messages.push_back(std::move(tool));
    } else if (type == "reasoning") {
      HEARTH_RETURN_IF_ERROR(ParseReasoning(item, &thinking));
    } else if (type == "item_reference") {
      return Stateless(item.Path("type"));
    } else if (type.empty()) {
      return Missing(item.Path("type"));
    } else {
      return ValueError(item.Path("type"),
                        "unsupported input item type \"" + type +
                            "\" (expected message, function_call, function_call_output or "
                            "reasoning)");
    }
  }
  if (!thinking.empty()) assistant();  // trailing reasoning: its own assistant turn
  return Status::Ok();
}

Status ParseTools(const Fields& body, chat::Request* r, ResponsesEcho* echo) {
  const Json* tools = nullptr;
  HEARTH_RETURN_IF_ERROR(body.Array("tools", &tools));
  for (size_t i = 0; tools != nullptr && i < tools->size(); ++i) {
    HEARTH_ASSIGN_OR_RETURN(Fields t, Fields::Of((*tools)[i], IndexPath("tools", i)));
    std::string type;
    HEARTH_RETURN_IF_ERROR(t.String("type", &type));
    if (type != "function") {
      return ValueError(t.Path("type"), "\"" + type + "\" (only function tools are supported)");
    }
    chat::Tool tool;
    HEARTH_RETURN_IF_ERROR(t.String("name", &tool.name));
    if (tool.name.empty()) return Missing(t.Path("name"));
    HEARTH_RETURN_IF_ERROR(t.String("description", &tool.description));
    OrderedJson parameters = nullptr;
    if (const Json* params = t.Get("parameters")) {
      HEARTH_ASSIGN_OR_RETURN(tool.parameters_json, SchemaText(*params, t.Path("parameters")));
      parameters = OrderedJson::parse(tool.parameters_json, nullptr, false);
    } else {
      tool.parameters_json = R"({"type":"object","properties":{}})";
    }
    bool strict = false;
    HEARTH_RETURN_IF_ERROR(t.Bool("strict", &strict));
    OrderedJson e;
    e["type"] = "function";
    e["name"] = tool.name;
    e["description"] = t.Has("description") ? OrderedJson(tool.description) : OrderedJson();
    e["parameters"] = std::move(parameters);
    e["strict"] = t.Has("strict") ? OrderedJson(strict) : OrderedJson();
    echo->tools.push_back(std::move(e));
    r->tools.push_back(std::move(tool));
  }
  const Json* tc = body.Get("tool_choice");
  if (tc == nullptr) return Status::Ok();
  using Mode = chat::ToolChoice::Mode;
  if (tc->is_string()) {
    const std::string& s = tc->get_ref<const std::string&>();
    if (s == "auto") {
      r->tool_choice.mode = Mode::kAuto;
    } else if (s == "none") {
      r->tool_choice.mode = Mode::kNone;
    } else if (s == "required") {
      if (r->tools.empty()) {
        return ValueError("tool_choice", "\"required\" needs at least one tool in 'tools'");
      }
      r->tool_choice.mode = Mode::kRequired;
    } else {
      return ValueError("tool_choice", "\"" + s + "\" (expected auto, none, required or an object)");
    }
    echo->tool_choice = s;
    return Status::Ok();
  }
  HEARTH_ASSIGN_OR_RETURN(Fields obj, Fields::Of(*tc, "tool_choice"));
  std::string type;
  HEARTH_RETURN_IF_ERROR(obj.String("type", &type));
  if (type != "function") {
    return ValueError("tool_choice.type",
                      "\"" + type + "\" (only {\"type\":\"function\",\"name\"} is supported)");
  }
  HEARTH_RETURN_IF_ERROR(obj.String("name", &r->tool_choice.function));
  if (r->tool_choice.function.empty()) return Missing("tool_choice.name");
  bool found = false;
  for (const auto& t : r->tools) found = found || t.name == r->tool_choice.function;
  if (!found) {
    return ValueError("tool_choice.name",
                      "no tool named \"" + r->tool_choice.function + "\" in 'tools'");
  }
  r->tool_choice.mode = Mode::kFunction;
  echo->tool_choice = {{"type", "function"}, {"name", r->tool_choice.function}};
  return Status::Ok();
}

Status ParseText(const Fields& body, chat::OutputFormat* format, ResponsesEcho* echo) {
  if (!body.Has("text")) return Status::Ok();
  Fields text = body;
  HEARTH_RETURN_IF_ERROR(body.Object("text", &text));
  if (!text.Has("format")) return Status::Ok();
  Fields f = text;
  HEARTH_RETURN_IF_ERROR(text.Object("format", &f));
  std::string type;
  HEARTH_RETURN_IF_ERROR(f.String("type", &type));
  if (type == "text") return Status::Ok();
  if (type == "json_object") {
    format->kind = chat::OutputFormat::Kind::kJson;
    echo->text_format = {{"type", "json_object"}};
    return Status::Ok();
  }
  if (type != "json_schema") {
    return ValueError(f.Path("type"),
                      "\"" + type + "\" (expected text, json_object or json_schema)");
  }
  const Json* schema = f.Get("schema");
  if (schema == nullptr) return Missing(f.Path("schema"));
  HEARTH_ASSIGN_OR_RETURN(format->text, SchemaText(*schema, f.Path("schema")));
  format->kind = chat::OutputFormat::Kind::kJsonSchema;
  std::string name;
  HEARTH_RETURN_IF_ERROR(f.String("name", &name));
  bool strict = false;
  HEARTH_RETURN_IF_ERROR(f.Bool("strict", &strict));
  OrderedJson e;
  e["type"] = "json_schema";
  if (!name.empty()) e["name"] = name;
  e["schema"] = OrderedJson::parse(format->text, nullptr, false);
  if (f.Has("strict")) e["strict"] = strict;
  echo->text_format = std::move(e);
  return Status::Ok();
}

Status ParseReasoningSetting(const Fields& body, chat::ThinkSetting* think, ResponsesEcho* echo) {
  if (!body.Has("reasoning")) return Status::Ok();
  Fields reasoning = body;
  HEARTH_RETURN_IF_ERROR(body.Object("reasoning", &reasoning));
  std::string effort, summary;
  HEARTH_RETURN_IF_ERROR(reasoning.String("effort", &effort));
  HEARTH_RETURN_IF_ERROR(reasoning.String("summary", &summary));
  if (!effort.empty()) {
    if (effort == "none") {
      *think = {true, false, ""};
    } else if (effort == "minimal" || effort == "low" || effort == "medium" || effort == "high") {
      HEARTH_RETURN_IF_ERROR(
          ParseThink(Json(effort == "minimal" ? "low" : effort), "reasoning.effort", think));
    } else {
      return ValueError("reasoning.effort",
                        "\"" + effort + "\" (expected none, minimal, low, medium or high)");
    }
  }
  if (!effort.empty() || !summary.empty()) {
    echo->reasoning = {{"effort", effort.empty() ? OrderedJson() : OrderedJson(effort)},
                       {"summary", summary.empty() ? OrderedJson() : OrderedJson(summary)}};
  }
  return Status::Ok();
}

// Fields that need server-side state or a feature hearth does not have.
Status RefuseUnsupported(const Fields& body) {
  std::string previous;
  HEARTH_RETURN_IF_ERROR(body.String("previous_response_id", &previous));
  if (!previous.empty()) return Stateless("previous_response_id");
  if (body.Has("conversation")) return Stateless("conversation");
  bool store = false;
  HEARTH_RETURN_IF_ERROR(body.Bool("store", &store));
  if (store) {
    return ValueError("store",
                      "true is not supported: /v1/responses is stateless here (send false or "
                      "leave it out)");
  }
  bool background = false;
  HEARTH_RETURN_IF_ERROR(body.Bool("background", &background));
  if (background) return ValueError("background", "true is not supported");
  if (body.Has("prompt")) return ValueError("prompt", "stored prompts are not supported");
  if (body.Has("max_tool_calls")) return ValueError("max_tool_calls", "is not supported");
  int64_t top_logprobs = 0;
  HEARTH_RETURN_IF_ERROR(body.Int("top_logprobs", &top_logprobs));
  if (top_logprobs != 0) return ValueError("top_logprobs", "is not supported");
  return Status::Ok();
}

}  // namespace

Result<ParsedResponses> ParseResponses(const Json& json) {
  HEARTH_ASSIGN_OR_RETURN(Fields body, Fields::Of(json, ""));
  ParsedResponses out;
  chat::Request& r = out.request;
  r.kind = chat::RequestKind::kChat;
  HEARTH_RETURN_IF_ERROR(body.String("model", &r.model));
  if (r.model.empty()) return Missing("model");
  HEARTH_RETURN_IF_ERROR(RefuseUnsupported(body));
  HEARTH_RETURN_IF_ERROR(body.Bool("stream", &out.stream));
  std::string instructions;
  HEARTH_RETURN_IF_ERROR(body.String("instructions", &instructions));
  if (!instructions.empty()) {
    chat::Message system;
    system.role = "system";
    system.content = instructions;
    r.messages.push_back(std::move(system));
    out.echo.instructions = instructions;
  }
  HEARTH_RETURN_IF_ERROR(ParseInput(body, &r));
  HEARTH_RETURN_IF_ERROR(ParseTools(body, &r, &out.echo));
  HEARTH_RETURN_IF_ERROR(ParseText(body, &r.format, &out.echo));
  HEARTH_RETURN_IF_ERROR(ParseReasoningSetting(body, &r.think, &out.echo));
  if (body.Has("max_output_tokens")) {
    int64_t max_tokens = 0;
    HEARTH_RETURN_IF_ERROR(body.Int("max_output_tokens", &max_tokens));
    if (max_tokens < 1) return ValueError("max_output_tokens", "must be at least 1");
    AddIntOption(&r.options, "num_predict", max_tokens);
    out.echo.max_output_tokens = max_tokens;
  }
  for (auto [name, echoed] : {std::pair{"temperature", &out.echo.temperature},
                               std::pair{"top_p", &out.echo.top_p}}) {
    if (!body.Has(name)) continue;
    double v = 0;
    HEARTH_RETURN_IF_ERROR(body.Number(name, &v));
    AddFloatOption(&r.options, name, v);
    *echoed = v;
  }
  std::string truncation;
  HEARTH_RETURN_IF_ERROR(body.String("truncation", &truncation));
  if (truncation == "disabled") {
    r.truncate = false;
    out.echo.truncation = "disabled";
  } else if (!truncation.empty() && truncation != "auto") {
    return ValueError("truncation", "\"" + truncation + "\" (expected auto or disabled)");
  }
  bool parallel = true;
  HEARTH_RETURN_IF_ERROR(body.Bool("parallel_tool_calls", &parallel));
  const Json* include = nullptr;
  HEARTH_RETURN_IF_ERROR(body.Array("include", &include));
  return out;
}

}  // namespace hearth::api::openai
